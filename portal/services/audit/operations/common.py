"""Shared helpers of the audit operations: attempt look-up, the "still works the debt" test, row scoping, periods,
and the catalogue facts (family, severity) of a kind."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from portal.access import Kind, Principal
from portal.core.errors import BadInput, NotFound, Unauthenticated
from portal.core.ids import parse_id
from portal.core.timeutil import SHANGHAI
from portal.registry.models import DebtAssignment
from portal.services.compliance.models import ContactAttempt
from portal.tenancy.models import Institution

RECORDED_CHANNELS = ("call", "ai_voice", "visit")
"""Channels whose connected attempts must be recorded (the standards' CS-REC-01 rule)."""
COVERAGE_RULE = "CS-REC-01"
COVERAGE_KIND = "AUDIT-REC-MISSING"


def ident(principal: Principal, value: object, field: str) -> int:
    """``value`` as an id; the anonymous are refused first (their requests never reach input validation)."""
    if not principal.is_authenticated:
        raise Unauthenticated("sign in or present an API token")
    return parse_id(value, field)


def load_attempt(session: Session, principal: Principal, ref: object) -> ContactAttempt:
    """The attempt named by ``ref``: the principal's own client key first, then a numeric attempt id."""
    if not principal.is_authenticated:
        raise Unauthenticated("sign in or present an API token")
    if ref is None or ref == "" or isinstance(ref, bool):
        raise BadInput("a contact attempt id or client key is required", field="attempt")
    attempt = None
    if isinstance(ref, str) and principal.kind is Kind.AGENCY:
        attempt = session.scalar(select(ContactAttempt).where(
            ContactAttempt.agency_id == principal.institution_id, ContactAttempt.client_key == ref))
    if attempt is None and (isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit() and len(ref) < 19)):
        attempt = session.get(ContactAttempt, int(ref))
    if attempt is None:
        raise NotFound(f"contact attempt {ref!r} not found", field="attempt")
    return attempt


def works_debt(session: Session, agency_id: int, debt_id: int) -> bool:
    """Whether the debt is actively assigned to the agency (one indexed query)."""
    return session.scalar(select(DebtAssignment.id).where(
        DebtAssignment.debt_id == debt_id, DebtAssignment.agency_id == agency_id,
        DebtAssignment.active.is_(True)).limit(1)) is not None


def working(session: Session, principal: Principal, row: object) -> bool:
    """``works_debt`` for an agency principal acting on its own row (False, without a query, otherwise)."""
    if principal.kind is not Kind.AGENCY or getattr(row, "agency_id", None) != principal.institution_id:
        return False
    return works_debt(session, principal.institution_id, row.debt_id)


def visible(principal: Principal, model: type) -> ColumnElement[bool]:
    """Rows of ``model`` (with agency_id and creditor_id) the principal may list: ACCESS.md's audit rows."""
    kind, inst = principal.kind, principal.institution_id
    if kind is Kind.REGULATOR:
        return true()
    if kind is Kind.BANK:
        return model.creditor_id == inst
    if kind is Kind.AGENCY:
        return model.agency_id == inst
    return false()


def period_bounds(period_from: date, period_to: date) -> tuple[datetime, datetime]:
    """[from 00:00, to+1 00:00) in Asia/Shanghai, as UTC instants; BadInput for a reversed or huge period."""
    if period_to < period_from:
        raise BadInput(f"to ({period_to}) is before from ({period_from})", field="to")
    if (period_to - period_from).days > 3660:
        raise BadInput("a period may not be longer than ten years", field="to")
    start = datetime.combine(period_from, time(0), SHANGHAI)
    end = datetime.combine(period_to + timedelta(days=1), time(0), SHANGHAI)
    return start, end


def shanghai_month(at: datetime) -> str:
    """``YYYY-MM`` of an instant in Asia/Shanghai."""
    return at.astimezone(SHANGHAI).strftime("%Y-%m")


def institution_id(session: Session, code: str | None) -> int | None:
    """The id of institution ``code`` (None for None); NotFound for an unknown code."""
    if not code:
        return None
    found = session.scalar(select(Institution.id).where(Institution.code == code))
    if found is None:
        raise NotFound(f"institution {code!r} not found", field="agency")
    return found


def institution_codes(session: Session, ids: set[int]) -> dict[int, str]:
    """Codes of the given institutions, in one query."""
    if not ids:
        return {}
    return dict(session.execute(select(Institution.id, Institution.code).where(Institution.id.in_(ids))).all())


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict]:
    """The violating-speech catalogue by kind (loaded with the monitor's data)."""
    from portal.services.audit.monitor import detector

    return detector().data.catalogue


def kind_facts(kind: str) -> tuple[str, str]:
    """(family, severity) of a catalogue kind; BadInput for an unknown kind."""
    entry = catalogue().get(kind)
    if entry is None:
        raise BadInput(f"unknown violation kind {kind!r}", field="kind")
    return entry["family"], entry["severity"]
