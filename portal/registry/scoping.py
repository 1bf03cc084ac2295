"""Row scoping of the registry: SQLAlchemy expressions for the rows a principal may list, and its relation to a row.

These are the row rules of ACCESS.md as SQL (PostgreSQL row-level security repeats them, see rls.py):
- a bank lists the debts it reported; an agency the debts actively assigned to it; the regulator every debt, with
  purpose SUPERVISION; a mediator the debts of its cases; a tracer no debt in full;
- everyone but the regulator loses an adverse record 5 years after it was settled (applied when read);
- inquiries: the regulator sees all; a bank those it made and those made about its own debtors; anyone else those
  it made.

Mediation cases and tracing requests belong to their services, which import the registry (never the reverse): they
plug their link in with :func:`register_debt_link`, a builder of an SQL condition "this debt is linked to that
institution". Until a service registers one, a mediator or tracer is linked to nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from portal.access import Kind, Principal
from portal.core.errors import BadInput
from portal.registry.models import Debt, DebtAssignment, Inquiry
from portal.registry.vocab import Purpose, Relation, retention_cutoff, shanghai_today

DebtLink = Callable[[Any, int], ColumnElement[bool]]
"""``builder(debt_id_column, institution_id)`` → SQL condition that the debt is linked to the institution."""

_LINKS: dict[Kind, DebtLink] = {}
_LINK_RELATION = {Kind.MEDIATOR: Relation.CASE_MEDIATOR, Kind.TRACER: Relation.REQUEST_TRACER}


def register_debt_link(kind: Kind, builder: DebtLink) -> None:
    """Plug in how a mediator's cases (or a tracer's requests) link it to debts; one builder per kind."""
    if kind not in _LINK_RELATION:
        raise ValueError(f"debt links exist only for mediators and tracers, not {kind}")
    _LINKS[kind] = builder


@contextmanager
def debt_links(links: dict[Kind, DebtLink]) -> Iterator[None]:
    """Temporarily replace the registered links (tests)."""
    saved = dict(_LINKS)
    _LINKS.clear()
    _LINKS.update(links)
    try:
        yield
    finally:
        _LINKS.clear()
        _LINKS.update(saved)


def linked_debt(principal: Principal, debt_id: Any) -> ColumnElement[bool]:
    """SQL condition that ``debt_id`` is linked to the principal's institution by a case or a request."""
    builder = _LINKS.get(principal.kind) if principal.kind is not None else None
    if builder is None or principal.institution_id is None:
        return false()
    return builder(debt_id, principal.institution_id)


def assigned_to(agency_id: int, debt_id: Any = Debt.id) -> ColumnElement[bool]:
    """SQL condition that ``debt_id`` is actively assigned to ``agency_id``."""
    return exists().where(
        DebtAssignment.debt_id == debt_id, DebtAssignment.agency_id == agency_id, DebtAssignment.active.is_(True)
    )


def read_date(principal: Principal, as_of: date | None) -> date:
    """The date a read is made as of: today (Shanghai) by default; only the regulator may look at the past, since
    an earlier date would bring back records the retention rule already hides."""
    today = shanghai_today()
    if as_of is None:
        return today
    if as_of < today and principal.kind is not Kind.REGULATOR:
        raise BadInput(f"asOf: {as_of.isoformat()} is in the past", field="asOf")
    return as_of


def not_retained(as_of: date) -> ColumnElement[bool]:
    """SQL condition that a debt is still shown to non-regulators as of ``as_of`` (the 5-year retention rule)."""
    return or_(Debt.adverse.is_(False), Debt.settled_on.is_(None), Debt.settled_on > retention_cutoff(as_of))


