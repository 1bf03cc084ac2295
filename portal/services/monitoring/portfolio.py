"""The banks' book: NPL ratio (region, bank type, bank, own) with its monthly trend, overdue buckets, recovery.

Two GROUP BY statements per request, whatever the number of banks or debts (docs/dashboards.md has the
definitions): the unsettled book by (bank, status, bucket as of ``as_of``, first month end in the book, first month
end non-performing) — the stock, the buckets and the monthly trend all come from it — and recovery by bank. Money
is summed over CNY debts only (amounts in other currencies are not converted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import ClassVar

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from portal.access import Decision, Principal
from portal.registry.models import Debt, Debtor
from portal.services.monitoring.cells import (
    BANK_TYPE,
    INSTITUTION,
    OWN,
    REGION,
    Figure,
    Grouped,
    Scope,
    Tally,
    apply_suppression,
    days_between,
    ratio,
)

ARREARS = ("overdue", "written_off", "in_litigation")
ALWAYS_NPL = ("written_off", "in_litigation")
NPL_DAYS = 90  # overdue debts count as non-performing past 90 days past due
BUCKETS = (("1-30", "逾期1–30天", "1–30 days past due", 1), ("31-90", "逾期31–90天", "31–90 days past due", 31),
           ("91-180", "逾期91–180天", "91–180 days past due", 91),
           ("180+", "逾期180天以上", "over 180 days past due", 181))
LARGE_FEN = 5_000_000 * 100  # "large" debts for the recovery cycle: principal of 5M yuan or more
NPL_DEFINITION = (
    "不良率 = (逾期90天以上 + 核销 + 诉讼中 的未偿余额) ÷ 全部未结清债务未偿余额 (as of the period end). "
    "NPL ratio = outstanding of debts overdue > 90 days past due, written off or in litigation, over the outstanding "
    "of every unsettled debt opened by the date; CNY debts. The monthly trend re-ages today's unsettled book to each "
    "month end (days past due as of that date; debts settled since are not in it)."
)
RECOVERY_DEFINITION = (
    "回收率 = 期内结清的不良债务本金 ÷ 期内存续的不良债务本金; 回收周期 = 到期日至结清日的平均天数. "
    "Recovery rate = principal of adverse debts (ever overdue, written off or in litigation) settled in the period, "
    "over the principal of adverse debts due by the period end and not settled before it. Cycle = mean days from the "
    "due date to settlement of those recovered; 'large' = principal of 5M yuan or more."
)


@dataclass
class NplFigure(Figure):
    """Non-performing share of a book."""

    VALUES: ClassVar[tuple[str, ...]] = ("npl_fen", "total_fen", "debts")
    npl_fen: int | None = 0
    total_fen: int | None = 0
    debts: int | None = 0

    @property
    def ratio(self) -> float | None:
        """Non-performing outstanding over total outstanding (0–1)."""
        return ratio(self.npl_fen, self.total_fen)


@dataclass
class NplPoint(NplFigure):
    """One month end of a trend; ``key`` is the month (YYYY-MM)."""

    as_of: date | None = None


@dataclass
class NplSeries:
    """The monthly trend of one book."""

    key: str
    label: str
    label_en: str
    scope: str
    points: list[NplPoint] = field(default_factory=list)


@dataclass
class BucketFigure(Figure):
    """Debts of one overdue bucket: how many and how much outstanding."""

    VALUES: ClassVar[tuple[str, ...]] = ("debts", "amount_fen")
    debts: int | None = 0
    amount_fen: int | None = 0


@dataclass
class RecoveryFigure(Figure):
    """Recovery of adverse debts over the period."""

    VALUES: ClassVar[tuple[str, ...]] = ("adverse_debts", "adverse_fen", "recovered_debts", "recovered_fen",
                                         "cycle_days_sum", "large_recovered", "large_cycle_days_sum")
    adverse_debts: int | None = 0
    adverse_fen: int | None = 0
    recovered_debts: int | None = 0
    recovered_fen: int | None = 0
    cycle_days_sum: float | None = 0
    large_recovered: int | None = 0
    large_cycle_days_sum: float | None = 0

    @property
    def rate(self) -> float | None:
        """Recovered principal over adverse principal (0–1)."""
        return ratio(self.recovered_fen, self.adverse_fen)

    @property
    def average_cycle_days(self) -> float | None:
        """Mean days from due date to settlement of the recovered debts."""
        return None if not self.recovered_debts else round(self.cycle_days_sum / self.recovered_debts, 1)

    @property
    def large_average_cycle_days(self) -> float | None:
        """The same for debts of 5M yuan or more."""
        return None if not self.large_recovered else round(self.large_cycle_days_sum / self.large_recovered, 1)


def _book_filter(stmt, scope: Scope):
    stmt = stmt.where(Debt.currency == "CNY")
    if scope.district:
        stmt = stmt.join(Debtor, Debtor.id == Debt.debtor_id).where(Debtor.district == scope.district)
    return stmt


def _groups(scope: Scope, tallies: dict[int, Tally], make, *, own_label=("本机构", "own")) -> dict[str, list]:
    """Figures of a per-bank tally map: region, own, by bank type, by institution (regulator only)."""
    region, types, banks = Tally(), Grouped(), []
    for creditor_id, t in tallies.items():
        region.add(t.sums, t.debtors, bank=creditor_id)
        inst = scope.inst(creditor_id)
        key, zh, en = inst.bank_type
        types(key).add(t.sums, t.debtors, bank=creditor_id)
        types.tallies[key].labels = (zh, en)
        if scope.per_institution:
            banks.append(make(inst.code, inst.name, inst.name_en or inst.code, INSTITUTION, t))
    out = {
        "region": apply_suppression(scope.principal, [make("region", "全区域", "Region", REGION, region)]),
        "by_bank_type": apply_suppression(
            scope.principal, [make(k, *t.labels, BANK_TYPE, t) for k, t in sorted(types.tallies.items())]),
        "by_institution": sorted(banks, key=lambda f: f.key),
        "own": None,
    }
    if scope.is_bank and scope.own_id is not None:
        out["own"] = make(scope.inst(scope.own_id).code, *own_label, OWN, tallies.get(scope.own_id, Tally()))
    return out


def _npl(key, label, label_en, scope_name, t: Tally) -> NplFigure:
    return NplFigure(key, label, label_en, scope_name, institutions=t.institutions, debtors=t.debtors,
                     npl_fen=int(t["npl"]), total_fen=int(t["total"]), debts=int(t["debts"]))


def _recovery(key, label, label_en, scope_name, t: Tally) -> RecoveryFigure:
    return RecoveryFigure(key, label, label_en, scope_name, institutions=t.institutions, debtors=t.debtors,
                          adverse_debts=int(t["adverse"]), adverse_fen=int(t["adverse_fen"]),
                          recovered_debts=int(t["recovered"]), recovered_fen=int(t["recovered_fen"]),
                          cycle_days_sum=float(t["cycle"]), large_recovered=int(t["large"]),
                          large_cycle_days_sum=float(t["large_cycle"]))


def month_ends(scope: Scope) -> list[date]:
    """The trend's evaluation dates: each month end in the period up to ``as_of`` (the last one is ``as_of``)."""
    out: list[date] = []
    day = scope.period_from
    while day <= scope.as_of and len(out) < 130:
        nxt = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append(min(nxt - timedelta(days=1), scope.as_of))
        day = nxt
    return out


