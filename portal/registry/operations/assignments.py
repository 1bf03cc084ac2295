"""Assignments of debts to collection agencies: the creditor bank assigns and ends them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.access import Kind, Principal, check_access, guarded
from portal.core.errors import BadInput, Conflict, NotFound
from portal.core.timeutil import utcnow
from portal.registry import inputs
from portal.registry.models import Debt, DebtAssignment
from portal.registry.vocab import DebtStatus
from portal.tenancy.models import Institution


@dataclass(frozen=True)
class AssignmentView:
    """An assignment of a debt to an agency, from ``assigned_at`` until ``ended_at``."""

    id: int
    debt_id: int
    agency_id: int
    assigned_at: datetime
    active: bool
    ended_at: datetime | None
    note: str | None


def _view(row: DebtAssignment) -> AssignmentView:
    return AssignmentView(row.id, row.debt_id, row.agency_id, row.assigned_at, row.active, row.ended_at, row.note)


def _agency(session: Session, agency: Any) -> Institution:
    if isinstance(agency, str):
        inst = session.scalar(select(Institution).where(Institution.code == agency))
    elif isinstance(agency, int) and not isinstance(agency, bool):
        inst = session.get(Institution, agency)
    else:
        inst = None
    if inst is None or inst.kind != Kind.AGENCY.value:
        raise BadInput(f"agency: {agency!r} is not a collection agency of the region", field="agency")
    return inst


@guarded("registry.assignment.create")
def assign_debt(principal: Principal, debt_id: int, agency: int | str, *, session: Session,
                note: str | None = None, now: datetime | None = None) -> AssignmentView:
    """Hand a debt to an agency (by id or code). The same agency again is a no-op; another one is a Conflict."""
    debt = session.get(Debt, debt_id) if isinstance(debt_id, int) else None
    if debt is None:
        raise NotFound(f"debt {debt_id!r} does not exist")
    check_access("registry.assignment.create", principal, debt)
    target = _agency(session, agency)
    note = inputs.text(note, "note", max_len=500)
    if debt.status == DebtStatus.SETTLED.value:
        raise Conflict(f"debt {debt.id} is settled; there is nothing to collect")
    active = session.scalar(
        select(DebtAssignment).where(DebtAssignment.debt_id == debt.id, DebtAssignment.active.is_(True))
    )
    if active is not None:
        if active.agency_id == target.id:
            return _view(active)
        raise Conflict(f"debt {debt.id} is already assigned to another agency; end that assignment first")
    row = DebtAssignment(debt_id=debt.id, creditor_id=debt.creditor_id, agency_id=target.id,
                         assigned_at=now or utcnow(), assigned_by=principal.user_id, note=note)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"debt {debt.id} was assigned concurrently; reload") from exc
    return _view(row)


@guarded("registry.assignment.end")
def end_assignment(principal: Principal, assignment_id: int, *, session: Session,
                   now: datetime | None = None) -> AssignmentView:
    """End an assignment (the agency loses the debt at once); ending an ended one is a no-op."""
    row = session.get(DebtAssignment, assignment_id) if isinstance(assignment_id, int) else None
    if row is None:
        raise NotFound(f"assignment {assignment_id!r} does not exist")
    check_access("registry.assignment.end", principal, row)
    if row.active:
        row.active = False
        row.ended_at = now or utcnow()
        session.flush()
    return _view(row)
