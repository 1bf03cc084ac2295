"""Discrimination, calibration and stability metrics, vectorised with numpy (no sklearn at run time).

- :func:`auc`: area under the ROC curve, the Mann-Whitney statistic with ties counted as one half.
- :func:`ks`: Kolmogorov-Smirnov statistic, the largest gap between the cumulative score distributions of bads and
  goods, evaluated after each distinct score (so ties never split).
- :func:`gini`: 2·AUC − 1.
- :func:`calibration_error`: expected calibration error over ``bins`` equal-mass bins of the predicted probability
  (sorted predictions cut into ``bins`` groups of as equal size as possible; rows with equal predictions may straddle
  a cut), weighted mean of |mean predicted − observed bad rate|.
- :func:`stability_index`: the population stability index Σ (a − e)·ln(a / e) over shares of a binned distribution
  (PSI on scores, CSI on one characteristic), with shares floored at ``eps`` so an empty bin stays finite.
"""

from __future__ import annotations

import numpy as np

from portal.core.errors import BadInput

STABILITY_WARN = 0.10
STABILITY_ALERT = 0.25


def _check(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y).astype(np.int8, copy=False).ravel()
    p = np.asarray(p, dtype=np.float64).ravel()
    if y.shape != p.shape:
        raise BadInput(f"labels ({y.size}) and predictions ({p.size}) differ in length")
    n_pos = int(y.sum())
    if n_pos == 0 or n_pos == y.size:
        raise BadInput("both classes are needed to measure discrimination")
    return y, p


def auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve of scores ``p`` (higher = more likely bad) for labels ``y`` (1 = bad)."""
    y, p = _check(y, p)
    order = np.argsort(p, kind="mergesort")
    ps = p[order]
    ranks = np.empty(ps.size, dtype=np.float64)
    # average ranks over ties (1-based)
    starts = np.r_[0, np.flatnonzero(np.diff(ps)) + 1]
    ends = np.r_[starts[1:], ps.size]
    avg = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(avg, ends - starts)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def ks(y: np.ndarray, p: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance between the score distributions of bads and goods."""
    y, p = _check(y, p)
    order = np.argsort(p, kind="mergesort")
    ps, ys = p[order], y[order]
    cum_pos = np.cumsum(ys) / ys.sum()
    cum_neg = np.cumsum(1 - ys) / (ys.size - ys.sum())
    last_of_value = np.r_[np.flatnonzero(np.diff(ps)), ps.size - 1]
    return float(np.max(np.abs(cum_pos[last_of_value] - cum_neg[last_of_value])))


def gini(y: np.ndarray, p: np.ndarray) -> float:
    """Gini coefficient (accuracy ratio) = 2·AUC − 1."""
    return 2.0 * auc(y, p) - 1.0


def calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over ``bins`` equal-mass bins of the predicted probability ``p``."""
    y = np.asarray(y, dtype=np.float64).ravel()
    p = np.asarray(p, dtype=np.float64).ravel()
    if y.size != p.size or y.size == 0:
        raise BadInput("calibration needs as many predictions as labels, and at least one")
    order = np.argsort(p, kind="mergesort")
    total = 0.0
    for idx in np.array_split(order, min(bins, y.size)):
        if idx.size:
            total += idx.size * abs(p[idx].mean() - y[idx].mean())
    return float(total / y.size)


def debiased_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Root-mean-square calibration error over ``bins`` equal-mass bins with the sampling noise of the observed
    default rates subtracted (Kumar, Liang & Ma 2019, "Verified uncertainty calibration"): per bin the squared gap
    (p̄ − ȳ)² less ȳ(1 − ȳ)/(n − 1), the unbiased estimate of the noise in ȳ. The plug-in ECE of a perfectly
    calibrated model is about sqrt(p(1 − p)/n) per bin, never zero; this estimate is about zero for it, so a small
    data set can be judged against a calibration target."""
    return float(np.sqrt(max(debiased_squared_calibration_error(y, p, bins), 0.0)))


def debiased_squared_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """The unbiased estimate of the mean squared calibration gap behind :func:`debiased_calibration_error` (may be
    negative on a well calibrated model; average it over repetitions before taking the root)."""
    y = np.asarray(y, dtype=np.float64).ravel()
    p = np.asarray(p, dtype=np.float64).ravel()
    if y.size != p.size or y.size < 2 * bins:
        raise BadInput(f"debiased calibration needs as many predictions as labels, at least {2 * bins}")
    order = np.argsort(p, kind="mergesort")
    total = 0.0
    for idx in np.array_split(order, bins):
        rate = y[idx].mean()
        total += idx.size * ((p[idx].mean() - rate) ** 2 - rate * (1.0 - rate) / (idx.size - 1))
    return float(total / y.size)


def shares(counts: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """Counts → shares, floored at ``eps`` (then renormalised) so the stability index stays finite."""
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum()
    s = c / total if total > 0 else np.full(c.size, 1.0 / max(c.size, 1))
    s = np.maximum(s, eps)
    return s / s.sum()


def stability_index(expected_counts: np.ndarray, actual_counts: np.ndarray, eps: float = 1e-4) -> float:
    """Population stability index of ``actual`` against ``expected`` bin counts (same bins)."""
    e = shares(expected_counts, eps)
    a = shares(actual_counts, eps)
    if e.size != a.size:
        raise BadInput(f"stability index needs the same bins: {e.size} expected, {a.size} actual")
    return float(np.sum((a - e) * np.log(a / e)))


def stability_level(value: float) -> str:
    """'stable' below 0.10, 'warn' from 0.10, 'alert' from 0.25 (the usual PSI rule of thumb)."""
    if value >= STABILITY_ALERT:
        return "alert"
    if value >= STABILITY_WARN:
        return "warn"
    return "stable"


def summary(y: np.ndarray, p: np.ndarray, bins: int = 10) -> dict[str, float]:
    """AUC, KS, Gini and calibration error of one set of predictions."""
    a = auc(y, p)
    return {"auc": a, "ks": ks(y, p), "gini": 2.0 * a - 1.0, "calibration_error": calibration_error(y, p, bins)}
