"""Shared helpers of the tracing operations: ids, row scoping of requests and alerts (ACCESS.md as SQL), and
canonical payload hashes for idempotent keys."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, true
from sqlalchemy.orm import Session

from portal.access import Kind, Principal
from portal.core.errors import BadInput, NotFound, Unauthenticated
from portal.core.ids import parse_id
from portal.registry.models import Debt, DebtAssignment
from portal.services.tracing.models import TracingAlert, TracingRequest
from portal.tenancy.models import Institution

MAX_KEY = 100


def ident(principal: Principal, value: object, field: str) -> int:
    """``value`` as an id; the anonymous are refused first (their requests never reach input validation)."""
    if not principal.is_authenticated:
        raise Unauthenticated("sign in or present an API token")
    return parse_id(value, field)


def client_key(value: object, field: str = "clientKey") -> str:
    """A non-empty client key of at most ``MAX_KEY`` characters."""
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"{field} is required", field=field)
    if len(value) > MAX_KEY:
        raise BadInput(f"{field} may have at most {MAX_KEY} characters", field=field)
    return value.strip()


def payload_sha(payload: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``payload`` (never fed a clear identifier: callers put its keyed hash)."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def institution_by_code(session: Session, code: object, field: str) -> Institution:
    """The institution ``code``; NotFound naming it."""
    from sqlalchemy import select

    if not isinstance(code, str) or not code:
        raise BadInput(f"{field} is required", field=field)
    inst = session.scalar(select(Institution).where(Institution.code == code))
    if inst is None:
        raise NotFound(f"institution {code!r} not found", field=field)
    return inst


def requests_visible(principal: Principal) -> ColumnElement[bool]:
    """Requests the principal may list: a bank its own, a tracer those made to it, the regulator all."""
    kind, inst = principal.kind, principal.institution_id
    if kind is Kind.REGULATOR:
        return true()
    if kind is Kind.BANK:
        return TracingRequest.creditor_id == inst
    if kind is Kind.TRACER:
        return TracingRequest.tracer_id == inst
    return false()


def debtor_visible(principal: Principal, debtor_id: Any) -> ColumnElement[bool]:
    """SQL condition that alerts about ``debtor_id`` show to the principal (ACCESS.md 'tracing alerts' row)."""
    kind, inst = principal.kind, principal.institution_id
    if kind is None or inst is None:
        return false()
    if kind is Kind.REGULATOR:
        return true()
    if kind is Kind.BANK:
        return exists().where(Debt.debtor_id == debtor_id, Debt.creditor_id == inst)
    if kind is Kind.AGENCY:
        return exists().where(Debt.debtor_id == debtor_id, DebtAssignment.debt_id == Debt.id,
                              DebtAssignment.agency_id == inst, DebtAssignment.active.is_(True))
    if kind is Kind.TRACER:
        return exists().where(and_(TracingRequest.debtor_id == debtor_id, TracingRequest.tracer_id == inst,
                                   TracingRequest.status == "open"))
    return false()


def alerts_visible(principal: Principal) -> ColumnElement[bool]:
    """Alerts the principal may list."""
    return debtor_visible(principal, TracingAlert.debtor_id)
