"""Shared helpers of the audit operations: attempt look-up, the "still works the debt" test, row scoping, periods,
and the catalogue facts (family, severity) of a kind."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from portal.access import Kind, Principal
from portal.core.errors import BadInput, NotFound, Unauthenticated
from portal.core.ids import MAX_ID, parse_id
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
    if not isinstance(ref, str | int):
        raise BadInput(f"attempt: {ref!r} is neither an id nor a client key", field="attempt")
    attempt = resolve_attempts(session, principal, [ref]).get(ref)
    if attempt is None:
        raise NotFound(f"contact attempt {ref!r} not found", field="attempt")
    return attempt


def _numeric_ref(ref: object) -> int | None:
    """The attempt id a reference may name: an int in range, or a short all-digit string."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref if 0 < ref <= MAX_ID else None
    if isinstance(ref, str) and ref.isdigit() and len(ref) < 19:
        return int(ref)
    return None


def resolve_attempts(session: Session, principal: Principal, refs: Iterable[object]) -> dict[object, ContactAttempt]:
    """The attempts named by ``refs`` (unknown ones left out): an agency's own client keys first, then numeric ids —
    two queries at most, however many references."""
    refs = list(refs)
    found: dict[object, ContactAttempt] = {}
    keys = {r for r in refs if isinstance(r, str)}
    if keys and principal.kind is Kind.AGENCY:
        for a in session.scalars(select(ContactAttempt).where(ContactAttempt.agency_id == principal.institution_id,
                                                               ContactAttempt.client_key.in_(keys))):
            found[a.client_key] = a
    wanted = {r: i for r in refs if r not in found and (i := _numeric_ref(r)) is not None}
    if wanted:
        by_id = {a.id: a for a in session.scalars(select(ContactAttempt).where(
            ContactAttempt.id.in_(set(wanted.values()))))}
        found.update({r: by_id[i] for r, i in wanted.items() if i in by_id})
    return found


def worked_debts(session: Session, principal: Principal, rows: Iterable[object]) -> set[int]:
    """Debts of the principal's own ``rows`` (with agency_id and debt_id) actively assigned to the principal's
    agency, in one query; empty for anyone but an agency."""
    if principal.kind is not Kind.AGENCY:
        return set()
    debts = {r.debt_id for r in rows if getattr(r, "agency_id", None) == principal.institution_id}
    if not debts:
        return set()
    return set(session.scalars(select(DebtAssignment.debt_id).where(
        DebtAssignment.debt_id.in_(debts), DebtAssignment.agency_id == principal.institution_id,
        DebtAssignment.active.is_(True))))


def working(session: Session, principal: Principal, row: object) -> bool:
    """Whether an agency principal acts on its own row of a debt actively assigned to it (no query otherwise)."""
    return getattr(row, "debt_id", None) in worked_debts(session, principal, [row])


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