def _index(column, bounds: list, *, strict: bool = False):
    """SQL: the first index j with ``column <= bounds[j]`` (``<`` when strict), else len(bounds)."""
    whens = [((column < b) if strict else (column <= b), literal(j)) for j, b in enumerate(bounds)]
    return case(*whens, else_=literal(len(bounds)))


def book_rows(scope: Scope, session: Session, ends: list[date]) -> list:
    """The unsettled book opened by ``as_of`` in ONE statement, grouped by (bank, status, bucket as of ``as_of``,
    first month end in the book ``s``, first month end non-performing ``n``): debts, distinct debtors, outstanding."""
    a = scope.as_of
    bucket = case(
        (or_(Debt.status.not_in(ARREARS), Debt.due_on >= a), literal("current")),
        (Debt.due_on >= a - timedelta(days=30), literal("1-30")),
        (Debt.due_on >= a - timedelta(days=90), literal("31-90")),
        (Debt.due_on >= a - timedelta(days=180), literal("91-180")),
        else_=literal("180+"),
    )
    npl_idx = case(
        (Debt.status == "overdue", _index(Debt.due_on, [e - timedelta(days=NPL_DAYS) for e in ends], strict=True)),
        (Debt.status.in_(ALWAYS_NPL), _index(Debt.due_on, [e - timedelta(days=1) for e in ends])),
        else_=literal(len(ends)),
    )
    inner = _book_filter(
        select(Debt.creditor_id, Debt.debtor_id, Debt.status, Debt.outstanding_fen, bucket.label("bucket"),
               _index(Debt.opened_on, ends).label("s"), npl_idx.label("n"))
        .where(Debt.opened_on <= a, Debt.status != "settled"), scope).subquery()
    c = inner.c
    return session.execute(
        select(c.creditor_id, c.status, c.bucket, c.s, c.n, func.count(), func.count(c.debtor_id.distinct()),
               func.coalesce(func.sum(c.outstanding_fen), 0))
        .group_by(c.creditor_id, c.status, c.bucket, c.s, c.n)
    ).all()


