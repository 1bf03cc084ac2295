"""Monotone binning and weight of evidence, implemented here (no optbinning).

Numeric characteristic:
1. quantile pre-binning: cut points are the ``inverted_cdf`` quantiles at k/P (P = ``max_prebins``) of the
   non-missing values, de-duplicated, dropping any cut at or above the maximum; bins are right-closed intervals
   (x ≤ c₁, c₁ < x ≤ c₂, …) and missing values get a bin of their own;
2. merging adjacent bins into a monotone bad rate by pool-adjacent-violators, once for an ascending and once for a
   descending trend; the trend with the larger information value is kept ("chosen by the data");
3. merging any bin holding less than ``min_share`` of the non-missing rows into its adjacent neighbour with the
   closest bad rate (merging neighbours keeps the trend monotone), then merging the closest adjacent pair until at
   most ``max_bins`` remain.

Categorical characteristic: one pre-bin per category ordered by smoothed bad rate (so the trend is monotone by
construction), then steps 3; values never seen in training fall in the missing bin.

Weight of evidence per bin: WoE = ln(%good / %bad) with 0.5 added to every count (so a pure bin stays finite);
information value IV = Σ (%good − %bad)·WoE. A higher WoE means a better (less risky) bin.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

SMOOTH = 0.5


def prebin_cuts(x: np.ndarray, max_prebins: int = 20) -> np.ndarray:
    """Quantile pre-binning cut points of the finite values of ``x`` (see the module docstring)."""
    v = x[~np.isnan(x)]
    if v.size == 0:
        return np.empty(0)
    probs = np.arange(1, max_prebins) / max_prebins
    cuts = np.unique(np.quantile(v, probs, method="inverted_cdf"))
    return cuts[cuts < v.max()]


def numeric_counts(x: np.ndarray, y: np.ndarray, cuts: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Bads and goods per right-closed bin of ``cuts``, plus the bads and goods of missing values."""
    miss = np.isnan(x)
    idx = np.searchsorted(cuts, x[~miss], side="left")
    yy = y[~miss]
    k = cuts.size + 1
    bads = np.bincount(idx, weights=yy, minlength=k).astype(np.int64)
    total = np.bincount(idx, minlength=k).astype(np.int64)
    mb = int(y[miss].sum())
    return bads, total - bads, mb, int(miss.sum()) - mb


def woe_iv(bads: np.ndarray, goods: np.ndarray, total_bads: float, total_goods: float) -> tuple[np.ndarray, float]:
    """Smoothed weight of evidence of each bin and the information value of the whole set."""
    b = np.asarray(bads, dtype=np.float64) + SMOOTH
    g = np.asarray(goods, dtype=np.float64) + SMOOTH
    pb = b / (total_bads + SMOOTH)
    pg = g / (total_goods + SMOOTH)
    woe = np.log(pg / pb)
    return woe, float(np.sum((pg - pb) * woe))


def _pav(bads: list[float], goods: list[float], ascending: bool) -> list[list[int]]:
    blocks: list[list[Any]] = []  # [bads, goods, members]
    for i, (b, g) in enumerate(zip(bads, goods, strict=True)):
        blocks.append([b, g, [i]])
        while len(blocks) > 1:
            (b1, g1, _), (b2, g2, _) = blocks[-2], blocks[-1]
            r1, r2 = b1 / max(b1 + g1, 1e-12), b2 / max(b2 + g2, 1e-12)
            if (r1 > r2) if ascending else (r1 < r2):
                last = blocks.pop()
                blocks[-1][0] += last[0]
                blocks[-1][1] += last[1]
                blocks[-1][2].extend(last[2])
            else:
                break
    return [blk[2] for blk in blocks]


def _rate(bads: np.ndarray, goods: np.ndarray, group: list[int]) -> float:
    b = float(bads[group].sum())
    return b / max(b + float(goods[group].sum()), 1e-12)


def _merge_small(groups: list[list[int]], bads: np.ndarray, goods: np.ndarray, min_count: float, max_bins: int):
    groups = [list(g) for g in groups]
    while len(groups) > 1:
        sizes = [float(bads[g].sum() + goods[g].sum()) for g in groups]
        i = int(np.argmin(sizes))
        if sizes[i] >= min_count:
            break
        cand = [j for j in (i - 1, i + 1) if 0 <= j < len(groups)]
        r = _rate(bads, goods, groups[i])
        j = min(cand, key=lambda c: abs(_rate(bads, goods, groups[c]) - r))
        lo, hi = min(i, j), max(i, j)
        groups[lo:hi + 1] = [groups[lo] + groups[hi]]
    while len(groups) > max_bins:
        rates = [_rate(bads, goods, g) for g in groups]
        i = int(np.argmin(np.abs(np.diff(rates))))
        groups[i:i + 2] = [groups[i] + groups[i + 1]]
    return groups


