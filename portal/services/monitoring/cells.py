"""The building blocks of region metrics: the request's scope, tallies with contributor counts, and the figures
(cells) they become once the viewer's suppression is applied.

Every figure carries ``key``, ``label``/``label_en``, its ``scope`` (region, bank type, institution, own) and
``suppressed``; a suppressed figure has its values set to ``None``. Contributor counts (institutions, debtors) are
kept for the suppression decision only and never shown. Where a cell merges SQL groups whose distinct-debtor counts
cannot be added up (one debtor may sit in several groups), the cell uses the largest group's count: a lower bound, so
the 10-debtor rule errs on the side of hiding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from sqlalchemy import Date, cast, func
from sqlalchemy.orm import Session

from portal.access import Decision, Kind, Principal
from portal.access.aggregates import MIN_DEBTORS, Cell, suppress
from portal.core.timeutil import SHANGHAI

REGION, BANK_TYPE, INSTITUTION, OWN = "region", "bank_type", "institution", "own"

# Bank types are not (yet) a column of institutions: they are read from the registered names (zh or en).
BANK_TYPES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("state_owned", "国有大型银行", "State-owned banks",
     ("工商银行", "农业银行", "中国银行", "建设银行", "交通银行", "邮政储蓄", "state-owned")),
    ("joint_stock", "股份制银行", "Joint-stock banks", ("股份制", "joint-stock", "joint stock")),
    ("city_commercial", "城市商业银行", "City commercial banks", ("城市商业银行", "城商", "city commercial")),
    ("rural_commercial", "农村商业银行", "Rural commercial banks",
     ("农村商业银行", "农商", "农村信用", "农村合作", "rural commercial", "rural credit")),
    ("village", "村镇银行", "Village banks", ("村镇银行", "village bank")),
    ("foreign", "外资银行", "Foreign banks", ("外资", "foreign")),
)
OTHER_BANK_TYPE = ("other", "其他银行", "Other banks")


def bank_type(name: str, name_en: str | None) -> tuple[str, str, str]:
    """(key, zh label, en label) of a bank's type, read from its names; "other" when nothing matches."""
    text = f"{name} {name_en or ''}".lower()
    for key, zh, en, words in BANK_TYPES:
        if any(w.lower() in text for w in words):
            return key, zh, en
    return OTHER_BANK_TYPE


@dataclass(frozen=True)
class Inst:
    """An institution as the metrics label it."""

    id: int
    code: str
    kind: str
    name: str
    name_en: str | None
    district: str | None

    @property
    def bank_type(self) -> tuple[str, str, str]:
        """(key, zh, en) of the bank type; meaningful for banks only."""
        return bank_type(self.name, self.name_en)


@dataclass(frozen=True)
class Scope:
    """What every contributor needs: who asks, how much they may see, the period and the filter."""

    principal: Principal
    per_institution: bool
    own_id: int | None
    kind: Kind | None
    period_from: date
    period_to: date
    as_of: date
    start: datetime  # period start as a UTC-comparable aware instant (00:00 Asia/Shanghai of period_from)
    end: datetime  # exclusive end (00:00 Asia/Shanghai of the day after period_to)
    district: str | None
    directory: dict[int, Inst]
    dialect: str

    @classmethod
    def of(cls, principal: Principal, decision: Decision, metrics: Any, session: Session) -> Scope:
        """The scope of one ``regionMetrics`` request (cached on the metrics object)."""
        cached = metrics.values.get("_scope")
        if cached is not None:
            return cached
        start = datetime.combine(metrics.period_from, time(0), tzinfo=SHANGHAI)
        end = datetime.combine(metrics.period_to + timedelta(days=1), time(0), tzinfo=SHANGHAI)
        scope = cls(principal, bool(decision.get("per_institution")), decision.get("own"), principal.kind,
                    metrics.period_from, metrics.period_to, metrics.as_of, start, end, metrics.district,
                    metrics.directory, session.get_bind().dialect.name)
        metrics.values["_scope"] = scope
        return scope

    def inst(self, institution_id: int) -> Inst:
        """The institution of ``institution_id`` (a placeholder when unknown)."""
        found = self.directory.get(institution_id)
        return found or Inst(institution_id, f"#{institution_id}", "", f"#{institution_id}", None, None)

    @property
    def is_bank(self) -> bool:
        """Whether the viewer is a bank (its own figures are those of its book)."""
        return self.kind is Kind.BANK

    @property
    def is_agency(self) -> bool:
        """Whether the viewer is a collection agency (its own figures are those of its work)."""
        return self.kind is Kind.AGENCY