def debts_in_full(principal: Principal, *, purpose: Purpose | None, as_of: date) -> ColumnElement[bool]:
    """The debts the principal may read in full (and so list), retention applied."""
    kind, inst = principal.kind, principal.institution_id
    if inst is None or kind is None:
        return false()
    if kind is Kind.REGULATOR:
        return true() if purpose is Purpose.SUPERVISION else false()
    if kind is Kind.BANK:
        rule: ColumnElement[bool] = Debt.creditor_id == inst
    elif kind is Kind.AGENCY:
        rule = Debt.id.in_(
            select(DebtAssignment.debt_id).where(DebtAssignment.agency_id == inst, DebtAssignment.active.is_(True))
        )
    elif kind is Kind.MEDIATOR:
        rule = linked_debt(principal, Debt.id)
    else:  # a tracer sees no debt in full
        return false()
    return and_(rule, not_retained(as_of))


def shown_debts(principal: Principal, *, as_of: date) -> ColumnElement[bool]:
    """Debts whose existence may show for this principal at all: retention for everyone but the regulator."""
    return true() if principal.kind is Kind.REGULATOR else not_retained(as_of)


def inquiries_visible(principal: Principal) -> ColumnElement[bool]:
    """The inquiries the principal may list (ACCESS.md 'inquiries' row)."""
    kind, inst = principal.kind, principal.institution_id
    if inst is None or kind is None:
        return false()
    if kind is Kind.REGULATOR:
        return true()
    own = Inquiry.institution_id == inst
    if kind is Kind.BANK:
        about_mine = exists().where(Debt.debtor_id == Inquiry.debtor_id, Debt.creditor_id == inst)
        return or_(own, about_mine)
    return own


def relation_to_debt(session: Session, principal: Principal, debt: Debt) -> Relation:
    """How the principal's institution stands to ``debt`` (one query at most)."""
    kind, inst = principal.kind, principal.institution_id
    if kind is None or inst is None:
        return Relation.NONE
    if kind is Kind.REGULATOR:
        return Relation.REGULATOR
    if kind is Kind.BANK:
        return Relation.CREDITOR if debt.creditor_id == inst else Relation.NONE
    if kind is Kind.AGENCY:
        return Relation.ASSIGNED_AGENCY if session.scalar(select(assigned_to(inst, debt.id))) else Relation.NONE
    if kind in _LINK_RELATION and session.scalar(select(linked_debt(principal, debt.id))):
        return _LINK_RELATION[kind]
    return Relation.NONE


def relation_to_debtor(session: Session, principal: Principal, debtor_id: int | None, *, as_of: date) -> Relation:
    """How the principal's institution stands to a debtor through any of the debtor's (shown) debts; one query."""
    kind, inst = principal.kind, principal.institution_id
    if kind is None or inst is None:
        return Relation.NONE
    if kind is Kind.REGULATOR:
        return Relation.REGULATOR
    if debtor_id is None:
        return Relation.NONE
    if kind is Kind.BANK:
        rule: ColumnElement[bool] = Debt.creditor_id == inst
        relation = Relation.CREDITOR
    elif kind is Kind.AGENCY:
        rule, relation = assigned_to(inst), Relation.ASSIGNED_AGENCY
    elif kind in _LINK_RELATION:
        rule, relation = linked_debt(principal, Debt.id), _LINK_RELATION[kind]
    else:
        return Relation.NONE
    found = session.scalar(
        select(exists().where(Debt.debtor_id == debtor_id, rule, not_retained(as_of)))
    )
    return relation if found else Relation.NONE


def relation_of_row(principal: Principal, creditor_id: int) -> Relation:
    """The relation for a row already filtered by :func:`debts_in_full` (no query needed)."""
    kind = principal.kind
    if kind is Kind.REGULATOR:
        return Relation.REGULATOR
    if kind is Kind.BANK:
        return Relation.CREDITOR if creditor_id == principal.institution_id else Relation.NONE
    if kind is Kind.AGENCY:
        return Relation.ASSIGNED_AGENCY
    if kind in _LINK_RELATION:
        return _LINK_RELATION[kind]
    return Relation.NONE

