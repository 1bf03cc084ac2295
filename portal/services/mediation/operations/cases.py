"""Referring debts to mediation, reading cases, and the two hooks the case feeds: the registry's debt link (the
mediator reads an open case's debts in full) and the standards' mediation hold (``mediation_opened`` /
``mediation_closed`` case events, which CS-MED-01 reads to refuse collection contact)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from portal.access import Kind, Principal, check_access, guarded
from portal.core.errors import BadInput, Conflict, NotFound
from portal.core.ids import parse_id
from portal.core.timeutil import utcnow
from portal.registry.models import Debt
from portal.registry.scoping import register_debt_link
from portal.registry.vocab import DebtStatus
from portal.services.compliance.models import CaseEvent
from portal.services.mediation.models import MediationCase, MediationCaseDebt
from portal.services.mediation.policy import in_scope
from portal.services.mediation.states import OPEN, Status, parse_status
from portal.tenancy.models import Institution

MAX_DEBTS_PER_CASE = 50
NOTE_MAX = 2000
# Pre-litigation mediation is for debts in arrears that are not yet before a court.
REFERABLE = frozenset({DebtStatus.OVERDUE.value, DebtStatus.WRITTEN_OFF.value})


def linked_to_mediator(debt_id: Any, institution_id: int) -> ColumnElement[bool]:
    """SQL condition: ``debt_id`` is held by an open case of mediation centre ``institution_id``."""
    return exists().where(
        MediationCaseDebt.debt_id == debt_id,
        MediationCaseDebt.active.is_(True),
        MediationCase.id == MediationCaseDebt.case_id,
        MediationCase.mediator_id == institution_id,
    )


register_debt_link(Kind.MEDIATOR, linked_to_mediator)


def parse_case_id(case_id: Any, field: str = "id") -> int:
    """A case id from an ``ID`` argument; BadInput naming it when it is not a whole number."""
    return parse_id(case_id, field, "a mediation case id")


def load_visible_case(principal: Principal, case_id: Any, session: Session, *, lock: bool = False) -> MediationCase:
    """The case if the principal may read it; the same NotFound whether it is absent or someone else's, so nobody
    learns that a case exists. Agencies and tracers are refused outright (FORBIDDEN) whatever the id."""
    decision = check_access("mediation.case.read", principal)
    cid = parse_case_id(case_id)
    stmt = select(MediationCase).where(MediationCase.id == cid)
    if lock:
        stmt = stmt.with_for_update()
    case = session.scalar(stmt)
    if case is None or not in_scope(decision["scope"], principal, case):
        raise NotFound(f"no mediation case with id {cid}")
    return case


def record_hold(session: Session, case: MediationCase, kind: str, debt_ids: Sequence[int], debtor_id: int,
                principal: Principal) -> None:
    """Tell the standards engine that the debts entered (``mediation_opened``) or left (``mediation_closed``)
    mediation; CS-MED-01 refuses collection contact in between."""
    now = utcnow()
    for debt_id in debt_ids:
        session.add(CaseEvent(kind=kind, at=now, debt_id=debt_id, debtor_id=debtor_id, creditor_id=case.creditor_id,
                              recorded_by=principal.user_id, recorded_at=now))


def close_links(session: Session, case: MediationCase, principal: Principal) -> None:
    """The case reached a final status: its debts leave mediation (link and hold end)."""
    rows = list(session.scalars(
        select(MediationCaseDebt).where(MediationCaseDebt.case_id == case.id, MediationCaseDebt.active.is_(True))
    ))
    for row in rows:
        row.active = False
    record_hold(session, case, "mediation_closed", [r.debt_id for r in rows], case.debtor_id, principal)


def _mediator(session: Session, code: str) -> Institution:
    inst = session.scalar(select(Institution).where(Institution.code == (code or "").strip()))
    if inst is None or inst.kind != Kind.MEDIATOR.value:
        raise BadInput(f"mediator: {code!r} is not a mediation centre", field="mediator")
    return inst


def _debt_ids(debt_ids: Sequence[Any]) -> list[int]:
    if not debt_ids:
        raise BadInput("debtIds: refer at least one debt", field="debtIds")
    if len(debt_ids) > MAX_DEBTS_PER_CASE:
        raise BadInput(f"debtIds: at most {MAX_DEBTS_PER_CASE} debts per case, got {len(debt_ids)}", field="debtIds")
    out = []
    for raw in debt_ids:
        try:
            out.append(int(str(raw).strip()))
        except (TypeError, ValueError):
            raise BadInput(f"debtIds: {raw!r} is not a debt id", field="debtIds") from None
    if len(set(out)) != len(out):
        raise BadInput("debtIds: a debt is listed twice", field="debtIds")
    return sorted(out)


def _own_debts(session: Session, principal: Principal, ids: list[int]) -> list[Debt]:
    debts = {d.id: d for d in session.scalars(select(Debt).where(Debt.id.in_(ids)).with_for_update())}
    for debt_id in ids:
        debt = debts.get(debt_id)
        if debt is None or debt.creditor_id != principal.institution_id:
            raise NotFound(f"no debt with id {debt_id} among your institution's debts")
    return [debts[i] for i in ids]


@guarded("mediation.case.refer")
def refer_to_mediation(
    principal: Principal, client_key: str, debt_ids: Sequence[Any], mediator: str, note: str | None, *,
    session: Session,
) -> MediationCase:
    """A bank refers overdue or written-off debts of ONE debtor to a mediation centre. Idempotent per client key:
    the same key and payload return the same case, another payload under that key is a Conflict."""
    check_access("mediation.case.refer", principal)
    key = (client_key or "").strip()
    if not key or len(key) > 100:
        raise BadInput(f"clientKey: {client_key!r} must be 1 to 100 characters", field="clientKey")
    ids = _debt_ids(debt_ids)
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise BadInput(f"note: at most {NOTE_MAX} characters, got {len(note)}", field="note")
    centre = _mediator(session, mediator)
    existing = session.scalar(select(MediationCase).where(
        MediationCase.creditor_id == principal.institution_id, MediationCase.client_key == key))
    if existing is not None:
        before = (existing.mediator_id, sorted(d.debt_id for d in existing.debts), existing.note)
        if before != (centre.id, ids, note):
            raise Conflict(f"clientKey {key!r} was already used for a different referral (case {existing.id})")
        return existing
    debts = _own_debts(session, principal, ids)
    debtors = {d.debtor_id for d in debts}
    if len(debtors) > 1:
        raise BadInput(f"debtIds: debts {ids} belong to {len(debtors)} different debtors; a case concerns one debtor",
                       field="debtIds")
    for debt in debts:
        if debt.status not in REFERABLE:
            raise BadInput(f"debt {debt.id} is {debt.status.upper()}; only OVERDUE or WRITTEN_OFF debts can be "
                           "referred to pre-litigation mediation", field="debtIds")
    currencies = {d.currency for d in debts}
    if len(currencies) > 1:
        raise BadInput(f"debtIds: debts in several currencies ({', '.join(sorted(currencies))})", field="debtIds")
    busy = session.execute(select(MediationCaseDebt.debt_id, MediationCaseDebt.case_id).where(
        MediationCaseDebt.debt_id.in_(ids), MediationCaseDebt.active.is_(True))).first()
    if busy is not None:
        raise Conflict(f"debt {busy[0]} is already in open mediation case {busy[1]}")
    now = utcnow()
    case = MediationCase(
        creditor_id=principal.institution_id, mediator_id=centre.id, debtor_id=debtors.pop(), client_key=key,
        status=Status.REFERRED.value, note=note, currency=currencies.pop(),
        referred_fen=sum(d.outstanding_fen for d in debts), referred_at=now, referred_by=principal.user_id,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    session.add_all(MediationCaseDebt(case_id=case.id, debt_id=d.id, outstanding_fen=d.outstanding_fen) for d in debts)
    record_hold(session, case, "mediation_opened", ids, case.debtor_id, principal)
    session.flush()
    session.refresh(case)
    return case


@guarded("mediation.case.read")
def get_case(principal: Principal, case_id: Any, *, session: Session) -> MediationCase:
    """One case, for the referring bank, the case's mediator or the regulator; NotFound for anyone else."""
    return load_visible_case(principal, case_id, session)


@guarded("mediation.case.read")
def list_cases(
    principal: Principal, *, after_id: int | None, limit: int, session: Session, status: str | None = None,
) -> list[MediationCase]:
    """The cases the principal may read, by id (keyset): a bank its referrals, a mediator the cases referred to it,
    the regulator all; optionally only those in ``status``."""
    decision = check_access("mediation.case.read", principal)
    wanted = parse_status(status)
    stmt = select(MediationCase).order_by(MediationCase.id).limit(limit)
    if decision["scope"] == "creditor":
        stmt = stmt.where(MediationCase.creditor_id == principal.institution_id)
    elif decision["scope"] == "mediator":
        stmt = stmt.where(MediationCase.mediator_id == principal.institution_id)
    if wanted is not None:
        stmt = stmt.where(MediationCase.status == wanted.value)
    if after_id is not None:
        stmt = stmt.where(MediationCase.id > int(after_id))
    return list(session.scalars(stmt))


def is_open(case: MediationCase) -> bool:
    """Whether the case still holds its debts (see states.OPEN)."""
    return Status(case.status) in OPEN