def stock(scope: Scope, rows: list) -> tuple[dict[str, list], dict[str, list]]:
    """(NPL figures, bucket figures) as of ``scope.as_of`` from :func:`book_rows`."""
    book: dict[int, Tally] = {}
    by_bucket: dict[str, dict[int, Tally]] = {b[0]: {} for b in BUCKETS}
    for creditor_id, status, bucket_key, _s, _n, debts, debtors, amount in rows:
        npl = status in ALWAYS_NPL or (status == "overdue" and bucket_key in ("91-180", "180+"))
        book.setdefault(creditor_id, Tally()).add(
            {"total": amount, "npl": amount if npl else 0, "debts": debts}, debtors, bank=creditor_id)
        if bucket_key in by_bucket:
            by_bucket[bucket_key].setdefault(creditor_id, Tally()).add(
                {"debts": debts, "amount": amount}, debtors, bank=creditor_id)
    npl = _groups(scope, book, _npl)
    buckets: dict[str, list] = {"region": [], "own": [], "by_institution": []}
    for key, zh, en, _low in BUCKETS:
        region = Tally()
        for creditor_id, t in by_bucket[key].items():
            region.add(t.sums, t.debtors, bank=creditor_id)
            if scope.per_institution:
                inst = scope.inst(creditor_id)
                buckets["by_institution"].append(BucketFigure(
                    f"{inst.code}:{key}", zh, en, INSTITUTION, debts=int(t["debts"]), amount_fen=int(t["amount"])))
        buckets["region"].append(BucketFigure(key, zh, en, REGION, institutions=region.institutions,
                                              debtors=region.debtors, debts=int(region["debts"]),
                                              amount_fen=int(region["amount"])))
        if scope.is_bank and scope.own_id is not None:
            own = by_bucket[key].get(scope.own_id, Tally())
            buckets["own"].append(BucketFigure(key, zh, en, OWN, debts=int(own["debts"]),
                                               amount_fen=int(own["amount"])))
    apply_suppression(scope.principal, buckets["region"])
    return npl, buckets


def trend(scope: Scope, rows: list, ends: list[date]) -> dict[str, object]:
    """The monthly NPL trend from :func:`book_rows` by prefix sums over the month index (no further statement).

    A bank's debtors at month j are bounded below by its largest group already in the book by then."""
    months = len(ends)
    per_bank: dict[int, list[Tally]] = {}
    for creditor_id, _status, _bucket, s, n, debts, debtors, amount in rows:
        points = per_bank.setdefault(creditor_id, [Tally() for _ in ends])
        for j in range(int(s), months):
            points[j].add({"total": amount, "debts": debts, "npl": amount if int(n) <= j else 0}, debtors,
                          bank=creditor_id)
    series_of: dict[str, list] = {"region": [], "own": [], "by_bank_type": [], "by_institution": []}
    for j in range(months):
        month = {creditor_id: pts[j] for creditor_id, pts in per_bank.items() if pts[j]["debts"]}
        groups = _groups(scope, month, _npl)
        for name in series_of:
            series_of[name].append(groups[name])
    return _series(scope, ends, series_of)


