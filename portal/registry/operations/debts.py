"""Debts: report (idempotent per creditor and client key), correct (history kept), read, list, history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.access import Principal, check_access, guarded
from portal.core.crypto import Keyring
from portal.core.errors import BadInput, Conflict, NotFound
from portal.core.timeutil import utcnow
from portal.registry import inputs, scoping
from portal.registry.models import Debt, DebtGuarantor, DebtHistory, Debtor
from portal.registry.parties import upsert_parties
from portal.registry.views import DebtView, Disclosure, Keys, Page, build_debt_views
from portal.registry.vocab import ARREARS, DebtStatus, Purpose, check_limit, shanghai_today
from portal.tenancy.models import Institution

TRACKED = ("debtor_id", "product", "principal_fen", "outstanding_fen", "currency", "opened_on", "due_on", "status",
           "settled_on", "collateral", "notes")


@dataclass(frozen=True)
class ReportResult:
    """The debt after a report; ``created`` for a new client key, ``changed`` when stored values changed."""

    debt: DebtView
    created: bool
    changed: bool


@dataclass(frozen=True)
class HistoryEntry:
    """The values a debt had up to ``version``, replaced at ``changed_at`` for ``reason``."""

    version: int
    changed_at: Any
    changed_by: int | None
    reason: str
    previous: dict[str, Any]


def _snapshot(debt: Debt, guarantor_ids: list[int]) -> dict[str, Any]:
    snap = {name: getattr(debt, name) for name in TRACKED}
    for name in ("opened_on", "due_on", "settled_on"):
        snap[name] = snap[name].isoformat() if snap[name] is not None else None
    snap["guarantor_ids"] = sorted(guarantor_ids)
    return snap


def _guarantor_ids(session: Session, debt_id: int) -> list[int]:
    return sorted(session.scalars(select(DebtGuarantor.debtor_id).where(DebtGuarantor.debt_id == debt_id)))


def apply_change(session: Session, principal: Principal, debt: Debt, values: dict[str, Any],
                 guarantor_ids: list[int] | None, *, reason: str, expected_version: int | None) -> bool:
    """Apply ``values`` (and guarantors, unless None) to ``debt``; a real change keeps the old values in history.

    Returns whether anything changed. ``expected_version`` that is not the stored version is a Conflict; a concurrent
    writer that got there first is a Conflict at flush (optimistic locking on ``version``)."""
    if expected_version is not None and expected_version != debt.version:
        raise Conflict(f"debt {debt.id} is at version {debt.version}, not {expected_version}; reload and retry")
    current_guarantors = _guarantor_ids(session, debt.id)
    wanted_guarantors = current_guarantors if guarantor_ids is None else sorted(guarantor_ids)
    if all(getattr(debt, k) == v for k, v in values.items()) and wanted_guarantors == current_guarantors:
        return False
    session.add(DebtHistory(debt_id=debt.id, creditor_id=debt.creditor_id, version=debt.version,
                            changed_by=principal.user_id, reason=reason,
                            previous=_snapshot(debt, current_guarantors)))
    for name, value in values.items():
        setattr(debt, name, value)
    debt.adverse = debt.adverse or DebtStatus(debt.status) in ARREARS
    debt.updated_at = utcnow()
    if wanted_guarantors != current_guarantors:
        _replace_guarantors(session, debt.id, current_guarantors, wanted_guarantors)
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(f"debt {debt.id} was changed by someone else; reload and retry") from exc
    return True


def _replace_guarantors(session: Session, debt_id: int, old: list[int], new: list[int]) -> None:
    gone = set(old) - set(new)
    if gone:
        for row in session.scalars(select(DebtGuarantor).where(DebtGuarantor.debt_id == debt_id,
                                                               DebtGuarantor.debtor_id.in_(gone))):
            session.delete(row)
    session.add_all(DebtGuarantor(debt_id=debt_id, debtor_id=g) for g in new if g not in old)


@guarded("registry.debt.report")
def report_debt(principal: Principal, data: Any, *, session: Session, keyring: Keyring,
                today: date | None = None) -> ReportResult:
    """Report a debt, or update the one this creditor reported with the same client key (identical = no-op)."""
    check_access("registry.debt.report", principal)
    today = today or shanghai_today()
    parsed = inputs.parse_debt(data, today)
    try:
        parties = upsert_parties(session, keyring, [parsed.debtor, *parsed.guarantors])
    except IntegrityError as exc:
        raise Conflict("a debtor of this report was registered concurrently; retry") from exc
    debtor, guarantor_ids = parties[0], [g.id for g in parties[1:]]
    values = {**parsed.values, "debtor_id": debtor.id}
    debt = session.scalar(
        select(Debt).where(Debt.creditor_id == principal.institution_id, Debt.client_key == parsed.client_key)
    )
    if debt is None:
        if parsed.expected_version is not None:
            raise NotFound(f"clientKey {parsed.client_key!r}: no debt to update at version {parsed.expected_version}")
        debt = Debt(creditor_id=principal.institution_id, client_key=parsed.client_key,
                    adverse=DebtStatus(values["status"]) in ARREARS, **values)
        session.add(debt)
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict(f"clientKey {parsed.client_key!r} was reported concurrently; retry") from exc
        session.add_all(DebtGuarantor(debt_id=debt.id, debtor_id=g) for g in sorted(guarantor_ids))
        session.flush()
        created, changed = True, True
    else:
        check_access("registry.debt.report", principal, debt)
        created = False
        changed = apply_change(session, principal, debt, values, guarantor_ids, reason="report",
                               expected_version=parsed.expected_version)
    return ReportResult(_view_one(session, keyring, principal, debt, None, today),
                        created, changed)


@guarded("registry.debt.correct")
def correct_debt(principal: Principal, debt_id: int, changes: Any, *, session: Session, keyring: Keyring,
                 expected_version: int | None = None, reason: str = "correction",
                 today: date | None = None) -> DebtView:
    """Correct some fields of a debt (given fields only); the previous values go to its history."""
    debt = _load(session, debt_id)
    check_access("registry.debt.correct", principal, debt)
    today = today or shanghai_today()
    base = {name: getattr(debt, name) for name in TRACKED if name != "debtor_id"}
    values = inputs.debt_values(changes, today, base=base)
    apply_change(session, principal, debt, values, None, reason=reason, expected_version=expected_version)
    return _view_one(session, keyring, principal, debt, None, today)


def _load(session: Session, debt_id: Any) -> Debt:
    if isinstance(debt_id, bool) or not isinstance(debt_id, int):
        raise BadInput(f"debt id {debt_id!r} is not a number", field="id")
    debt = session.get(Debt, debt_id)
    if debt is None:
        raise NotFound(f"debt {debt_id} does not exist")
    return debt


def _view_one(session: Session, keyring: Keyring, principal: Principal, debt: Debt, purpose: Purpose | None,
              as_of: date) -> DebtView:
    debtor = session.get(Debtor, debt.debtor_id)
    creditor = session.get(Institution, debt.creditor_id)
    relation = scoping.relation_to_debt(session, principal, debt)
    return build_debt_views(session, Keys(session, keyring), [(debt, debtor, creditor)],
                            relation_of=lambda _d: relation, disclosure=Disclosure(principal, purpose),
                            as_of=as_of)[0]


@guarded("registry.debt.read")
def get_debt(principal: Principal, debt_id: int, *, session: Session, keyring: Keyring,
             purpose: Any = None, as_of: date | None = None) -> DebtView:
    """One debt in full, if the policy lets the principal read it."""
    purpose = None if purpose is None else Purpose.parse(purpose, "purpose")
    debt = _load(session, debt_id)
    as_of = scoping.read_date(principal, as_of)
    relation = scoping.relation_to_debt(session, principal, debt)
    check_access("registry.debt.read", principal, debt, relation=relation, purpose=purpose, as_of=as_of)
    return _view_one(session, keyring, principal, debt, purpose, as_of)


@guarded("registry.debt.read")
def debt_history(principal: Principal, debt_id: int, *, session: Session, purpose: Any = None,
                 as_of: date | None = None) -> list[HistoryEntry]:
    """The previous values of a debt, oldest first, for whoever may read the debt in full."""
    purpose = None if purpose is None else Purpose.parse(purpose, "purpose")
    debt = _load(session, debt_id)
    as_of = scoping.read_date(principal, as_of)
    relation = scoping.relation_to_debt(session, principal, debt)
    check_access("registry.debt.read", principal, debt, relation=relation, purpose=purpose, as_of=as_of)
    rows = session.scalars(select(DebtHistory).where(DebtHistory.debt_id == debt.id).order_by(DebtHistory.id))
    return [HistoryEntry(r.version, r.changed_at, r.changed_by, r.reason, dict(r.previous)) for r in rows]


@guarded("registry.debt.list")
def list_debts(principal: Principal, *, session: Session, keyring: Keyring, after_id: int | None = None,
               limit: int | None = None, status: Any = None, debtor_id: int | None = None, purpose: Any = None,
               as_of: date | None = None) -> Page:
    """The debts the principal may read in full, ordered by id; keyset pages (``after_id``, ``limit`` ≤ 100)."""
    purpose = None if purpose is None else Purpose.parse(purpose, "purpose")
    check_access("registry.debt.list", principal, purpose=purpose)
    limit = check_limit(limit)
    as_of = scoping.read_date(principal, as_of)
    stmt = (
        select(Debt, Debtor, Institution)
        .join(Debtor, Debtor.id == Debt.debtor_id)
        .join(Institution, Institution.id == Debt.creditor_id)
        .where(scoping.debts_in_full(principal, purpose=purpose, as_of=as_of))
    )
    if after_id is not None:
        if isinstance(after_id, bool) or not isinstance(after_id, int) or after_id < 0:
            raise BadInput(f"after: {after_id!r} is not a position in this list", field="after")
        stmt = stmt.where(Debt.id > after_id)
    if status is not None:
        stmt = stmt.where(Debt.status == DebtStatus.parse(status, "status").value)
    if debtor_id is not None:
        stmt = stmt.where(Debt.debtor_id == debtor_id)
    rows = list(session.execute(stmt.order_by(Debt.id).limit(limit + 1)).tuples())
    views = build_debt_views(session, Keys(session, keyring), rows[:limit],
                             relation_of=lambda d: scoping.relation_of_row(principal, d.creditor_id),
                             disclosure=Disclosure(principal, purpose), as_of=as_of)
    return Page(views, len(rows) > limit)
