"""How figures read on the dashboards: yuan with two decimals, shares as percentages, times in Asia/Shanghai,
and a suppressed cell shown as what it is (never as zero)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from portal.core.timeutil import SHANGHAI, utcnow

SUPPRESSED = "已抑制 suppressed"
SUPPRESSED_HINT = "少于5家机构或10名债务人，不予显示 · fewer than 5 institutions or 10 debtors"
NONE = "—"


def today_shanghai() -> date:
    """Today's date in Asia/Shanghai."""
    return utcnow().astimezone(SHANGHAI).date()


def default_period() -> tuple[date, date]:
    """The default period: the last 12 months up to today (Asia/Shanghai)."""
    today = today_shanghai()
    return today - timedelta(days=364), today


def now_label() -> str:
    """The current time in Asia/Shanghai, as shown under a page title."""
    return utcnow().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") + " (Asia/Shanghai)"


def yuan(money: dict[str, Any] | None, *, suppressed: bool = False) -> str:
    """``Money`` as '¥1,234.56' (two decimals, thousands separated); suppressed or missing is said so."""
    if suppressed:
        return SUPPRESSED
    if not money:
        return NONE
    try:
        value = Decimal(money["amount"])
    except (InvalidOperation, KeyError, TypeError):
        return NONE
    sign = "¥" if money.get("currency", "CNY") == "CNY" else money.get("currency", "") + " "
    return f"{sign}{value:,.2f}"


def yuan_value(money: dict[str, Any] | None) -> float | None:
    """``Money`` as a number of yuan for charts only (labels use :func:`yuan`)."""
    if not money:
        return None
    try:
        return float(Decimal(money["amount"]))
    except (InvalidOperation, KeyError, TypeError):
        return None


def pct(share: float | None, *, suppressed: bool = False, places: int = 2) -> str:
    """A 0–1 share as '12.34%'."""
    if suppressed:
        return SUPPRESSED
    if share is None:
        return NONE
    return f"{share * 100:.{places}f}%"


def number(value: float | int | None, *, suppressed: bool = False, places: int = 0) -> str:
    """A count or a measure with thousands separators."""
    if suppressed:
        return SUPPRESSED
    if value is None:
        return NONE
    return f"{value:,.{places}f}"


def bilingual(item: dict[str, Any]) -> str:
    """A figure's label in Chinese first, English beside."""
    zh, en = item.get("label") or item.get("key", ""), item.get("labelEn") or ""
    return zh if not en or en == zh else f"{zh} {en}"
