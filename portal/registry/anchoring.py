"""Anchoring the inquiry log in the evidence log, so no one can quietly delete or alter an inquiry.

Each run takes the inquiries written since the last anchor (by id), folds them into a hash chain
``digest_n = sha256(digest_{n-1} || canonical rows)`` and commits the digest to the evidence log as the regulator.
``verify_inquiry_anchors`` recomputes every anchored range from the table and names the first range whose rows no
longer hash to what was anchored (a deleted, altered or inserted inquiry).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.access import Decision, Principal, check_access, guarded, policy
from portal.core.db import Base
from portal.core.timeutil import as_utc, utcnow
from portal.registry.models import Inquiry
from portal.services.evidence import operations as evidence

GENESIS = "0" * 64
MAX_ROWS = 50_000


class InquiryAnchor(Base):
    """One anchored range of the inquiry log and its chained digest."""

    __tablename__ = "inquiry_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[int] = mapped_column()
    last_id: Mapped[int] = mapped_column()
    row_count: Mapped[int] = mapped_column()
    prev_digest: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    evidence_entry_id: Mapped[int] = mapped_column(ForeignKey("evidence_entries.id"))
    anchored_at: Mapped[datetime] = mapped_column(default=utcnow)


@policy("registry.inquiry.anchor")
def inquiry_anchor(principal: Principal, _target: object = None, **_: object) -> Decision:
    """The scheduler (acting as the regulator) or the operator anchors the inquiry log."""
    if principal.operator or (principal.system and principal.kind is not None and principal.kind.value == "regulator"):
        return Decision.allow()
    return Decision.deny("the inquiry log is anchored by the regulator's scheduler")


def _fold(prev: str, rows: list[tuple]) -> str:
    digest = hashlib.sha256(prev.encode())
    for row in rows:
        inquiry_id, at, user_id, institution_id, debtor_id, purpose, consent_ref = row
        line = [inquiry_id, as_utc(at).isoformat(), user_id, institution_id, debtor_id, purpose, consent_ref]
        digest.update(json.dumps(line, separators=(",", ":"), ensure_ascii=False).encode() + b"\n")
    return digest.hexdigest()


def _rows(session: Session, first_id: int, last_id: int | None = None, limit: int | None = None) -> list[tuple]:
    cols = (Inquiry.id, Inquiry.at, Inquiry.user_id, Inquiry.institution_id, Inquiry.debtor_id, Inquiry.purpose,
            Inquiry.consent_ref)
    stmt = select(*cols).where(Inquiry.id >= first_id).order_by(Inquiry.id)
    if last_id is not None:
        stmt = stmt.where(Inquiry.id <= last_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [tuple(r) for r in session.execute(stmt)]


@guarded("registry.inquiry.anchor")
def anchor_inquiries(principal: Principal, *, session: Session) -> InquiryAnchor | None:
    """Anchor the inquiries written since the last anchor (None when there are none)."""
    check_access("registry.inquiry.anchor", principal)
    last = session.scalars(select(InquiryAnchor).order_by(InquiryAnchor.id.desc()).limit(1)).first()
    prev_digest, start = (last.digest, last.last_id + 1) if last else (GENESIS, 1)
    rows = _rows(session, start, limit=MAX_ROWS)
    if not rows:
        return None
    digest = _fold(prev_digest, rows)
    first_id, last_id = rows[0][0], rows[-1][0]
    stored = evidence.anchor_digest(principal, digest, label=f"inquiries {first_id}-{last_id}", session=session,
                                    institution=principal.institution_code)
    anchor = InquiryAnchor(first_id=first_id, last_id=last_id, row_count=len(rows), prev_digest=prev_digest,
                           digest=digest, evidence_entry_id=stored.entry_id)
    session.add(anchor)
    session.flush()
    return anchor


@dataclass(frozen=True)
class AnchorProblem:
    """An anchored range whose rows no longer hash to the anchored digest."""

    anchor_id: int
    first_id: int
    last_id: int
    reason: str


@guarded("registry.inquiry.anchor")
def verify_inquiry_anchors(principal: Principal, *, session: Session) -> list[AnchorProblem]:
    """Recompute every anchored range; an empty list means the inquiry log is as it was anchored."""
    check_access("registry.inquiry.anchor", principal)
    problems = []
    prev = GENESIS
    for anchor in session.scalars(select(InquiryAnchor).order_by(InquiryAnchor.id)):
        rows = _rows(session, anchor.first_id, anchor.last_id)
        if anchor.prev_digest != prev:
            problems.append(AnchorProblem(anchor.id, anchor.first_id, anchor.last_id, "the anchor chain is broken"))
        elif len(rows) != anchor.row_count:
            problems.append(AnchorProblem(anchor.id, anchor.first_id, anchor.last_id,
                                          f"{anchor.row_count} inquiries were anchored, {len(rows)} remain"))
        elif _fold(prev, rows) != anchor.digest:
            problems.append(AnchorProblem(anchor.id, anchor.first_id, anchor.last_id,
                                          "an inquiry in this range was altered"))
        prev = anchor.digest
    return problems
