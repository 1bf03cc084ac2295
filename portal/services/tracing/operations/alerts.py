"""Early warning: per-debtor scores recomputed set-based for a chunk of debtors, alerts when the level rises, the
alerts each institution may see (ACCESS.md), and banks' acknowledgements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, select, union
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.errors import BadInput, NotFound
from portal.core.timeutil import as_utc, utcnow
from portal.services.tracing import policy as _policy  # noqa: F401 - registers the policies
from portal.services.tracing.models import TracingAlert, TracingAlertAck, TracingSignal, TracingWatch
from portal.services.tracing.operations.common import alerts_visible, ident
from portal.services.tracing.warning import LEVEL_RANK, THRESHOLDS, WINDOW_DAYS, SignalFact, warning_score

LEVELS = ("watch", "warning", "critical")


@guarded("tracing.alert.compute")
def rescore_debtors(principal: Principal, debtor_ids: Sequence[int], *, session: Session,
                    now: datetime | None = None, thresholds: dict[str, float] | None = None) -> list[TracingAlert]:
    """Recompute the warning of ``debtor_ids`` (a chunk): one query for their recent signals, one for their
    watch rows, bulk writes; an alert for each debtor whose level rose. Returns the new alerts."""
    check_access("tracing.alert.compute", principal)
    ids = sorted({int(i) for i in debtor_ids})
    if not ids:
        return []
    now = now or utcnow()
    bounds = thresholds or THRESHOLDS
    since = now - timedelta(days=WINDOW_DAYS)
    facts: dict[int, list[SignalFact]] = {i: [] for i in ids}
    for sid, debtor_id, kind, severity, observed_at, source in session.execute(
            select(TracingSignal.id, TracingSignal.debtor_id, TracingSignal.kind, TracingSignal.severity,
                   TracingSignal.observed_at, TracingSignal.source)
            .where(TracingSignal.debtor_id.in_(ids), TracingSignal.status == "resolved",
                   TracingSignal.observed_at >= since)):
        facts[debtor_id].append(SignalFact(sid, kind, severity, as_utc(observed_at), source))
    old = dict(session.execute(select(TracingWatch.debtor_id, TracingWatch.level)
                               .where(TracingWatch.debtor_id.in_(ids))).tuples().all())
    watch_rows, alert_rows = [], []
    for debtor_id in ids:
        warn = warning_score(facts[debtor_id], now, thresholds=bounds)
        watch_rows.append({"debtor_id": debtor_id, "score": warn.score, "level": warn.level,
                           "contributions": warn.contributions, "computed_at": now})
        if LEVEL_RANK[warn.level] > LEVEL_RANK.get(old.get(debtor_id, "none"), 0):
            alert_rows.append({"debtor_id": debtor_id, "level": warn.level, "score": warn.score,
                               "threshold": bounds[warn.level], "contributions": warn.contributions,
                               "created_at": now})
    session.execute(delete(TracingWatch).where(TracingWatch.debtor_id.in_(ids)))
    session.execute(insert(TracingWatch.__table__), watch_rows)
    if not alert_rows:
        return []
    table = TracingAlert.__table__
    new_ids = session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), alert_rows).all()
    return list(session.scalars(select(TracingAlert).where(TracingAlert.id.in_(new_ids)).order_by(TracingAlert.id)))


@guarded("tracing.alert.compute")
def debtors_to_rescore(principal: Principal, *, stale_before: datetime, after: int | None, limit: int,
                       session: Session) -> list[int]:
    """Debtors whose warning is out of date, by id (keyset): resolved signals newer than their last score (a lost
    rescoring task, a manual link), or a raised level computed before ``stale_before`` (recency decay lowers it)."""
    check_access("tracing.alert.compute", principal)
    newer = (select(TracingSignal.debtor_id.label("debtor_id"))
             .outerjoin(TracingWatch, TracingWatch.debtor_id == TracingSignal.debtor_id)
             .where(TracingSignal.debtor_id.is_not(None), TracingSignal.status == "resolved",
                    or_(TracingWatch.debtor_id.is_(None), TracingSignal.resolved_at > TracingWatch.computed_at)))
    decayed = select(TracingWatch.debtor_id.label("debtor_id")).where(TracingWatch.computed_at < stale_before,
                                                                      TracingWatch.level != "none")
    both = union(newer, decayed).subquery()
    stmt = select(both.c.debtor_id).order_by(both.c.debtor_id).limit(limit)
    if after is not None:
        stmt = stmt.where(both.c.debtor_id > after)
    return list(session.scalars(stmt))


@dataclass
class AlertFilter:
    """Optional filters of the alert list."""

    level: str | None = None
    debtor_id: int | None = None
    unacknowledged: bool = False


@guarded("tracing.alert.list")
def list_alerts(principal: Principal, flt: AlertFilter | None, *, after: int | None, limit: int,
                session: Session) -> Sequence[TracingAlert]:
    """Alerts the principal may see (ACCESS.md 'tracing alerts' row), newest first by id (keyset)."""
    check_access("tracing.alert.list", principal)
    flt = flt or AlertFilter()
    conds = [alerts_visible(principal)]
    if flt.level:
        if flt.level not in LEVELS:
            raise BadInput(f"level {flt.level!r} is not one of {', '.join(LEVELS)}", field="level")
        conds.append(TracingAlert.level == flt.level)
    if flt.debtor_id is not None:
        conds.append(TracingAlert.debtor_id == flt.debtor_id)
    if flt.unacknowledged:
        conds.append(~select(TracingAlertAck.id).where(TracingAlertAck.alert_id == TracingAlert.id,
                                                      TracingAlertAck.institution_id == principal.institution_id)
                     .exists())
    if after is not None:
        conds.append(TracingAlert.id < int(after))
    return session.scalars(select(TracingAlert).where(*conds).order_by(TracingAlert.id.desc()).limit(limit)).all()


def acknowledgements(session: Session, principal: Principal, alert_ids: Sequence[int]) -> dict[int, TracingAlertAck]:
    """The principal's own acknowledgements of ``alert_ids`` (one query)."""
    if not alert_ids:
        return {}
    rows = session.scalars(select(TracingAlertAck).where(TracingAlertAck.alert_id.in_(list(alert_ids)),
                                                         TracingAlertAck.institution_id == principal.institution_id))
    return {r.alert_id: r for r in rows}


@guarded("tracing.alert.acknowledge")
def acknowledge_alert(principal: Principal, alert_id: object, note: str | None = None, *,
                      session: Session) -> tuple[TracingAlert, TracingAlertAck]:
    """A creditor bank of the debtor acknowledges an alert (again: the first acknowledgement stands)."""
    aid = ident(principal, alert_id, "id")
    alert = session.scalar(select(TracingAlert).where(TracingAlert.id == aid, alerts_visible(principal)))
    check_access("tracing.alert.acknowledge", principal, alert, visible=alert is not None)
    if alert is None:  # not reached for banks that see it; others were refused above
        raise NotFound(f"tracing alert {alert_id!r} not found", field="id")
    ack = acknowledgements(session, principal, [alert.id]).get(alert.id)
    if ack is None:
        ack = TracingAlertAck(alert_id=alert.id, institution_id=principal.institution_id, user_id=principal.user_id,
                              note=(note or "")[:500] or None)
        session.add(ack)
        session.flush()
    return alert, ack
