"""The auditors' inbox: queued calls of every spot check, newest sample first, with what a reviewer needs to pick
one (agency, call time, recording, number of monitor findings). The review itself is ``spotchecks.py``'s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.errors import BadInput
from portal.services.audit import policy as _policy  # noqa: F401 - registers the policies
from portal.services.audit.models import AuditFinding, Recording, ReviewItem, SpotCheck
from portal.services.audit.operations.common import institution_codes
from portal.services.compliance.models import ContactAttempt

INBOX_STATUSES = ("pending", "reviewed", "all")
MAX_PAGE = 10_000


@dataclass(frozen=True)
class InboxRow:
    """One queued call as listed: the item, its spot check, the agency's code, the call's start, the recording's id
    (None when the call has no recording) and how many findings the monitor made on it."""

    item: ReviewItem
    spot_check: SpotCheck
    agency: str
    started_at: datetime
    recording_id: int | None
    monitor_findings: int


@dataclass(frozen=True)
class InboxPage:
    """A page of the inbox (1-based) and whether another follows."""

    rows: list[InboxRow]
    page: int
    has_next: bool


@guarded("audit.spotcheck.read")
def review_inbox(principal: Principal, status: str = "pending", *, page: int = 1, per_page: int = 25,
                 session: Session) -> InboxPage:
    """Queued calls with ``status`` (pending, reviewed or all) across spot checks: newest spot check first, each in
    its seeded queue order."""
    check_access("audit.spotcheck.read", principal)
    if status not in INBOX_STATUSES:
        raise BadInput(f"status {status!r} must be one of {', '.join(INBOX_STATUSES)}", field="status")
    if isinstance(page, bool) or not str(page).strip().lstrip("-").isdigit():
        raise BadInput(f"page {page!r} must be a whole number", field="page")
    page = int(str(page).strip())
    if not 1 <= page <= MAX_PAGE:
        raise BadInput(f"page {page} must be between 1 and {MAX_PAGE}", field="page")
    per_page = max(1, min(int(per_page), 200))
    monitor = (select(func.count(AuditFinding.id))
               .where(AuditFinding.attempt_id == ReviewItem.attempt_id, AuditFinding.source == "monitor")
               .correlate(ReviewItem).scalar_subquery())
    stmt = (select(ReviewItem, SpotCheck, ContactAttempt.started_at, Recording.id, monitor)
            .join(SpotCheck, SpotCheck.id == ReviewItem.spot_check_id)
            .join(ContactAttempt, ContactAttempt.id == ReviewItem.attempt_id)
            .outerjoin(Recording, Recording.attempt_id == ReviewItem.attempt_id))
    if status != "all":
        stmt = stmt.where(ReviewItem.status == status)
    stmt = (stmt.order_by(SpotCheck.created_at.desc(), SpotCheck.id.desc(), ReviewItem.position)
            .offset((page - 1) * per_page).limit(per_page + 1))
    found = session.execute(stmt).all()
    codes = institution_codes(session, {r[0].agency_id for r in found})
    rows = [InboxRow(item, check, codes[item.agency_id], started, rec_id, int(count or 0))
            for item, check, started, rec_id, count in found[:per_page]]
    return InboxPage(rows, page, len(found) > per_page)
