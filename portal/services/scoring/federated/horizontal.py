"""Horizontal federated scorecard: banks with the same columns and different customers train one model.

No row ever leaves a bank. The scorecard pipeline (``training.fit_scorecard``) runs at the coordinator against
:class:`FederatedBackend`, which answers each of its questions with one secure-aggregation round (``secagg``):

1. row counts and missing counts per column;
2. global quantile cut points by bisection: a bracket round (how many values lie below ±2^k), then rounds in which
   every bank counts its values at or below the current midpoints; the coordinator only ever sees global counts.
   The result is the same ``inverted_cdf`` quantile the central pre-binning uses (to ~1e−12), so bins match;
3. bad/good counts per pre-bin → monotone merging and WoE at the coordinator (the same code as central fitting);
4. sums and cross-products of the WoE matrix (for the correlation filter);
5. Newton's method for the logistic regression: each round every bank sends its gradient, Hessian and
   log-likelihood sums at the current weights (fixed point, 2^-24).

What the coordinator learns: global counts per bin and per probe, the global cut points (which are data values, as
in any binning), the aggregated gradients and Hessians, and the final model — which every bank receives. It never
sees a row, a bank's own counts or a bank's own gradient. Only numeric columns are supported (a category list would
have to be shared first).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from portal.core.errors import BadInput
from portal.services.scoring import metrics, training
from portal.services.scoring.binning import FeatureBins
from portal.services.scoring.data import Dataset, load_csv
from portal.services.scoring.federated.secagg import Coordinator, new_session

BISECTION_ROUNDS = 52
_GRID = np.array([-(2.0 ** k) for k in range(62, -1, -1)] + [0.0] + [2.0 ** k for k in range(63)])


def _tri(m: np.ndarray) -> np.ndarray:
    return m[np.triu_indices(m.shape[0])]


def _untri(v: np.ndarray, d: int) -> np.ndarray:
    m = np.zeros((d, d))
    m[np.triu_indices(d)] = v
    return m + np.triu(m, 1).T


class Bank:
    """One party: its rows stay here; every method returns an aggregate vector of its own rows."""

    def __init__(self, name: str, frame: pd.DataFrame, y: np.ndarray):
        self.name = name
        self.central = training.CentralBackend(frame, y, list(frame.columns), [])
        self._sorted = {}
        for c in frame.columns:
            v = frame[c].to_numpy(dtype=np.float64)
            self._sorted[c] = np.sort(v[np.isfinite(v)])

    @property
    def rows(self) -> int:
        """Row count (known to the bank itself)."""
        return len(self.central.frame)

    def presence(self, names: list[str]) -> np.ndarray:
        """[rows, non-missing count per column]."""
        return np.array([self.rows] + [self._sorted[n].size for n in names], dtype=np.float64)

    def count_le(self, names: list[str], probes: np.ndarray) -> np.ndarray:
        """For each column (row of ``probes``) how many values are ≤ each probe."""
        return np.concatenate([np.searchsorted(self._sorted[n], probes[i], side="right")
                               for i, n in enumerate(names)]).astype(np.float64)

    def bin_counts(self, cuts: dict[str, np.ndarray]) -> np.ndarray:
        """Concatenated [bads per pre-bin, goods per pre-bin, missing bads, missing goods] of every column."""
        parts = []
        for pb, pg, mb, mg in self.central.numeric_counts(cuts).values():
            parts.append(np.r_[pb, pg, mb, mg])
        return np.concatenate(parts).astype(np.float64)

    def moments(self, bins: list[FeatureBins]) -> np.ndarray:
        """[n, column sums, upper triangle of the cross-products] of the bank's WoE matrix."""
        n, s, ss = self.central.woe_moments(bins)
        return np.r_[n, s, _tri(ss)]

    def logistic(self, bins: list[FeatureBins], w: np.ndarray) -> np.ndarray:
        """[gradient, upper triangle of the Hessian, log-likelihood] at ``w`` over the bank's rows."""
        g, h, ll = self.central.logistic_stats(bins, w)
        return np.r_[g, _tri(h), ll]