def days_between(later: Any, earlier: Any, dialect: str) -> Any:
    """SQL for ``later - earlier`` in days between two DATE columns, on SQLite and PostgreSQL."""
    if dialect == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return cast(later, Date) - cast(earlier, Date)


class Tally:
    """Sums of one cell plus its contributors: institution ids per side and a lower bound of distinct debtors."""

    def __init__(self) -> None:
        self.labels: tuple[str, str] = ("", "")
        self.sums: Counter = Counter()
        self.sides: dict[str, set[int]] = {}
        self.debtors = 0

    def add(self, sums: dict[str, int | float], debtors: int = 0, **sides: int | None) -> Tally:
        """Add one SQL group: its sums, its distinct debtors, and the institution id of each side it comes from."""
        for key, value in sums.items():
            self.sums[key] += value or 0
        for side, inst_id in sides.items():
            if inst_id is not None:
                self.sides.setdefault(side, set()).add(inst_id)
        self.debtors = max(self.debtors, int(debtors or 0))
        return self

    @property
    def institutions(self) -> int:
        """Distinct institutions the cell is built from (the smallest side: e.g. agencies vs banks)."""
        return min((len(s) for s in self.sides.values()), default=0)

    def __getitem__(self, key: str) -> int | float:
        return self.sums.get(key, 0)


@dataclass
class Figure:
    """One cell as shown: key, labels, scope, and whether the viewer's suppression hid its values."""

    VALUES: ClassVar[tuple[str, ...]] = ()
    key: str
    label: str
    label_en: str
    scope: str
    suppressed: bool = False
    institutions: int = 0  # contributors: used for suppression, never shown
    debtors: int = 0

    def hide(self) -> None:
        """Suppress: every value becomes ``None`` and every breakdown list is emptied (not even its keys show)."""
        self.suppressed = True
        for name in self.VALUES:
            setattr(self, name, None)
        for f in fields(self):
            if isinstance(getattr(self, f.name), list):
                setattr(self, f.name, [])


def apply_suppression(principal: Principal, figures: Iterable[Figure], *, complementary: bool = True) -> list:
    """Hide the figures ``principal`` may not see (portal.access.aggregates), complementary cells included."""
    figures = list(figures)
    cells = [Cell(i, None, f.institutions, f.debtors, own=f.scope == OWN) for i, f in enumerate(figures)]
    for figure, cell in zip(figures, suppress(principal, cells, complementary=complementary), strict=True):
        if cell.suppressed:
            figure.hide()
    return figures


NOT_DEBTOR_BASED = MIN_DEBTORS
"""Debtor count given to cells not built from debtors (reports, evidence): judged on institutions alone."""


@dataclass
class CountFigure(Figure):
    """A count of things (violations of a rule, findings of a family, reports of a status, evidence of a kind)."""

    VALUES: ClassVar[tuple[str, ...]] = ("count",)
    count: int | None = 0


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` rounded to 6 places; ``None`` when either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 6)


@dataclass
class Grouped:
    """Tallies of one metric family by key, in first-seen order."""

    tallies: dict[Any, Tally] = field(default_factory=dict)

    def __call__(self, key: Any) -> Tally:
        """The tally of ``key`` (created empty on first use)."""
        if key not in self.tallies:
            self.tallies[key] = Tally()
        return self.tallies[key]
