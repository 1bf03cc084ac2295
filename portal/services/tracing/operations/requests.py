"""Tracing requests: a creditor bank asks a tracer to trace the debtor of one of its debts (idempotent by client
key); the tracer (or the bank) closes it; each side lists its own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access import Kind, Principal, check_access, guarded
from portal.core.activity import record_activity
from portal.core.errors import BadInput, Conflict, NotFound
from portal.core.timeutil import utcnow
from portal.registry.models import Debt
from portal.services.tracing import policy as _policy  # noqa: F401 - registers the policies
from portal.services.tracing.models import TracingRequest
from portal.services.tracing.operations.common import (
    client_key,
    ident,
    institution_by_code,
    payload_sha,
    requests_visible,
)

MAX_REASON = 2000


@guarded("tracing.request.create")
def request_tracing(principal: Principal, debt_id: object, tracer: object, reason: object, key: object, *,
                    session: Session) -> tuple[TracingRequest, bool]:
    """Ask ``tracer`` (an institution code of kind tracer) to trace the debtor of the bank's debt ``debt_id``.

    Returns (request, created). The same client key with the same payload returns the earlier request; with a
    different payload it is a Conflict."""
    check_access("tracing.request.create", principal)
    debt = session.get(Debt, ident(principal, debt_id, "debtId"))
    if debt is None:
        raise NotFound(f"no debt with id {debt_id!r}", field="debtId")
    check_access("tracing.request.create", principal, debt)
    key = client_key(key)
    inst = institution_by_code(session, tracer, "tracer")
    if inst.kind != Kind.TRACER.value:
        raise BadInput(f"institution {inst.code!r} is not a tracer", field="tracer")
    if not isinstance(reason, str) or not reason.strip():
        raise BadInput("reason is required", field="reason")
    if len(reason) > MAX_REASON:
        raise BadInput(f"reason may have at most {MAX_REASON} characters", field="reason")
    sha = payload_sha({"debt": debt.id, "tracer": inst.id, "reason": reason.strip()})
    existing = session.scalar(select(TracingRequest).where(TracingRequest.creditor_id == principal.institution_id,
                                                           TracingRequest.client_key == key))
    if existing is not None:
        if existing.payload_sha256 != sha:
            raise Conflict(f"clientKey {key!r} was already used for a different tracing request", field="clientKey")
        return existing, False
    row = TracingRequest(creditor_id=principal.institution_id, tracer_id=inst.id, debt_id=debt.id,
                         debtor_id=debt.debtor_id, client_key=key, reason=reason.strip(), payload_sha256=sha,
                         status="open", requested_by=principal.user_id)
    session.add(row)
    session.flush()
    record_activity(session, principal, "tracing.request.create", object_type="tracing_request", object_id=row.id)
    return row, True


def _visible_request(session: Session, principal: Principal, request_id: object) -> TracingRequest:
    """A request the principal may see; NotFound otherwise (others learn nothing of its existence)."""
    rid = ident(principal, request_id, "id")
    row = session.scalar(select(TracingRequest).where(TracingRequest.id == rid, requests_visible(principal)))
    if row is None:
        raise NotFound(f"tracing request {request_id!r} not found", field="id")
    return row


@guarded("tracing.request.close")
def close_request(principal: Principal, request_id: object, note: str | None = None, *,
                  session: Session) -> TracingRequest:
    """Close a request (the tracer when done, or the bank withdrawing it); closing twice changes nothing. A closed
    request no longer links the tracer to the debt."""
    check_access("tracing.request.close", principal)
    row = _visible_request(session, principal, request_id)
    check_access("tracing.request.close", principal, row)
    if row.status == "closed":
        return row
    row.status, row.closed_at, row.closed_by = "closed", utcnow(), principal.user_id
    row.close_note = (note or "")[:500] or None
    session.flush()
    record_activity(session, principal, "tracing.request.close", object_type="tracing_request", object_id=row.id)
    return row


@guarded("tracing.request.list")
def list_requests(principal: Principal, *, after: int | None, limit: int, status: str | None = None,
                  session: Session) -> Sequence[TracingRequest]:
    """The requests the principal may see, ascending keyset page by id."""
    check_access("tracing.request.list", principal)
    conds = [requests_visible(principal)]
    if status:
        if status not in ("open", "closed"):
            raise BadInput(f"status {status!r} is not open or closed", field="status")
        conds.append(TracingRequest.status == status)
    if after is not None:
        conds.append(TracingRequest.id > int(after))
    return session.scalars(select(TracingRequest).where(*conds).order_by(TracingRequest.id).limit(limit)).all()


@guarded("tracing.request.list")
def get_request(principal: Principal, request_id: object, *, session: Session) -> TracingRequest:
    """One request the principal may see."""
    check_access("tracing.request.list", principal)
    return _visible_request(session, principal, request_id)
