"""The registry rows of ACCESS.md, one policy per action; operations ask them through ``check_access``.

Reads need a reading role (analyst, operator or auditor), writes the operator role; ``admin`` alone manages users
and tokens, not data. The relation of the principal to the row (creditor, assigned agency, ...) is computed by
``scoping`` and passed in as ``relation=``. Field-level cells (identity number, phone and address) answer *how much*
with an allowing decision carrying the view, so that building a page never raises half-way.
"""

from __future__ import annotations

from typing import Any

from portal.access import Decision, Kind, Principal, Role, policy
from portal.core.errors import BadInput
from portal.registry.vocab import DebtorKind, IdentityView, Purpose, Relation, is_retained

READ_ROLES = frozenset({Role.ANALYST, Role.OPERATOR, Role.AUDITOR})
WRITE_ROLES = frozenset({Role.OPERATOR})
_MASKED_RELATIONS = (Relation.ASSIGNED_AGENCY, Relation.CASE_MEDIATOR, Relation.REQUEST_TRACER)
SHARED_PURPOSES_OTHER_BANK = frozenset({Purpose.CREDIT_APPROVAL, Purpose.COLLECTION, Purpose.LITIGATION})


def _role_refusal(principal: Principal, roles: frozenset[Role]) -> Decision | None:
    if principal.kind is None or principal.institution_id is None:
        return Decision.deny("registry data is shown to member institutions only")
    if not roles & principal.roles:
        names = " or ".join(sorted(r.value for r in roles))
        return Decision.deny(f"this needs the {names} role")
    return None


def _retained_for(principal: Principal, target: Any, as_of: Any) -> bool:
    return principal.kind is not Kind.REGULATOR and is_retained(target.adverse, target.settled_on, as_of)


@policy("registry.debt.read")
def debt_read(principal: Principal, debt: Any, *, relation: Relation, as_of: Any, purpose: Purpose | None = None,
              **_: Any) -> Decision:
    """A debt in full: its creditor; the agency while assigned; the regulator with SUPERVISION; a mediator's case."""
    refusal = _role_refusal(principal, READ_ROLES)
    if refusal:
        return refusal
    if _retained_for(principal, debt, as_of):
        return Decision.deny("this adverse record is past its 5-year retention period")
    if relation in (Relation.CREDITOR, Relation.ASSIGNED_AGENCY, Relation.CASE_MEDIATOR):
        return Decision.allow()
    if relation is Relation.REGULATOR:
        if purpose is Purpose.SUPERVISION:
            return Decision.allow()
        return Decision.deny("the regulator reads a debt in full with purpose SUPERVISION")
    return Decision.deny("this debt belongs to another institution")


@policy("registry.debt.list")
def debt_list(principal: Principal, _target: Any = None, *, purpose: Purpose | None = None, **_: Any) -> Decision:
    """Listing debts: every member, scoped by ``scoping.debts_in_full``; the regulator only with SUPERVISION."""
    refusal = _role_refusal(principal, READ_ROLES)
    if refusal:
        return refusal
    if principal.kind is Kind.REGULATOR and purpose is not Purpose.SUPERVISION:
        return Decision.deny("the regulator lists debts with purpose SUPERVISION")
    return Decision.allow()


@policy("registry.debtor.report")
def debtor_report(principal: Principal, debtor: Any, *, relation: Relation, purpose: Purpose,
                  consent_ref: str | None, debtor_kind: DebtorKind, **_: Any) -> Decision:
    """The debtor report: debts in full where allowed, and the shared summary of the other institutions' debts.

    Details: ``debts`` (show the debts the principal reads in full), ``summary`` (show the shared summary),
    ``subject_inquiries`` (a data subject's request also lists who looked the debtor up).
    """
    decision = _report_decision(principal, relation, purpose)
    needs_consent = purpose is Purpose.DATA_SUBJECT_REQUEST or (
        purpose is Purpose.CREDIT_APPROVAL and debtor_kind is DebtorKind.PERSON
    )
    if decision.allowed and needs_consent and not consent_ref:
        raise BadInput(f"consentRef is required to look up a person with purpose {purpose.name}", field="consentRef")
    return decision


