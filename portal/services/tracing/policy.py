"""Tracing rows of ACCESS.md: "request tracing; post tracing signals: creditor bank requests; the tracer posts" and
"tracing alerts: the creditor bank about its debtors, the assigned agency about assigned debts, the regulator all,
the tracer its own requests; other banks, other agencies and mediators nothing". Row filters are in
``operations.common`` (``alerts_visible``, ``requests_visible``); these functions decide the action itself."""

from __future__ import annotations

from typing import Any

from portal.access import Decision, Kind, Principal, Role, policy

READ_ROLES = frozenset({Role.ANALYST, Role.OPERATOR, Role.AUDITOR})
WRITE_ROLES = frozenset({Role.OPERATOR})


def _member(principal: Principal, roles: frozenset[Role]) -> Decision | None:
    if principal.kind is None or principal.institution_id is None:
        return Decision.deny("tracing is for member institutions only")
    if not principal.roles & roles:
        return Decision.deny("this needs the " + " or ".join(sorted(r.value for r in roles)) + " role")
    return None


@policy("tracing.request.create")
def request_create(principal: Principal, debt: Any = None, **_: Any) -> Decision:
    """A bank's operator requests tracing of the debtor of one of its own debts."""
    refusal = _member(principal, WRITE_ROLES)
    if refusal:
        return refusal
    if principal.kind is not Kind.BANK:
        return Decision.deny("only a creditor bank requests tracing")
    if debt is not None and debt.creditor_id != principal.institution_id:
        return Decision.deny("tracing may be requested only for the bank's own debts")
    return Decision.allow()


@policy("tracing.request.close")
def request_close(principal: Principal, request: Any = None, **_: Any) -> Decision:
    """The tracer closes its requests; the requesting bank may withdraw its own."""
    refusal = _member(principal, WRITE_ROLES)
    if refusal:
        return refusal
    if principal.kind not in (Kind.TRACER, Kind.BANK):
        return Decision.deny("only the tracer or the requesting bank closes a tracing request")
    if request is None or principal.institution_id in (request.tracer_id, request.creditor_id):
        return Decision.allow()
    return Decision.deny("only the tracer or the requesting bank closes a tracing request")


@policy("tracing.request.list")
def request_list(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Requests: a bank those it made, a tracer those made to it, the regulator all; nobody else."""
    refusal = _member(principal, READ_ROLES)
    if refusal:
        return refusal
    if principal.kind in (Kind.BANK, Kind.TRACER, Kind.REGULATOR):
        return Decision.allow()
    return Decision.deny("tracing requests are shown to the requesting bank, the tracer and the regulator only")


@policy("tracing.signal.post")
def signal_post(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """A tracer's operator posts signals (one, or a JSONL batch)."""
    refusal = _member(principal, WRITE_ROLES)
    if refusal:
        return refusal
    if principal.kind is not Kind.TRACER:
        return Decision.deny("only a tracer posts tracing signals")
    return Decision.allow()


@policy("tracing.signal.list")
def signal_list(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """A tracer lists its own signals (the unresolved queue)."""
    refusal = _member(principal, READ_ROLES)
    if refusal:
        return refusal
    if principal.kind is not Kind.TRACER:
        return Decision.deny("tracing signals are shown to the tracer that posted them")
    return Decision.allow()


@policy("tracing.signal.link")
def signal_link(principal: Principal, signal: Any = None, *, request: Any = None, **_: Any) -> Decision:
    """The tracer links one of its own signals, by hand, to the debtor of one of its own open requests."""
    refusal = _member(principal, WRITE_ROLES)
    if refusal:
        return refusal
    inst = principal.institution_id
    if principal.kind is not Kind.TRACER or (signal is not None and signal.tracer_id != inst):
        return Decision.deny("only the tracer that posted a signal links it")
    if request is not None and (request.tracer_id != inst or request.status != "open"):
        return Decision.deny("a signal is linked to the debtor of one of the tracer's open requests")
    return Decision.allow()


@policy("tracing.alert.compute")
def alert_compute(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Recomputing warning scores: the portal operator, a scheduled job, the regulator, or the posting tracer."""
    if principal.operator or principal.system:
        return Decision.allow()
    refusal = _member(principal, WRITE_ROLES)
    if refusal:
        return refusal
    if principal.kind in (Kind.TRACER, Kind.REGULATOR):
        return Decision.allow()
    return Decision.deny("warning scores are recomputed by the tracer's posts or the portal's jobs")


@policy("tracing.alert.list")
def alert_list(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Alerts: banks about their debtors, agencies about assigned debts, the regulator all, a tracer about its
    requests' debtors; mediators none."""
    refusal = _member(principal, READ_ROLES)
    if refusal:
        return refusal
    if principal.kind is Kind.MEDIATOR:
        return Decision.deny("tracing alerts are not shown to mediators")
    return Decision.allow()


@policy("tracing.alert.acknowledge")
def alert_acknowledge(principal: Principal, _alert: Any = None, *, visible: bool = False, **_: Any) -> Decision:
    """A bank acknowledges an alert about one of its debtors."""
    refusal = _member(principal, WRITE_ROLES)
    if refusal:
        return refusal
    if principal.kind is Kind.BANK and visible:
        return Decision.allow()
    return Decision.deny("only a creditor bank of the debtor acknowledges a tracing alert")
