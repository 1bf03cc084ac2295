"""Stability monitoring of new applications against the training population (PSI on scores, CSI per input).

The baseline is frozen when a model is registered:

- score deciles: the ``inverted_cdf`` quantiles of the training scores (PDs for a challenger without points) at
  0.1 … 0.9, and the training rows' counts in the ten right-closed bins they define;
- for a scorecard, each characteristic's training counts per bin (missing bin included), straight from its bins.

A monitoring run bins the new rows the same way and reports the population stability index of the score
(PSI = Σ (a − e)·ln(a / e) over shares, floored at 1e−4) and the characteristic stability index (CSI, the same
formula) of every characteristic. Levels: below 0.10 stable, from 0.10 ``warn``, from 0.25 ``alert``; a run alerts
when the score PSI or any CSI reaches 0.25 and warns from 0.10.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from portal.services.scoring import metrics

DECILES = np.arange(1, 10) / 10


def score_edges(scores: np.ndarray) -> list[float]:
    """Decile cut points of the training scores (duplicates removed)."""
    return [float(v) for v in np.unique(np.quantile(np.asarray(scores, dtype=np.float64), DECILES,
                                                    method="inverted_cdf"))]


def bin_counts(values: np.ndarray, edges: list[float]) -> list[int]:
    """Counts of ``values`` in the right-closed bins of ``edges``."""
    idx = np.searchsorted(np.asarray(edges, dtype=np.float64), np.asarray(values, dtype=np.float64), side="left")
    return np.bincount(idx, minlength=len(edges) + 1).astype(int).tolist()


def make_baseline(scores: np.ndarray, characteristic_counts: dict[str, list[int]] | None = None,
                  *, field: str = "score") -> dict[str, Any]:
    """The frozen reference distribution stored with a model."""
    edges = score_edges(scores)
    return {"field": field, "edges": edges, "expected": bin_counts(scores, edges),
            "characteristics": characteristic_counts or {}}


def characteristic_counts(bins_counts: list[tuple[str, np.ndarray, int]]) -> dict[str, list[int]]:
    """{name: counts per bin} from (name, bin indices of rows, number of bins incl. missing)."""
    return {name: np.bincount(idx, minlength=k).astype(int).tolist() for name, idx, k in bins_counts}


def level(value: float) -> str:
    """stable / warn / alert for one stability index."""
    return metrics.stability_level(value)


def stability_report(baseline: dict[str, Any], values: np.ndarray,
                     characteristics: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """PSI of ``values`` (scores or PDs as in the baseline) and CSI of each characteristic's bin indices."""
    chars = {}
    for name, idx in (characteristics or {}).items():
        expected = baseline.get("characteristics", {}).get(name)
        if expected is not None:
            chars[name] = np.bincount(np.asarray(idx, dtype=np.int64), minlength=len(expected))
    return report_from_counts(baseline, bin_counts(values, baseline["edges"]), chars)


def report_from_counts(baseline: dict[str, Any], score_counts: Any,
                       characteristic_counts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stability report from counts already binned like the baseline (summed over a batch's chunks)."""
    actual = np.asarray(score_counts, dtype=np.int64)
    psi = metrics.stability_index(baseline["expected"], actual)
    csi: dict[str, dict[str, Any]] = {}
    for name, counts in (characteristic_counts or {}).items():
        expected = baseline.get("characteristics", {}).get(name)
        if expected is None:
            continue
        value = metrics.stability_index(expected, counts)
        csi[name] = {"value": round(value, 6), "level": level(value)}
    worst = max([psi, *(c["value"] for c in csi.values())])
    return {
        "rows": int(actual.sum()),
        "psi": round(psi, 6),
        "psi_level": level(psi),
        "csi": csi,
        "level": level(worst),
        "alerts": sorted([n for n, c in csi.items() if c["level"] != "stable"]
                         + (["score"] if level(psi) != "stable" else [])),
    }