class FederatedBackend:
    """The training backend whose every aggregate is one secure-aggregation round across the banks."""

    def __init__(self, banks: list[Bank], coordinator: Coordinator | None = None,
                 dropout: tuple[int, int] | None = None):
        self.banks = banks
        self.coord = coordinator or new_session(len(banks))
        self.dropout = dropout
        self.numeric = list(banks[0].central.frame.columns)
        self.categorical: list[str] = []
        self.rounds = 0
        pres = self._sum(lambda b: b.presence(self.numeric), frac_bits=0)
        self.rows = int(pres[0])
        self.present = dict(zip(self.numeric, pres[1:].astype(np.int64), strict=True))

    def _sum(self, fn, frac_bits: int = 24) -> np.ndarray:
        nxt = self.coord.round_id + 1
        contributions = {}
        for i, bank in enumerate(self.banks):
            gone = self.dropout is not None and self.dropout == (i, nxt)
            contributions[i] = None if gone else (lambda b=bank: fn(b))
        self.rounds += 1
        return self.coord.aggregate(contributions, frac_bits=frac_bits)

    def numeric_cuts(self, names: list[str], max_prebins: int) -> dict[str, np.ndarray]:
        """Global inverted-CDF quantile cuts by secure bisection (see the module docstring)."""
        q = np.arange(1, max_prebins) / max_prebins
        f = len(names)
        target = np.array([[np.ceil(qq * self.present[n] - 1e-9) for qq in q] for n in names])
        grid = np.tile(_GRID, (f, 1))
        below = self._sum(lambda b: b.count_le(names, grid), frac_bits=0).reshape(f, -1)
        lo = np.empty((f, q.size))
        hi = np.empty((f, q.size))
        for i in range(f):
            k = np.searchsorted(below[i], target[i], side="left")  # first grid point with count ≥ target
            if np.any(k == 0) or np.any(k >= _GRID.size):
                raise BadInput(f"column {names[i]!r} holds values beyond ±2^62, too large for federated binning")
            lo[i], hi[i] = _GRID[k - 1], _GRID[k]
        count_hi = np.zeros_like(hi)
        for _ in range(BISECTION_ROUNDS):
            mid = (lo + hi) / 2.0
            c = self._sum(lambda b, m=mid: b.count_le(names, m), frac_bits=0).reshape(f, -1)
            ok = c >= target
            hi = np.where(ok, mid, hi)
            lo = np.where(ok, lo, mid)
            count_hi = np.where(ok, c, count_hi)
        out = {}
        for i, n in enumerate(names):
            cuts, seen = [], set()
            for cut, cnt in zip(hi[i], count_hi[i], strict=True):
                if cnt < self.present[n] and cnt not in seen and cnt > 0:
                    seen.add(cnt)
                    cuts.append(cut)
            out[n] = np.array(sorted(cuts))
        return out

    def numeric_counts(self, cuts: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray, int, int]]:
        """Global bad/good counts per pre-bin."""
        total = self._sum(lambda b: b.bin_counts(cuts), frac_bits=0).astype(np.int64)
        out, pos = {}, 0
        for n, c in cuts.items():
            k = c.size + 1
            pb, pg = total[pos:pos + k], total[pos + k:pos + 2 * k]
            out[n] = (pb, pg, int(total[pos + 2 * k]), int(total[pos + 2 * k + 1]))
            pos += 2 * k + 2
        return out

    def categorical_counts(self, names: list[str]) -> dict:
        """Not supported across banks (the category lists would have to be disclosed first)."""
        if names:
            raise BadInput("federated training supports numeric columns only")
        return {}

    def woe_moments(self, bins: list[FeatureBins]) -> tuple[float, np.ndarray, np.ndarray]:
        """Global WoE moments."""
        m = len(bins)
        v = self._sum(lambda b: b.moments(bins))
        return float(v[0]), v[1:1 + m], _untri(v[1 + m:], m)

    def logistic_stats(self, bins: list[FeatureBins], w: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """Global gradient/Hessian/log-likelihood at ``w``."""
        d = len(w)
        v = self._sum(lambda b: b.logistic(bins, w))
        return v[:d], _untri(v[d:-1], d), float(v[-1])


def fit_federated(banks: list[Bank], params: training.Params | None = None,
                  dropout: tuple[int, int] | None = None) -> tuple[Any, FederatedBackend]:
    """Train one scorecard across ``banks`` through secure aggregation; returns it and the backend (rounds…)."""
    params = params or training.Params(derive=False)
    backend = FederatedBackend(banks, dropout=dropout)
    params = training.effective_params(params, backend.rows)
    card = training.fit_scorecard(backend, params, recipe=None, inputs=list(backend.numeric))
    return card.trim_inputs(), backend


def subsample(ds: Dataset, rows: int | None, seed: int) -> Dataset:
    """A stratified, seeded sample of ``rows`` rows (the whole set when None or larger)."""
    if rows is None or rows >= ds.rows:
        return ds
    rng = np.random.default_rng(seed)
    pick = []
    for cls in (0, 1):
        idx = np.flatnonzero(ds.y == cls)
        k = max(1, round(rows * idx.size / ds.rows))
        pick.append(rng.choice(idx, size=min(k, idx.size), replace=False))
    sel = np.sort(np.concatenate(pick))
    return Dataset(features=ds.features.iloc[sel].reset_index(drop=True), y=ds.y[sel],
                   ids=ds.ids.iloc[sel].reset_index(drop=True), label=ds.label, positive=ds.positive,
                   numeric=ds.numeric, categorical=ds.categorical, sha256=ds.sha256)


def _check_schema(parties: list[Dataset], test: Dataset, paths: list[str]) -> None:
    ref = parties[0]
    if ref.categorical:
        raise BadInput(f"federated training supports numeric columns only; {paths[0]} has text column "
                       f"{ref.categorical[0]!r}")
    for ds, path in [*zip(parties[1:], paths[1:-1], strict=True), (test, paths[-1])]:
        if list(ds.features.columns) != list(ref.features.columns) or ds.categorical:
            diff = sorted(set(ds.features.columns) ^ set(ref.features.columns)) or ds.categorical or ["(order)"]
            raise BadInput(f"{path} does not have the same numeric columns as {paths[0]}: {diff[0]!r}")


def run_demo(party_paths: list[str], test_path: str, *, label: str, positive: str = "1", ids: list[str] | None = None,
             party_rows: list[int | None] | None = None, dropout: tuple[int, int] | None = None,
             seed: int = 0) -> dict[str, Any]:
    """Federated vs centralised (same rows pooled) vs each bank alone, all scored on the test file."""
    ids = ids or []
    parties = [load_csv(p, label, positive, ids) for p in party_paths]
    test = load_csv(test_path, label, positive, ids)
    _check_schema(parties, test, [*party_paths, test_path])
    rows = party_rows or [None] * len(parties)
    parties = [subsample(ds, r, seed + i) for i, (ds, r) in enumerate(zip(parties, rows, strict=True))]
    params = training.Params(derive=False)
    banks = [Bank(f"bank-{i + 1}", ds.features, ds.y) for i, ds in enumerate(parties)]
    fed, backend = fit_federated(banks, params, dropout=dropout)
    p_fed = fed.predict_pd(test.features)
    pooled = pd.concat([ds.features for ds in parties], ignore_index=True)
    y_pooled = np.concatenate([ds.y for ds in parties])
    central = training.fit_frame(pooled, y_pooled, parties[0].numeric, [], params)
    p_cen = central.predict_pd(test.features)
    out_parties = []
    fed_auc = metrics.auc(test.y, p_fed)
    for ds in parties:
        alone = training.fit_frame(ds.features, ds.y, ds.numeric, [], params)
        alone_auc = metrics.auc(test.y, alone.predict_pd(test.features))
        out_parties.append({"rows": ds.rows, "alone": {"auc": round(alone_auc, 6)},
                            "federated": {"auc": round(fed_auc, 6)}})
    return {
        "federated": {"auc": round(fed_auc, 6), "ks": round(metrics.ks(test.y, p_fed), 6)},
        "centralised": {"auc": round(metrics.auc(test.y, p_cen), 6), "ks": round(metrics.ks(test.y, p_cen), 6)},
        "parties": out_parties,
        "test_rows": test.rows,
        "secure_aggregation_rounds": backend.rounds,
        "dropout": None if dropout is None else {"party": dropout[0] + 1, "round": dropout[1]},
        "dropped": {str(r): [i + 1 for i in sorted(d)] for r, d in backend.coord.dropped.items() if d},
        "characteristics": {"federated": len(fed.bins), "centralised": len(central.bins)},
    }