def _series(scope: Scope, ends: list[date], series_of: dict[str, list]) -> dict[str, object]:
    """Turn per-month figure groups into one series per book."""

    def point(f: NplFigure, end: date) -> NplPoint:
        return NplPoint(f"{end:%Y-%m}", f.label, f.label_en, f.scope, f.suppressed, npl_fen=f.npl_fen,
                        total_fen=f.total_fen, debts=f.debts, as_of=end)

    region = NplSeries("region", "全区域", "Region", REGION,
                       [point(g[0], e) for g, e in zip(series_of["region"], ends, strict=True)])
    own = None
    if scope.is_bank:
        own = NplSeries(scope.inst(scope.own_id).code, "本机构", "own", OWN,
                        [point(g, e) for g, e in zip(series_of["own"], ends, strict=True)])
    keyed: dict[tuple[str, str], NplSeries] = {}
    for name, scope_name in (("by_bank_type", BANK_TYPE), ("by_institution", INSTITUTION)):
        for group, end in zip(series_of[name], ends, strict=True):
            for f in group:
                ident = (name, f.key)
                if ident not in keyed:
                    keyed[ident] = NplSeries(f.key, f.label, f.label_en, scope_name)
                keyed[ident].points.append(point(f, end))
    return {"region": region, "own": own,
            "by_bank_type": [s for (n, _), s in keyed.items() if n == "by_bank_type"],
            "by_institution": [s for (n, _), s in keyed.items() if n == "by_institution"]}


def recovery(scope: Scope, session: Session) -> dict[str, list]:
    """Recovery of adverse debts over the period: one statement grouped by bank."""
    recovered = and_(Debt.status == "settled", Debt.settled_on >= scope.period_from,
                     Debt.settled_on <= scope.period_to)
    days = days_between(Debt.settled_on, Debt.due_on, scope.dialect)
    large = and_(recovered, Debt.principal_fen >= LARGE_FEN)
    stmt = _book_filter(
        select(Debt.creditor_id, func.count(), func.count(Debt.debtor_id.distinct()),
               func.coalesce(func.sum(Debt.principal_fen), 0),
               func.coalesce(func.sum(case((recovered, 1), else_=0)), 0),
               func.coalesce(func.sum(case((recovered, Debt.principal_fen), else_=0)), 0),
               func.coalesce(func.sum(case((recovered, days), else_=0)), 0),
               func.coalesce(func.sum(case((large, 1), else_=0)), 0),
               func.coalesce(func.sum(case((large, days), else_=0)), 0))
        .where(Debt.adverse.is_(True), Debt.due_on <= scope.period_to,
               or_(Debt.settled_on.is_(None), Debt.settled_on >= scope.period_from))
        .group_by(Debt.creditor_id), scope)
    tallies: dict[int, Tally] = {}
    for creditor_id, debts, debtors, principal, rec, rec_fen, cycle, large_n, large_cycle in session.execute(stmt):
        tallies[creditor_id] = Tally().add(
            {"adverse": debts, "adverse_fen": principal, "recovered": rec, "recovered_fen": rec_fen,
             "cycle": float(cycle or 0), "large": large_n, "large_cycle": float(large_cycle or 0)},
            debtors, bank=creditor_id)
    return _groups(scope, tallies, _recovery)


def contribute_book(principal: Principal, decision: Decision, metrics, session: Session) -> None:
    """Add ``npl``, ``npl_trend`` and ``buckets`` to ``metrics.values`` (one statement)."""
    scope = Scope.of(principal, decision, metrics, session)
    ends = month_ends(scope)
    rows = book_rows(scope, session, ends or [scope.as_of])
    npl, buckets = stock(scope, rows)
    metrics.values["npl"] = npl
    metrics.values["npl_trend"] = trend(scope, rows if ends else [], ends)
    metrics.values["buckets"] = buckets


def contribute_recovery(principal: Principal, decision: Decision, metrics, session: Session) -> None:
    """Add ``recovery`` to ``metrics.values`` (one statement)."""
    metrics.values["recovery"] = recovery(Scope.of(principal, decision, metrics, session), session)
