"""Deterministic feature recipes derived inside the scorecard pipeline from raw columns.

A recipe is chosen when all of its required columns are present (``detect``) and is stored by name in the fitted
model, so scoring derives exactly the same features from the same raw columns. The raw columns stay available as
characteristics too; derived ones are added beside them.

``taiwan-card/v1`` (UCI "default of credit card clients": ``LIMIT_BAL``, ``PAY_0``, ``PAY_2``..``PAY_6``,
``BILL_AMT1``..6, ``PAY_AMT1``..6; month 1 is the most recent), every feature a pure function of one row:

| feature | definition |
|---|---|
| ``dq_max`` / ``dq_max_3m`` | largest repayment status (months of delay) over 6 / the latest 3 months |
| ``dq_count`` / ``dq_count_3m`` | months with a delay (status ≥ 1) over 6 / 3 months |
| ``dq_sum`` | sum of the positive statuses over 6 months |
| ``paid_full_count`` / ``no_use_count`` / ``revolving_count`` | months with status −1 / −2 / 0 |
| ``dq_recent_month`` | 1..6 = the most recent month with a delay (1 = latest), 7 = none |
| ``util_1`` / ``util_mean`` / ``util_max`` | bill ÷ limit for the latest month, mean and max over 6 months |
| ``util_trend`` | (BILL_AMT1 − BILL_AMT6) ÷ limit |
| ``pay_ratio_1`` | PAY_AMT1 ÷ BILL_AMT2 (payment against the previous bill); missing when that bill ≤ 0 |
| ``pay_ratio_mean`` | Σ PAY_AMT1..5 ÷ Σ BILL_AMT2..6; missing when the denominator ≤ 0 |
| ``pay_limit_ratio`` | Σ PAY_AMT1..6 ÷ (6 · limit) |
| ``zero_pay_count`` | months with PAY_AMT = 0 while the previous bill was > 0 |
| ``unpaid_1`` | (BILL_AMT2 − PAY_AMT1) ÷ limit: what remained of the previous bill |
| ``pat_3m`` | categorical: statuses of the latest 3 months clipped to −2..2, e.g. ``0/0/-1`` |
| ``pat_util`` | categorical: latest status (−2..3) with the utilisation bucket (≤0.05, ≤0.3, ≤0.7, ≤0.95, more) |
| ``pat_limit`` | categorical: latest status (−2..3) with the limit bucket (≤30k, ≤80k, ≤200k, more) |

The three ``pat_*`` crosses are text, so they are binned by category like any categorical column; they let
the additive scorecard express the interaction of recent delay with utilisation and limit. Ratios are clipped to
[−5, 5] so a single extreme value does not dominate a pre-bin.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from portal.core.errors import BadInput

PAY = ["PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6"]
BILL = [f"BILL_AMT{i}" for i in range(1, 7)]
AMT = [f"PAY_AMT{i}" for i in range(1, 7)]
TAIWAN_REQUIRED = ("LIMIT_BAL", *PAY, *BILL, *AMT)


def _ratio(num: np.ndarray, den: np.ndarray, clip: float = 5.0) -> np.ndarray:
    out = np.full(num.shape, np.nan)
    ok = den > 0
    out[ok] = np.clip(num[ok] / den[ok], -clip, clip)
    return out


def _stack(cols: Mapping[str, np.ndarray], names: Sequence[str]) -> np.ndarray:
    return np.column_stack([np.asarray(cols[c], dtype=np.float64) for c in names])


def taiwan_card_v1(cols: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The ``taiwan-card/v1`` features of each row (see the module docstring); columns in, columns out."""
    pay = _stack(cols, PAY)
    bill = _stack(cols, BILL)
    amt = _stack(cols, AMT)
    limit = np.asarray(cols["LIMIT_BAL"], dtype=np.float64)
    lim = np.where(limit > 0, limit, np.nan)
    delayed = pay >= 1
    months = np.arange(1, 7)
    recent = np.where(delayed.any(axis=1), np.where(delayed, months, 99).min(axis=1), 7)
    util = bill / lim[:, None]
    out = {
        "dq_max": pay.max(axis=1),
        "dq_max_3m": pay[:, :3].max(axis=1),
        "dq_count": delayed.sum(axis=1).astype(np.float64),
        "dq_count_3m": delayed[:, :3].sum(axis=1).astype(np.float64),
        "dq_sum": np.clip(pay, 0, None).sum(axis=1),
        "paid_full_count": (pay == -1).sum(axis=1).astype(np.float64),
        "no_use_count": (pay == -2).sum(axis=1).astype(np.float64),
        "revolving_count": (pay == 0).sum(axis=1).astype(np.float64),
        "dq_recent_month": recent.astype(np.float64),
        "util_1": np.clip(util[:, 0], -5, 5),
        "util_mean": np.clip(util.mean(axis=1), -5, 5),
        "util_max": np.clip(util.max(axis=1), -5, 5),
        "util_trend": np.clip((bill[:, 0] - bill[:, 5]) / lim, -5, 5),
        "pay_ratio_1": _ratio(amt[:, 0], bill[:, 1]),
        "pay_ratio_mean": _ratio(amt[:, :5].sum(axis=1), bill[:, 1:].sum(axis=1)),
        "pay_limit_ratio": np.clip(amt.sum(axis=1) / (6 * lim), -5, 5),
        "zero_pay_count": ((amt[:, :5] == 0) & (bill[:, 1:] > 0)).sum(axis=1).astype(np.float64),
        "unpaid_1": np.clip((bill[:, 1] - amt[:, 0]) / lim, -5, 5),
    }
    # crossed categorical characteristics: the additive scorecard sees an interaction through their WoE
    c0, c2, c3 = (_code(pay[:, i], 2) + 2 for i in (0, 1, 2))
    out["pat_3m"] = _text(c0 * 100 + c2 * 10 + c3, lambda k: f"{k // 100 - 2}/{k // 10 % 10 - 2}/{k % 10 - 2}")
    p3 = (_code(pay[:, 0], 3) + 2) * 10
    out["pat_util"] = _text(p3 + _bucket(util[:, 0], UTIL_BUCKETS), _cross_label)
    out["pat_limit"] = _text(p3 + _bucket(limit, LIMIT_BUCKETS), _cross_label)
    return out