def merge_monotone(
    bads: np.ndarray, goods: np.ndarray, *, min_share: float = 0.05, max_bins: int = 8, trend: str = "auto"
) -> tuple[list[list[int]], str]:
    """Group adjacent pre-bins into a monotone bad rate with a minimum share; returns the groups and the trend."""
    bads = np.asarray(bads, dtype=np.float64)
    goods = np.asarray(goods, dtype=np.float64)
    keep = (bads + goods) > 0
    order = list(np.flatnonzero(keep))
    if not order:
        return [list(range(bads.size))], "ascending"
    min_count = min_share * float(bads.sum() + goods.sum())
    tb, tg = float(bads.sum()), float(goods.sum())
    best: tuple[float, list[list[int]], str] | None = None
    for name in (["ascending", "descending"] if trend == "auto" else [trend]):
        local = _pav(list(bads[order]), list(goods[order]), ascending=(name == "ascending"))
        groups = _merge_small([[order[i] for i in g] for g in local], bads, goods, min_count, max_bins)
        gb = np.array([bads[g].sum() for g in groups])
        gg = np.array([goods[g].sum() for g in groups])
        iv = woe_iv(gb, gg, tb, tg)[1]
        if best is None or iv > best[0] + 1e-12:
            best = (iv, groups, name)
    assert best is not None
    groups = best[1]
    # give empty pre-bins to their neighbour so the groups cover every pre-bin in order
    covered = sorted(i for g in groups for i in g)
    for i in range(bads.size):
        if i not in covered:
            target = min(groups, key=lambda g, i=i: min(abs(m - i) for m in g))
            target.append(i)
    return [sorted(g) for g in sorted(groups, key=min)], best[2]


