"""Fitting a scorecard through a statistics backend, so central and federated training share one pipeline.

The pipeline only ever asks the backend for *aggregates*: quantile cut points, bad/good counts per pre-bin, the
first and second moments of the WoE matrix, and the gradient/Hessian/log-likelihood of the logistic model at given
weights. :class:`CentralBackend` computes them over one table; the federated backend
(``federated/horizontal.py``) computes the same sums across banks through secure aggregation, so the two give the
same model on the same rows.

Steps: pre-bin and merge every characteristic monotonically (``binning``), keep those with IV ≥ ``min_iv``, drop
the weaker of any pair whose WoE correlation exceeds ``max_corr``, fit an L2-penalised logistic regression of the
bad flag on the WoE values by Newton's method, and drop characteristics whose coefficient has the wrong sign (a
higher WoE must never raise the PD, or points and reason codes would contradict the bins); refit until none remain.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import pandas as pd

from portal.core.errors import BadInput
from portal.services.scoring import binning, features
from portal.services.scoring.binning import FeatureBins
from portal.services.scoring.scorecard import Scaling, Scorecard


@dataclass(frozen=True)
class Params:
    """Scorecard hyper-parameters (defaults used by the CLI and the benchmarks)."""

    max_prebins: int = 20
    min_share: float = 0.02
    min_rows: int = 30
    max_bins: int = 10
    min_iv: float = 0.02
    max_corr: float = 0.92
    l2: float = 5.0
    max_features: int = 40
    derive: bool = True


class Backend(Protocol):
    """Aggregates over the training rows, however they are held."""

    numeric: list[str]
    categorical: list[str]

    def numeric_cuts(self, names: list[str], max_prebins: int) -> dict[str, np.ndarray]:
        """Pre-bin cut points (inverted-CDF quantiles) of each numeric column."""
        ...

    def numeric_counts(self, cuts: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray, int, int]]:
        """Bads and goods per pre-bin, and of the missing values, of each numeric column."""
        ...

    def categorical_counts(self, names: list[str]) -> dict[str, tuple[list[str], np.ndarray, np.ndarray, int, int]]:
        """Categories ordered by bad rate with their bads and goods, and the missing counts."""
        ...

    def woe_moments(self, bins: list[FeatureBins]) -> tuple[float, np.ndarray, np.ndarray]:
        """Row count, column sums and cross-products of the WoE matrix."""
        ...

    def logistic_stats(self, bins: list[FeatureBins], w: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """Gradient, Hessian and log-likelihood sums of the logistic model at ``w``."""
        ...


def woe_matrix(cols: dict[str, np.ndarray] | pd.DataFrame, bins: list[FeatureBins]) -> np.ndarray:
    """The n × m matrix of WoE values of ``bins`` over the columns ``cols``."""
    return np.column_stack([fb.woe_table()[fb.index(cols[fb.name])] for fb in bins])


def logistic_sums(x: np.ndarray, y: np.ndarray, w: np.ndarray, *, with_ones: bool = False
                  ) -> tuple[np.ndarray, np.ndarray, float]:
    """Gradient, Hessian and log-likelihood sums of a logistic model with intercept ``w[0]`` over rows ``x``."""
    x1 = x if with_ones else np.column_stack([np.ones(x.shape[0]), x])
    z = x1 @ w
    p = 1.0 / (1.0 + np.exp(-z))
    grad = x1.T @ (p - y)
    hess = (x1 * (p * (1 - p))[:, None]).T @ x1
    ll = float(np.sum(y * z - np.logaddexp(0.0, z)))
    return grad, hess, ll


class CentralBackend:
    """All rows in one place (one bank's data, a CV training fold, or the pooled 'centralised' baseline)."""

    def __init__(self, frame: pd.DataFrame, y: np.ndarray, numeric: list[str], categorical: list[str]):
        self.frame = frame
        self.y = np.asarray(y, dtype=np.float64)
        self.numeric = list(numeric)
        self.categorical = list(categorical)
        self._columns: dict[int, np.ndarray] = {}
        self._cache: tuple[tuple[int, ...], np.ndarray] | None = None

    def numeric_cuts(self, names: list[str], max_prebins: int) -> dict[str, np.ndarray]:
        """Quantile pre-bin cut points of each numeric column."""
        return {n: binning.prebin_cuts(self.frame[n].to_numpy(dtype=np.float64), max_prebins) for n in names}

    def numeric_counts(self, cuts: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray, int, int]]:
        """Bad/good counts per pre-bin of each numeric column."""
        return {n: binning.numeric_counts(self.frame[n].to_numpy(dtype=np.float64), self.y, c) for n, c in cuts.items()}

    def categorical_counts(self, names: list[str]) -> dict[str, tuple[list[str], np.ndarray, np.ndarray, int, int]]:
        """Categories ordered by bad rate and their counts (see ``binning.fit_categorical``)."""
        return {n: binning.categorical_counts(self.frame[n], self.y) for n in names}

    def _x(self, bins: list[FeatureBins]) -> np.ndarray:
        key = tuple(id(b) for b in bins)
        if self._cache is None or self._cache[0] != key:
            for b in bins:
                if id(b) not in self._columns:
                    self._columns[id(b)] = b.woe_table()[b.index(self.frame[b.name])]
            ones = np.ones(len(self.frame))
            self._cache = (key, np.column_stack([ones, *(self._columns[id(b)] for b in bins)]))
        return self._cache[1]

    def woe_moments(self, bins: list[FeatureBins]) -> tuple[float, np.ndarray, np.ndarray]:
        """Row count, column sums and cross-product sums of the WoE matrix."""
        x = self._x(bins)[:, 1:]
        return float(x.shape[0]), x.sum(axis=0), x.T @ x

    def logistic_stats(self, bins: list[FeatureBins], w: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """Logistic gradient/Hessian/log-likelihood sums at ``w``."""
        return logistic_sums(self._x(bins), self.y, w, with_ones=True)


def newton_logistic(stats, d: int, l2: float, max_iter: int = 30, tol: float = 1e-7,
                    start: np.ndarray | None = None) -> np.ndarray:
    """Penalised logistic regression by Newton's method; ``stats(w)`` returns gradient/Hessian/log-lik sums."""
    w = np.zeros(d + 1) if start is None else np.asarray(start, dtype=np.float64).copy()
    pen = np.full(d + 1, l2)
    pen[0] = 0.0
    for _ in range(max_iter):
        grad, hess, _ll = stats(w)
        grad = grad + pen * w
        hess = hess + np.diag(pen)
        step = np.linalg.solve(hess + 1e-9 * np.eye(d + 1), grad)
        w = w - step
        if np.max(np.abs(step)) < tol:
            break
    return w


def effective_params(params: Params, rows: int) -> Params:
    """``params`` with the minimum bin share raised so that every bin holds at least ``min_rows`` rows."""
    if params.min_rows:
        return replace(params, min_share=max(params.min_share, params.min_rows / max(rows, 1)))
    return params


def fit_bins(backend: Backend, params: Params) -> list[FeatureBins]:
    """Monotone bins of every characteristic the backend offers."""
    cuts = backend.numeric_cuts(backend.numeric, params.max_prebins)
    out: list[FeatureBins] = []
    for name, (pb, pg, mb, mg) in backend.numeric_counts(cuts).items():
        out.append(binning.finish_bins(name, "numeric", pb, pg, mb, mg, cuts=cuts[name],
                                       min_share=params.min_share, max_bins=params.max_bins))
    for name, (cats, pb, pg, mb, mg) in backend.categorical_counts(backend.categorical).items():
        out.append(binning.finish_bins(name, "categorical", pb, pg, mb, mg, categories=cats,
                                       min_share=params.min_share, max_bins=params.max_bins))
    return out


def select(backend: Backend, all_bins: list[FeatureBins], params: Params) -> list[FeatureBins]:
    """Characteristics with IV ≥ min_iv, strongest first, without near-duplicates (|corr| > max_corr)."""
    cands = sorted((b for b in all_bins if b.iv >= params.min_iv and b.n_bins > 1), key=lambda b: -b.iv)
    cands = cands[: max(params.max_features * 2, params.max_features)]
    if not cands:
        raise BadInput("no characteristic separates the classes (every information value is below the threshold)")
    n, s, ss = backend.woe_moments(cands)
    mean = s / n
    cov = ss / n - np.outer(mean, mean)
    sd = np.sqrt(np.clip(np.diag(cov), 1e-12, None))
    corr = cov / np.outer(sd, sd)
    kept: list[int] = []
    for i in range(len(cands)):
        if all(abs(corr[i, j]) <= params.max_corr for j in kept):
            kept.append(i)
        if len(kept) >= params.max_features:
            break
    return [cands[i] for i in kept]


def fit_scorecard(backend: Backend, params: Params, *, recipe: str | None, inputs: list[str],
                  scaling: Scaling | None = None) -> Scorecard:
    """The whole pipeline over ``backend``: bins, selection, sign-constrained logistic regression, points."""
    chosen = select(backend, fit_bins(backend, params), params)
    w = None
    while True:  # warm-started rough fits decide the signs; the last fit runs to convergence
        w = newton_logistic(lambda w, c=chosen: backend.logistic_stats(c, w), len(chosen), params.l2, start=w,
                            max_iter=4, tol=1e-4)
        wrong = [i for i, b in enumerate(w[1:]) if b >= 0]
        if not wrong or len(chosen) == 1:
            break
        worst = max(wrong, key=lambda i: w[1 + i])
        chosen = [b for i, b in enumerate(chosen) if i != worst]
        w = np.delete(w, 1 + worst)
    w = newton_logistic(lambda w, c=chosen: backend.logistic_stats(c, w), len(chosen), params.l2, start=w)
    return Scorecard(recipe=recipe, inputs=inputs, bins=chosen, coef=w[1:].tolist(), intercept=float(w[0]),
                     scaling=scaling or Scaling())


def platt(logits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: (a, b) of the logistic regression of ``y`` on held-out logits."""
    w = newton_logistic(lambda w: logistic_sums(logits[:, None], y.astype(np.float64), w), 1, 0.0)
    return float(w[1]), float(w[0])


def fit_frame(frame: pd.DataFrame, y: np.ndarray, numeric: list[str], categorical: list[str],
              params: Params | None = None, scaling: Scaling | None = None, *, calibrate: bool = False,
              seed: int = 0) -> Scorecard:
    """Fit a scorecard on one table of raw columns, deriving recipe features when the schema has one.

    With ``calibrate``, Platt scaling is fitted on held-out logits: three stratified folds of the training rows each
    get a scorecard fitted on the other two, and (a, b) regress the labels on those out-of-fold logits.
    """
    params = params or Params()
    if calibrate:
        from sklearn.model_selection import StratifiedKFold

        logits = np.zeros(len(frame))
        for tr, te in StratifiedKFold(3, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
            part = fit_frame(frame.iloc[tr].reset_index(drop=True), y[tr], numeric, categorical, params)
            logits[te] = part.logits(frame.iloc[te].reset_index(drop=True))
        card = fit_frame(frame, y, numeric, categorical, params, scaling)
        card.calibration = platt(logits, y)
        card._tables = None
        return card
    recipe = features.detect(list(frame.columns), numeric) if params.derive else None
    work = features.derive(frame, recipe)
    derived = [c for c in work.columns if c not in frame.columns]
    d_num = [c for c in derived if work[c].dtype.kind == "f"]
    d_cat = [c for c in derived if c not in d_num]
    params = effective_params(params, len(frame))
    backend = CentralBackend(work, y, [*numeric, *d_num], [*categorical, *d_cat])
    inputs = list(dict.fromkeys([*numeric, *categorical]))
    card = fit_scorecard(backend, params, recipe=recipe, inputs=inputs, scaling=scaling)
    return card.trim_inputs()
