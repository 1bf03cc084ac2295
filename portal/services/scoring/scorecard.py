"""A fitted scorecard: points per bin, vectorised batch scoring, one-row scoring, reason codes, JSON form.

Points scaling (configurable: ``base_points`` at ``base_odds`` good:bad, ``pdo`` points to double the odds)::

    factor = pdo / ln 2          offset = base_points − factor · ln(base_odds)
    score  = offset + factor · ln(odds_good)   with  ln(odds_good) = −logit(PD)

The model is logit(PD) = a·(α + Σ βⱼ·WoEⱼ) + b, where (a, b) is the Platt calibration (1, 0 when none), so
characteristic j in bin k earns  pointsⱼₖ = −factor·a·βⱼ·WoEⱼₖ + (offset − factor·(a·α + b)) / m  and the points add
up to the score exactly; PD = 1 / (1 + exp((score − offset) / factor)).

Reason codes: for every characteristic, the points lost against its best bin (max over its bins, the missing bin
included); the top four characteristics by points lost (only those losing more than 1e−6 points) are the reasons,
largest first, ties kept in model order.

Risk band (the coarse band other banks may see): A PD < 2 %, B < 5 %, C < 10 %, D < 20 %, E ≥ 20 %.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from portal.core.errors import BadInput
from portal.services.scoring import features
from portal.services.scoring.binning import FeatureBins
from portal.services.scoring.data import MISSING_TOKENS

FORMAT = "portal-scorecard/1"
BAND_EDGES = (0.02, 0.05, 0.10, 0.20)
BAND_NAMES = ("A", "B", "C", "D", "E")
N_REASONS = 4


def risk_band(pd_value: float | np.ndarray) -> str | np.ndarray:
    """The coarse band A–E of a probability of default (see the module docstring); vectorised on arrays."""
    idx = np.searchsorted(np.asarray(BAND_EDGES), pd_value, side="right")
    names = np.asarray(BAND_NAMES)
    return names[idx] if np.ndim(idx) else str(names[int(idx)])


@dataclass(frozen=True)
class Scaling:
    """Points scaling: ``base_points`` at odds ``base_odds``:1 (good:bad), ``pdo`` points double the odds."""

    base_points: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    def __post_init__(self) -> None:
        if self.pdo <= 0 or self.base_odds <= 0:
            raise BadInput("points scaling needs pdo > 0 and base odds > 0")

    @property
    def factor(self) -> float:
        """Points per unit of log-odds."""
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        """Score at log-odds 0 (even odds)."""
        return self.base_points - self.factor * math.log(self.base_odds)


@dataclass
class Scorecard:
    """Bins, coefficients and scaling of one fitted scorecard."""

    recipe: str | None
    inputs: list[str]
    bins: list[FeatureBins]
    coef: list[float]
    intercept: float
    scaling: Scaling = field(default_factory=Scaling)
    calibration: tuple[float, float] = (1.0, 0.0)
    _tables: list[np.ndarray] | None = field(default=None, repr=False, compare=False)

    # -- points ------------------------------------------------------------------------------------------------
    def points_tables(self) -> list[np.ndarray]:
        """Points per bin of each characteristic (the missing bin last)."""
        if self._tables is None:
            a, b = self.calibration
            f, m = self.scaling.factor, len(self.bins)
            share = (self.scaling.offset - f * (a * self.intercept + b)) / m
            pairs = zip(self.bins, self.coef, strict=True)
            self._tables = [-f * a * beta * fb.woe_table() + share for fb, beta in pairs]
        return self._tables

    def score_to_pd(self, score: np.ndarray | float) -> np.ndarray | float:
        """The probability of default implied by a score."""
        return 1.0 / (1.0 + np.exp((np.asarray(score) - self.scaling.offset) / self.scaling.factor))

    # -- inputs ------------------------------------------------------------------------------------------------
    def trim_inputs(self) -> Scorecard:
        """Keep only the raw inputs the chosen characteristics need (and drop an unused recipe)."""
        names = {fb.name for fb in self.bins}
        uses_recipe = self.recipe is not None and any(n not in self.inputs for n in names)
        self.recipe = self.recipe if uses_recipe else None
        need = set(names) | set(features.required(self.recipe))
        self.inputs = [c for c in self.inputs if c in need]
        return self

    def _columns(self, frame: pd.DataFrame | Mapping[str, Any]) -> dict[str, np.ndarray]:
        kinds = {fb.name: fb.kind for fb in self.bins}
        cols: dict[str, np.ndarray] = {}
        for c in self.inputs:
            if c not in frame:
                raise BadInput(f"input column {c!r} is missing")
            v = frame[c]
            if kinds.get(c) == "categorical":
                s = pd.Series(v, dtype=object)
                cols[c] = s.where(s.notna(), None).to_numpy(dtype=object)
                continue
            cols[c] = _numeric(c, v)
        cols.update(features.derive_columns(cols, self.recipe))
        return cols

    # -- batch scoring -----------------------------------------------------------------------------------------
    def bin_indices(self, frame: pd.DataFrame | Mapping[str, Any]) -> np.ndarray:
        """Bin index of every row (n × m), missing or unseen values in the last bin of each characteristic."""
        cols = self._columns(frame)
        first = cols[self.inputs[0]] if self.inputs else next(iter(cols.values()))
        idx = np.empty((len(first), len(self.bins)), dtype=np.int64, order="F")
        for j, fb in enumerate(self.bins):
            idx[:, j] = fb.index(cols[fb.name])
        return idx

    def points(self, idx: np.ndarray) -> np.ndarray:
        """Points earned per row and characteristic for bin indices ``idx``."""
        pts = np.empty(idx.shape, dtype=np.float64, order="F")
        for j, t in enumerate(self.points_tables()):
            pts[:, j] = t[idx[:, j]]
        return pts

    def score(self, frame: pd.DataFrame | Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Vectorised scores: ``score``, ``pd`` and ``band`` arrays plus the per-characteristic ``points``."""
        pts = self.points(self.bin_indices(frame))
        total = pts.sum(axis=1)
        pdv = self.score_to_pd(total)
        return {"score": total, "pd": pdv, "band": risk_band(pdv), "points": pts}

    def logits(self, frame: pd.DataFrame | Mapping[str, Any]) -> np.ndarray:
        """Uncalibrated logit α + Σ βⱼ·WoEⱼ of every row (what Platt scaling is fitted on)."""
        idx = self.bin_indices(frame)
        z = np.full(idx.shape[0], self.intercept)
        for j, (fb, beta) in enumerate(zip(self.bins, self.coef, strict=True)):
            z += beta * fb.woe_table()[idx[:, j]]
        return z

    def predict_pd(self, frame: pd.DataFrame | Mapping[str, Any]) -> np.ndarray:
        """Probability of default of every row."""
        return self.score(frame)["pd"]

    def reason_indices(self, pts: np.ndarray, top: int = N_REASONS) -> tuple[np.ndarray, np.ndarray]:
        """Per row: the characteristics losing most points (m = none) and the points they lose, largest first.

        ``top`` passes of a row-wise argmax; argmax returns the first maximum, so ties stay in model order as in
        :meth:`score_one`.
        """
        m = len(self.bins)
        best = np.array([t.max() for t in self.points_tables()])
        key = np.ascontiguousarray(best[None, :] - pts)
        rows = np.arange(key.shape[0])
        k = min(top, m)
        order = np.empty((key.shape[0], k), dtype=np.int64)
        lost = np.empty((key.shape[0], k), dtype=np.float64)
        for t in range(k):
            j = key.argmax(axis=1)
            order[:, t] = j
            lost[:, t] = key[rows, j]
            key[rows, j] = -np.inf
        keep = lost > 1e-6
        return np.where(keep, order, m), np.where(keep, lost, 0.0)

    # -- one applicant -----------------------------------------------------------------------------------------
    def score_one(self, record: Mapping[str, Any], top: int = N_REASONS) -> dict[str, Any]:
        """Score one applicant given as a mapping of raw inputs, with its reason codes."""
        vals: dict[str, Any] = {}
        for c in self.inputs:
            if c not in record:
                raise BadInput(f"input {c!r} is missing")
            vals[c] = record[c]
        if self.recipe is not None:
            vals.update(features.derive_row({c: _num(c, vals[c]) for c in features.required(self.recipe)},
                                            self.recipe))
        tables = self.points_tables()
        earned = []
        total = 0.0
        for fb, table in zip(self.bins, tables, strict=True):
            v = vals[fb.name]
            if fb.kind == "numeric" and v is not None and not isinstance(v, float):
                v = _num(fb.name, v)
            k = fb.index_one(v)
            earned.append((fb, k, float(table[k]), float(table.max() - table[k])))
            total += float(table[k])
        pdv = float(self.score_to_pd(total))
        ranked = sorted((e for e in earned if e[3] > 1e-6), key=lambda e: -e[3])[:top]
        reasons = [{"code": fb.name, "bin": fb.labels()[k], "points_lost": round(lost, 2)}
                   for fb, k, _pts, lost in ranked]
        return {"score": total, "pd": pdv, "band": risk_band(pdv), "reasons": reasons}

    # -- serialisation -----------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: bins, coefficients, scaling, calibration (no pickle anywhere)."""
        s = self.scaling
        return {
            "format": FORMAT, "recipe": self.recipe, "inputs": list(self.inputs),
            "bins": [fb.to_dict() for fb in self.bins], "coef": [float(c) for c in self.coef],
            "intercept": float(self.intercept), "calibration": [float(v) for v in self.calibration],
            "scaling": {"base_points": s.base_points, "base_odds": s.base_odds, "pdo": s.pdo},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Scorecard:
        """Rebuild from :meth:`to_dict`; refuses anything that is not a scorecard of this format."""
        if not isinstance(d, Mapping) or d.get("format") != FORMAT:
            raise BadInput(f"not a {FORMAT} document")
        try:
            bins = [FeatureBins.from_dict(b) for b in d["bins"]]
            coef = [float(c) for c in d["coef"]]
            if len(coef) != len(bins) or not bins:
                raise ValueError("one coefficient per characteristic is needed")
            if d["recipe"] is not None and d["recipe"] not in features.RECIPES:
                raise ValueError(f"unknown recipe {d['recipe']!r}")
            a, b = (float(v) for v in d["calibration"])
            return cls(recipe=d["recipe"], inputs=[str(c) for c in d["inputs"]], bins=bins, coef=coef,
                       intercept=float(d["intercept"]), scaling=Scaling(**d["scaling"]), calibration=(a, b))
        except (KeyError, TypeError, ValueError) as exc:
            raise BadInput(f"malformed scorecard document: {exc}") from exc

    def summary_table(self) -> list[dict[str, Any]]:
        """One row per characteristic and bin: label, counts, WoE, points (the model card's table)."""
        rows = []
        for fb, table in zip(self.bins, self.points_tables(), strict=True):
            counts = [*zip(fb.bads, fb.goods, strict=True), (fb.missing_bads, fb.missing_goods)]
            for k, label in enumerate(fb.labels()):
                rows.append({"characteristic": fb.name, "bin": label, "bads": int(counts[k][0]),
                             "goods": int(counts[k][1]), "woe": round(float(fb.woe_table()[k]), 4),
                             "points": round(float(table[k]), 1)})
        return rows


def _numeric(name: str, v: Any) -> np.ndarray:
    """A float column; text that is neither a number nor a missing-value token is refused, naming the row."""
    s = pd.Series(v)
    if s.dtype.kind in "biuf":
        return s.to_numpy(dtype=np.float64)
    arr = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
    cand = np.flatnonzero(np.isnan(arr))
    for i in cand:
        raw = s.iloc[i]
        if raw is None or (isinstance(raw, float) and raw != raw) or str(raw).strip() in MISSING_TOKENS:
            continue
        raise BadInput(f"column {name!r} row {i + 1} holds {raw!r}, not a number")
    return arr


def _num(name: str, v: Any) -> float:
    if v is None or (isinstance(v, str) and v.strip() in MISSING_TOKENS):
        return float("nan")
    try:
        return float(v)
    except (TypeError, ValueError):
        raise BadInput(f"input {name!r} holds {v!r}, not a number") from None