@dataclass
class FeatureBins:
    """The fitted bins of one characteristic: cut points or category groups, counts, WoE and trend."""

    name: str
    kind: str  # "numeric" | "categorical"
    edges: list[float] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)
    bads: list[int] = field(default_factory=list)
    goods: list[int] = field(default_factory=list)
    missing_bads: int = 0
    missing_goods: int = 0
    woe: list[float] = field(default_factory=list)
    missing_woe: float = 0.0
    iv: float = 0.0
    trend: str = "ascending"
    _lookup: dict[str, int] | None = field(default=None, repr=False, compare=False)
    _labels: list[str] | None = field(default=None, repr=False, compare=False)

    @property
    def n_bins(self) -> int:
        """Regular bins (the missing bin is index ``n_bins``)."""
        return len(self.woe)

    def woe_table(self) -> np.ndarray:
        """WoE by bin index, the missing bin last."""
        return np.array([*self.woe, self.missing_woe], dtype=np.float64)

    def lookup(self) -> dict[str, int]:
        """Category → bin index (categorical only)."""
        if self._lookup is None:
            self._lookup = {c: i for i, grp in enumerate(self.groups) for c in grp}
        return self._lookup

    def index(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Bin index of each value (missing or unseen → ``n_bins``)."""
        if self.kind == "numeric":
            x = np.asarray(values, dtype=np.float64)
            idx = np.searchsorted(np.asarray(self.edges, dtype=np.float64), x, side="left")
            return np.where(np.isnan(x), self.n_bins, idx)
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        lookup = self.lookup()
        per_unique = np.array([lookup.get(str(u), self.n_bins) for u in uniques] + [self.n_bins], dtype=np.int64)
        return per_unique[codes]  # the sentinel −1 (missing) picks the last entry: the missing bin

    def index_one(self, value: Any) -> int:
        """Bin index of a single value (fast path for one applicant)."""
        if self.kind == "numeric":
            try:
                v = float(value)
            except (TypeError, ValueError):
                return self.n_bins
            if v != v:
                return self.n_bins
            return bisect.bisect_left(self.edges, v)
        if value is None:
            return self.n_bins
        return self.lookup().get(str(value), self.n_bins)

    def labels(self) -> list[str]:
        """A human description of each bin, the missing bin last."""
        if self._labels is None:
            self._labels = self._make_labels()
        return self._labels

    def _make_labels(self) -> list[str]:
        if self.kind == "categorical":
            out = [", ".join(g) for g in self.groups]
        else:
            e = [f"{v:g}" for v in self.edges]
            if not e:
                out = ["all values"]
            else:
                out = [f"<= {e[0]}"] + [f"({a}, {b}]" for a, b in zip(e[:-1], e[1:], strict=True)] + [f"> {e[-1]}"]
        return [*out, "missing or unseen"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (no pickle)."""
        return {
            "name": self.name, "kind": self.kind, "edges": [float(v) for v in self.edges], "groups": self.groups,
            "bads": [int(v) for v in self.bads], "goods": [int(v) for v in self.goods],
            "missing_bads": int(self.missing_bads), "missing_goods": int(self.missing_goods),
            "woe": [float(v) for v in self.woe], "missing_woe": float(self.missing_woe), "iv": float(self.iv),
            "trend": self.trend,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureBins:
        """Inverse of :meth:`to_dict`."""
        keys = ("name", "kind", "edges", "groups", "bads", "goods", "missing_bads", "missing_goods", "woe",
                "missing_woe", "iv", "trend")
        return cls(**{k: d[k] for k in keys})


def finish_bins(
    name: str, kind: str, pre_bads: np.ndarray, pre_goods: np.ndarray, miss_b: int, miss_g: int,
    *, cuts: np.ndarray | None = None, categories: list[str] | None = None, min_share: float, max_bins: int,
) -> FeatureBins:
    """Merge pre-bin counts into monotone bins and compute WoE/IV (shared by central and federated fitting)."""
    groups, trend = merge_monotone(pre_bads, pre_goods, min_share=min_share, max_bins=max_bins,
                                   trend="ascending" if kind == "categorical" else "auto")
    bads = np.array([pre_bads[g].sum() for g in groups], dtype=np.int64)
    goods = np.array([pre_goods[g].sum() for g in groups], dtype=np.int64)
    tb = float(bads.sum() + miss_b)
    tg = float(goods.sum() + miss_g)
    woe, iv = woe_iv(np.r_[bads, miss_b], np.r_[goods, miss_g], tb, tg)
    missing_woe = float(woe[-1]) if miss_b + miss_g > 0 else 0.0
    fb = FeatureBins(name=name, kind=kind, bads=bads.tolist(), goods=goods.tolist(), missing_bads=miss_b,
                     missing_goods=miss_g, woe=woe[:-1].tolist(), missing_woe=missing_woe, iv=iv, trend=trend)
    if kind == "numeric":
        assert cuts is not None
        # the upper edge of each group is the cut after its last pre-bin
        fb.edges = [float(cuts[g[-1]]) for g in groups[:-1]]
    else:
        assert categories is not None
        fb.groups = [[categories[i] for i in g] for g in groups]
    return fb


def fit_numeric(name: str, x: np.ndarray, y: np.ndarray, *, max_prebins: int = 20, min_share: float = 0.05,
                max_bins: int = 8) -> FeatureBins:
    """Monotone bins of a numeric characteristic."""
    cuts = prebin_cuts(x, max_prebins)
    pb, pg, mb, mg = numeric_counts(x, y, cuts)
    return finish_bins(name, "numeric", pb, pg, mb, mg, cuts=cuts, min_share=min_share, max_bins=max_bins)


def categorical_counts(values: pd.Series, y: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray, int, int]:
    """Categories ordered by smoothed bad rate, their bad and good counts, and the missing bin's counts."""
    s = pd.Series(values, dtype=object).reset_index(drop=True)
    miss = s.isna().to_numpy()
    yy = np.asarray(y, dtype=np.int64)
    frame = pd.DataFrame({"c": s[~miss].astype(str).to_numpy(), "y": yy[~miss]})
    agg = frame.groupby("c", sort=True)["y"].agg(["sum", "count"])
    rate = (agg["sum"] + SMOOTH) / (agg["count"] + 2 * SMOOTH)
    order = rate.sort_values(kind="mergesort").index.tolist()
    pb = agg.loc[order, "sum"].to_numpy(dtype=np.int64)
    pg = agg.loc[order, "count"].to_numpy(dtype=np.int64) - pb
    mb = int(yy[miss].sum())
    return [str(c) for c in order], pb, pg, mb, int(miss.sum()) - mb


def fit_categorical(name: str, values: pd.Series, y: np.ndarray, *, min_share: float = 0.05,
                    max_bins: int = 8) -> FeatureBins:
    """Bins of a categorical characteristic: categories ordered by bad rate, small ones merged with neighbours."""
    cats, pb, pg, mb, mg = categorical_counts(values, y)
    return finish_bins(name, "categorical", pb, pg, mb, mg, categories=cats, min_share=min_share, max_bins=max_bins)