UTIL_BUCKETS = (0.05, 0.3, 0.7, 0.95)
LIMIT_BUCKETS = (30000.0, 80000.0, 200000.0)


def _code(status: np.ndarray, top: int) -> np.ndarray:
    """A repayment status clipped to −2..``top`` ('3' means 3 or more months late); missing counts as −2."""
    return np.clip(np.nan_to_num(status, nan=-2.0), -2, top).astype(np.int64)


def _bucket(values: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """0..k: which right-closed interval of ``edges`` each value falls in (9 when missing)."""
    return np.where(np.isnan(values), 9, np.searchsorted(np.asarray(edges), values, side="left"))


def _cross_label(k: int) -> str:
    return f"{k // 10 - 2}/" + ("bna" if k % 10 == 9 else f"b{k % 10}")


def _text(codes: np.ndarray, label: Callable[[int], str]) -> np.ndarray:
    """Integer codes → their text labels (formatted once per distinct code)."""
    uniq, inv = np.unique(codes, return_inverse=True)
    return np.array([label(int(k)) for k in uniq], dtype=object)[inv]


def _nan_or(values: list[float], fn: Callable[[list[float]], float]) -> float:
    return math.nan if any(v != v for v in values) else fn(values)


def _clip(v: float, lo: float = -5.0, hi: float = 5.0) -> float:
    return v if v != v else min(max(v, lo), hi)


def _div(num: float, den: float) -> float:
    return _clip(num / den) if den > 0 else math.nan


def _code1(status: float, top: int) -> int:
    return int(min(max(-2.0 if status != status else status, -2.0), float(top)))


def _bucket1(value: float, edges: Sequence[float]) -> int:
    return 9 if value != value else sum(e < value for e in edges)


def taiwan_card_v1_row(v: Mapping[str, float]) -> dict[str, Any]:
    """The same features for one row in plain Python (single scoring stays well under a millisecond).

    Kept identical to :func:`taiwan_card_v1`; a test compares the two on real rows.
    """
    pay = [float(v[c]) for c in PAY]
    bill = [float(v[c]) for c in BILL]
    amt = [float(v[c]) for c in AMT]
    limit = float(v["LIMIT_BAL"])
    lim = limit if limit > 0 else math.nan
    delayed = [p >= 1 for p in pay]
    util = [b / lim for b in bill]
    p3 = (_code1(pay[0], 3) + 2) * 10
    return {
        "dq_max": _nan_or(pay, max), "dq_max_3m": _nan_or(pay[:3], max),
        "dq_count": float(sum(delayed)), "dq_count_3m": float(sum(delayed[:3])),
        "dq_sum": _nan_or(pay, lambda xs: sum(max(x, 0.0) for x in xs)),
        "paid_full_count": float(sum(p == -1 for p in pay)), "no_use_count": float(sum(p == -2 for p in pay)),
        "revolving_count": float(sum(p == 0 for p in pay)),
        "dq_recent_month": float(next((i + 1 for i, d in enumerate(delayed) if d), 7)),
        "util_1": _clip(util[0]), "util_mean": _clip(_nan_or(util, lambda xs: sum(xs) / 6)),
        "util_max": _clip(_nan_or(util, max)), "util_trend": _clip((bill[0] - bill[5]) / lim),
        "pay_ratio_1": _div(amt[0], bill[1]), "pay_ratio_mean": _div(sum(amt[:5]), sum(bill[1:])),
        "pay_limit_ratio": _clip(sum(amt) / (6 * lim)),
        "zero_pay_count": float(sum(a == 0 and b > 0 for a, b in zip(amt[:5], bill[1:], strict=True))),
        "unpaid_1": _clip((bill[1] - amt[0]) / lim),
        "pat_3m": "/".join(str(_code1(pay[i], 2)) for i in range(3)),
        "pat_util": _cross_label(p3 + _bucket1(util[0], UTIL_BUCKETS)),
        "pat_limit": _cross_label(p3 + _bucket1(limit, LIMIT_BUCKETS)),
    }


Recipe = Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]]
RowRecipe = Callable[[Mapping[str, float]], dict[str, Any]]
RECIPES: dict[str, tuple[Sequence[str], Recipe, RowRecipe]] = {
    "taiwan-card/v1": (TAIWAN_REQUIRED, taiwan_card_v1, taiwan_card_v1_row),
}


