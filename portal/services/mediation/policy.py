"""Mediation rows of ACCESS.md ("refer a debt to mediation; record agreement and judicial confirmation: creditor
bank refers; the mediator records"):

| action | creditor bank | mediator (its cases) | regulator | other bank, agency, tracer, other mediator |
|---|---|---|---|---|
| ``mediation.case.refer`` | its own debts (operator) | no | no | no |
| ``mediation.case.read`` | its cases | cases referred to it | all (supervision) | none (NOT_FOUND / FORBIDDEN) |
| ``mediation.case.decide`` (accept, decline) | no | its cases (operator) | no | no |
| ``mediation.case.record`` (invitation, session, agreement, application, ruling, failure) | no | its cases | no | no |
| ``mediation.case.withdraw`` | its cases (operator) | no | no | no |
| ``mediation.case.sweep`` (daily deadline flags) | the shell operator and scheduled jobs only | | | |
"""

from __future__ import annotations

from typing import Any

from portal.access import Decision, Kind, Principal, policy
from portal.registry.policy import READ_ROLES, WRITE_ROLES


def _reads(principal: Principal) -> bool:
    return principal.institution_id is not None and bool(principal.roles & READ_ROLES)


def _writes(principal: Principal) -> bool:
    return principal.institution_id is not None and bool(principal.roles & WRITE_ROLES)


@policy("mediation.case.refer")
def case_refer(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """A bank's operators refer the bank's own debts (the operation checks the debts are its own)."""
    if principal.kind is Kind.BANK and _writes(principal):
        return Decision.allow()
    return Decision.deny("only a creditor bank's operators refer debts to mediation")


@policy("mediation.case.read")
def case_read(principal: Principal, case: Any = None, **_: Any) -> Decision:
    """Without a case: the scope of cases listed (``creditor``, ``mediator`` or ``all``). With one: whether it is in
    that scope. Agencies and tracers see no case at all."""
    if not _reads(principal):
        return Decision.deny("reading mediation cases needs the analyst, operator or auditor role")
    scope = {Kind.REGULATOR: "all", Kind.BANK: "creditor", Kind.MEDIATOR: "mediator"}.get(principal.kind)
    if scope is None:
        return Decision.deny("mediation cases are shown to the referring bank, the mediator and the regulator only")
    if case is not None and not in_scope(scope, principal, case):
        return Decision.deny("this mediation case is not yours")
    return Decision.allow(scope=scope)


def in_scope(scope: str, principal: Principal, case: Any) -> bool:
    """Whether ``case`` is in a read scope granted by :func:`case_read`."""
    if scope == "all":
        return True
    if scope == "creditor":
        return case.creditor_id == principal.institution_id
    return scope == "mediator" and case.mediator_id == principal.institution_id


def _case_mediator(principal: Principal, case: Any) -> bool:
    return (
        principal.kind is Kind.MEDIATOR
        and case is not None
        and case.mediator_id == principal.institution_id
        and _writes(principal)
    )


@policy("mediation.case.decide")
def case_decide(principal: Principal, case: Any = None, **_: Any) -> Decision:
    """The mediation centre the case was referred to accepts or declines it."""
    if _case_mediator(principal, case):
        return Decision.allow()
    return Decision.deny("only the operators of the mediation centre the case was referred to accept or decline it")


@policy("mediation.case.record")
def case_record(principal: Principal, case: Any = None, **_: Any) -> Decision:
    """The case's mediator records invitations, sessions, the agreement, the confirmation and the failure."""
    if _case_mediator(principal, case):
        return Decision.allow()
    return Decision.deny("only the operators of the case's mediation centre record its progress")


@policy("mediation.case.withdraw")
def case_withdraw(principal: Principal, case: Any = None, **_: Any) -> Decision:
    """The referring bank withdraws its case."""
    if principal.kind is Kind.BANK and case is not None and case.creditor_id == principal.institution_id \
            and _writes(principal):
        return Decision.allow()
    return Decision.deny("only the referring bank's operators withdraw a mediation case")


@policy("mediation.case.sweep")
def case_sweep(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """The daily sweep that flags missed confirmation deadlines runs as the shell operator (or a scheduled job)."""
    if principal.operator or (principal.system and principal.kind is Kind.REGULATOR):
        return Decision.allow()
    return Decision.deny("the confirmation-deadline sweep is run by the portal itself")
