"""Audit tables: recordings (sealed blobs), transcripts (encrypted turns), monitor and auditor findings, uploaded
transcript batches, spot checks with their review queue, and auditors' decisions on findings.

``agency_id`` and ``creditor_id`` are copied from the contact attempt onto every row so that listing and PostgreSQL
row-level security never need a join to decide who may see a row.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base
from portal.core.timeutil import utcnow


class Recording(Base):
    """The audio of one contact attempt, sealed in segments under the uploading agency's data key."""

    __tablename__ = "audit_recordings"
    __table_args__ = (Index("ix_audit_recordings_agency_uploaded", "agency_id", "uploaded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("contact_attempts.id"), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    debt_id: Mapped[int] = mapped_column(ForeignKey("debts.id"), index=True)
    format: Mapped[str] = mapped_column(String(8))
    mime: Mapped[str] = mapped_column(String(40))
    codec: Mapped[str] = mapped_column(String(60))
    channels: Mapped[int] = mapped_column()
    sample_rate: Mapped[int] = mapped_column()
    duration_ms: Mapped[int | None] = mapped_column()
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    store: Mapped[str] = mapped_column(String(16))
    blob_key: Mapped[str] = mapped_column(String(200))
    stored_bytes: Mapped[int] = mapped_column(BigInteger)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class TranscriptBatch(Base):
    """One uploaded JSONL file of transcripts: what was stored, what was refused (line, reason), scan progress."""

    __tablename__ = "audit_transcript_batches"
    __table_args__ = (Index("ix_audit_transcript_batches_agency_uploaded", "agency_id", "uploaded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    filename: Mapped[str | None] = mapped_column(String(200))
    lines_total: Mapped[int] = mapped_column(default=0)
    lines_stored: Mapped[int] = mapped_column(default=0)
    lines_unchanged: Mapped[int] = mapped_column(default=0)
    lines_bad: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    chunks_total: Mapped[int] = mapped_column(default=0)
    chunks_done: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default="received")  # received | scanning | scanned
    scanned_at: Mapped[datetime | None] = mapped_column()


class Transcript(Base):
    """The speaker turns of one attempt (from the agency's speech-to-text), encrypted; scanned by the monitor."""

    __tablename__ = "audit_transcripts"
    __table_args__ = (
        Index("ix_audit_transcripts_batch_id", "batch_id", "id"),
        Index("ix_audit_transcripts_agency_submitted", "agency_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("contact_attempts.id"), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    debt_id: Mapped[int] = mapped_column(ForeignKey("debts.id"))
    language: Mapped[str] = mapped_column(String(2))
    turn_count: Mapped[int] = mapped_column()
    content_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    content_sha256: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    source: Mapped[str] = mapped_column(String(8))  # api | upload | batch
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("audit_transcript_batches.id"))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    scanned_at: Mapped[datetime | None] = mapped_column()
    finding_count: Mapped[int] = mapped_column(default=0)


class AuditFinding(Base):
    """A violation in a call: found by the monitor in a transcript, or added by an auditor who heard it."""

    __tablename__ = "audit_findings"
    __table_args__ = (
        Index("ix_audit_findings_agency_created", "agency_id", "created_at"),
        Index("ix_audit_findings_attempt_id", "attempt_id"),
        Index("ix_audit_findings_transcript_id", "transcript_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("contact_attempts.id"))
    transcript_id: Mapped[int | None] = mapped_column(ForeignKey("audit_transcripts.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    source: Mapped[str] = mapped_column(String(8))  # monitor | auditor
    kind: Mapped[str] = mapped_column(String(12))
    family: Mapped[str] = mapped_column(String(40))
    turn: Mapped[int | None] = mapped_column()
    span_start: Mapped[int | None] = mapped_column()
    span_end: Mapped[int | None] = mapped_column()
    severity: Mapped[str] = mapped_column(String(10))
    confidence: Mapped[float | None] = mapped_column(Float)
    rule_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rule_refs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    review_item_id: Mapped[int | None] = mapped_column(ForeignKey("audit_review_items.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpotCheck(Base):
    """A reproducible stratified random sample of connected calls for auditors to review."""

    __tablename__ = "audit_spot_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    seed: Mapped[int] = mapped_column(BigInteger)
    confidence: Mapped[float] = mapped_column(Float)
    margin: Mapped[float] = mapped_column(Float)
    proportion: Mapped[float] = mapped_column(Float)
    min_per_stratum: Mapped[int] = mapped_column()
    period_from: Mapped[date] = mapped_column()
    period_to: Mapped[date] = mapped_column()
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    population: Mapped[int] = mapped_column()
    sample_size: Mapped[int] = mapped_column()
    required_size: Mapped[int] = mapped_column()
    strata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewItem(Base):
    """One sampled call in an auditor's queue: listen, read, decide each finding, add missed ones, notes."""

    __tablename__ = "audit_review_items"
    __table_args__ = (
        UniqueConstraint("spot_check_id", "attempt_id", name="spot_check_attempt"),
        Index("ix_audit_review_items_spot_check_position", "spot_check_id", "position"),
        Index("ix_audit_review_items_agency_month", "agency_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    spot_check_id: Mapped[int] = mapped_column(ForeignKey("audit_spot_checks.id", ondelete="CASCADE"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("contact_attempts.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    stratum: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column()
    month: Mapped[str] = mapped_column(String(7))  # the call's month in Asia/Shanghai, YYYY-MM
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | reviewed
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    notes: Mapped[str | None] = mapped_column(Text)


class FindingReview(Base):
    """An auditor's decision on one monitor finding of a sampled call."""

    __tablename__ = "audit_finding_reviews"
    __table_args__ = (UniqueConstraint("item_id", "finding_id", name="item_finding"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("audit_review_items.id", ondelete="CASCADE"))
    finding_id: Mapped[int] = mapped_column(ForeignKey("audit_findings.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(10))  # confirmed | dismissed
    note: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