def _report_decision(principal: Principal, relation: Relation, purpose: Purpose) -> Decision:
    refusal = _role_refusal(principal, READ_ROLES)
    if refusal:
        return refusal
    kind = principal.kind
    if purpose is Purpose.SUPERVISION and kind is not Kind.REGULATOR:
        return Decision.deny("purpose SUPERVISION is the regulator's")
    dsr = purpose is Purpose.DATA_SUBJECT_REQUEST
    if kind is Kind.REGULATOR:
        return Decision.allow(debts=purpose is Purpose.SUPERVISION, summary=True, subject_inquiries=dsr)
    if kind is Kind.BANK:
        if relation is Relation.CREDITOR:
            return Decision.allow(debts=True, summary=True, subject_inquiries=dsr)
        if purpose in SHARED_PURPOSES_OTHER_BANK:
            return Decision.allow(debts=False, summary=True, subject_inquiries=False)
        return Decision.deny(f"purpose {purpose.name} needs the debtor to be the bank's own customer")
    if kind is Kind.MEDIATOR and relation is Relation.CASE_MEDIATOR:
        return Decision.allow(debts=True, summary=True, subject_inquiries=False)
    if kind is Kind.TRACER and relation is Relation.REQUEST_TRACER:
        return Decision.allow(debts=False, summary=True, subject_inquiries=False)
    if kind is Kind.AGENCY:
        return Decision.deny("agencies see debtors through their assigned debts, not the shared summary")
    return Decision.deny("this debtor is not in one of the institution's cases or requests")


@policy("registry.debtor.identity")
def debtor_identity(principal: Principal, _debtor: Any = None, *, relation: Relation,
                    purpose: Purpose | None = None, **_: Any) -> Decision:
    """How much of the identity number (or USCC) shows: ``view`` is whole, masked or hidden."""
    view = IdentityView.HIDDEN
    if relation is Relation.CREDITOR:
        view = IdentityView.WHOLE
    elif relation is Relation.REGULATOR:
        view = IdentityView.WHOLE if purpose is Purpose.SUPERVISION else IdentityView.MASKED
    elif relation in _MASKED_RELATIONS or principal.kind is Kind.BANK:  # another bank: once the report was allowed
        view = IdentityView.MASKED
    return Decision.allow(view=view)


@policy("registry.debtor.contact")
def debtor_contact(principal: Principal, _debtor: Any = None, *, relation: Relation, **_: Any) -> Decision:
    """Phone and address: creditor, assigned agency and case mediator see both; a tracer the address only."""
    both = relation in (Relation.CREDITOR, Relation.ASSIGNED_AGENCY, Relation.CASE_MEDIATOR)
    return Decision.allow(phone=both, address=both or relation is Relation.REQUEST_TRACER)


@policy("registry.inquiry.list")
def inquiry_list(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Every member lists inquiries, scoped by ``scoping.inquiries_visible``."""
    return _role_refusal(principal, READ_ROLES) or Decision.allow()


def _creditor_write(principal: Principal, creditor_id: int | None, what: str) -> Decision:
    refusal = _role_refusal(principal, WRITE_ROLES)
    if refusal:
        return refusal
    if principal.kind is not Kind.BANK:
        return Decision.deny(f"only the creditor bank may {what}")
    if creditor_id is not None and creditor_id != principal.institution_id:
        return Decision.deny(f"only the creditor bank may {what}")
    return Decision.allow()


@policy("registry.debt.report")
def debt_report(principal: Principal, debt: Any = None, **_: Any) -> Decision:
    """Report (or, with the same client key, update) a debt: a bank, for its own debts."""
    return _creditor_write(principal, None if debt is None else debt.creditor_id, "report or correct a debt")


@policy("registry.debt.correct")
def debt_correct(principal: Principal, debt: Any, **_: Any) -> Decision:
    """Correct a debt: its creditor bank."""
    return _creditor_write(principal, debt.creditor_id, "report or correct a debt")


@policy("registry.assignment.create")
def assignment_create(principal: Principal, debt: Any, **_: Any) -> Decision:
    """Assign a debt to an agency: its creditor bank."""
    return _creditor_write(principal, debt.creditor_id, "assign a debt to an agency")


@policy("registry.assignment.end")
def assignment_end(principal: Principal, assignment: Any, **_: Any) -> Decision:
    """End an assignment: the creditor bank that made it."""
    return _creditor_write(principal, assignment.creditor_id, "end an assignment")


@policy("registry.dispute.open")
def dispute_open(principal: Principal, _debt: Any = None, **_: Any) -> Decision:
    """Open a dispute: the data subject, through any bank or the regulator."""
    refusal = _role_refusal(principal, WRITE_ROLES)
    if refusal:
        return refusal
    if principal.kind in (Kind.BANK, Kind.REGULATOR):
        return Decision.allow()
    return Decision.deny("a dispute is opened through a bank or the regulator")


@policy("registry.dispute.answer")
def dispute_answer(principal: Principal, dispute: Any, **_: Any) -> Decision:
    """Answer a dispute: the creditor bank of the disputed debt."""
    return _creditor_write(principal, dispute.creditor_id, "answer a dispute")
