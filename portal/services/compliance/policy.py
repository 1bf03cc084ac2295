"""Compliance rows of ACCESS.md: standards (regulator publishes), contact attempts and their violations (the
creditor bank of the debt, the agency that made them, the regulator), compliance reports (the agency, the regulator).
"""

from __future__ import annotations

from typing import Any

from portal.access import Decision, Kind, Principal, Role, policy
from portal.registry.vocab import Relation

_WRITERS = frozenset({Role.ADMIN, Role.OPERATOR})


def _writes(principal: Principal) -> bool:
    return bool(principal.roles & _WRITERS)


@policy("compliance.standard.publish")
def standard_publish(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """The regulator publishes standard versions and sets thresholds."""
    if principal.operator or (principal.kind is Kind.REGULATOR and _writes(principal)):
        return Decision.allow()
    return Decision.deny("only the regulator publishes collection standards")


@policy("compliance.standard.read")
def standard_read(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Every member reads the standards in force (they are the rules everyone must meet)."""
    return Decision.allow()


@policy("compliance.attempt.check")
def attempt_check(principal: Principal, _debt: Any = None, *, relation: Relation, **_: Any) -> Decision:
    """An agency asks "may I contact now?" only for debts actively assigned to it."""
    if principal.kind is Kind.AGENCY and relation is Relation.ASSIGNED_AGENCY:
        return Decision.allow()
    return Decision.deny("only the agency the debt is assigned to may plan contact attempts on it")


@policy("compliance.attempt.record")
def attempt_record(principal: Principal, _debt: Any = None, *, relation: Relation, **_: Any) -> Decision:
    """The assigned agency records attempts (the standard in force is checked first)."""
    if principal.kind is Kind.AGENCY and relation is Relation.ASSIGNED_AGENCY and _writes(principal):
        return Decision.allow()
    return Decision.deny("only the assigned agency's operators record contact attempts on this debt")


@policy("compliance.attempt.list")
def attempt_list(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Attempts and violations: a bank of its debts, an agency its own, the regulator all; nobody else."""
    if principal.kind in (Kind.BANK, Kind.AGENCY, Kind.REGULATOR):
        return Decision.allow(scope=principal.kind)
    return Decision.deny("contact attempts are shown to the creditor bank, the agency and the regulator only")


@policy("compliance.event.record")
def event_record(
    principal: Principal, _target: Any = None, *, event_kind: str, relation: Relation | None = None, **_: Any
) -> Decision:
    """Who states which fact: licences and evaluations the regulator; white-lists the bank; case facts (cease,
    attorney, reachability) the creditor bank or the assigned agency."""
    if not (principal.operator or _writes(principal)):
        return Decision.deny("recording case events needs the operator or admin role")
    if event_kind in {"licence_granted", "licence_revoked", "agency_evaluated"}:
        ok = principal.operator or principal.kind is Kind.REGULATOR
    elif event_kind in {"whitelisted", "delisted"}:
        ok = principal.operator or principal.kind is Kind.BANK
    else:
        ok = principal.operator or relation in (Relation.CREDITOR, Relation.ASSIGNED_AGENCY)
    return Decision.allow() if ok else Decision.deny(f"{event_kind} events are not yours to record")


@policy("compliance.report.file")
def report_file(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """An agency files compliance reports for itself."""
    if principal.kind is Kind.AGENCY and _writes(principal):
        return Decision.allow()
    return Decision.deny("compliance reports are filed by an agency's operators or admins")


@policy("compliance.report.read")
def report_read(principal: Principal, report: Any = None, **_: Any) -> Decision:
    """An agency its own reports; the regulator all; no bank, mediator or tracer."""
    if principal.kind is Kind.REGULATOR:
        return Decision.allow(scope="all")
    if principal.kind is Kind.AGENCY and (report is None or report.agency_id == principal.institution_id):
        return Decision.allow(scope="own")
    return Decision.deny("compliance reports are shown to the filing agency and the regulator only")


@policy("compliance.report.review")
def report_review(principal: Principal, _report: Any = None, **_: Any) -> Decision:
    """The regulator accepts or returns a filed report."""
    if principal.kind is Kind.REGULATOR and (principal.roles & {Role.ADMIN, Role.OPERATOR, Role.AUDITOR}):
        return Decision.allow()
    return Decision.deny("only the regulator reviews compliance reports")