def detect(columns: Sequence[str], numeric: Sequence[str] | None = None) -> str | None:
    """The recipe whose required columns are all present (and numeric, when ``numeric`` is given), if any."""
    cols = set(columns)
    nums = set(numeric) if numeric is not None else cols
    for name, (required, _, _row) in RECIPES.items():
        if all(c in cols and c in nums for c in required):
            return name
    return None


def required(recipe: str | None) -> tuple[str, ...]:
    """The raw columns a recipe reads."""
    return tuple(RECIPES[recipe][0]) if recipe else ()


def derive_columns(cols: Mapping[str, np.ndarray], recipe: str | None) -> dict[str, np.ndarray]:
    """The recipe's derived columns from a mapping of raw columns (empty when ``recipe`` is None)."""
    if recipe is None:
        return {}
    if recipe not in RECIPES:
        raise BadInput(f"unknown feature recipe {recipe!r}")
    needed, fn, _row = RECIPES[recipe]
    for c in needed:
        if c not in cols:
            raise BadInput(f"feature recipe {recipe} needs column {c!r}")
    return fn(cols)


def derive_row(values: Mapping[str, float], recipe: str | None) -> dict[str, Any]:
    """The recipe's derived values for one row of raw values (empty when ``recipe`` is None)."""
    if recipe is None:
        return {}
    if recipe not in RECIPES:
        raise BadInput(f"unknown feature recipe {recipe!r}")
    return RECIPES[recipe][2](values)


def derive(frame: pd.DataFrame, recipe: str | None) -> pd.DataFrame:
    """``frame`` with the recipe's derived columns added (unchanged when ``recipe`` is None)."""
    if recipe is None:
        return frame
    extra = derive_columns({c: frame[c].to_numpy() for c in required(recipe) if c in frame.columns}, recipe)
    return pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)
