"""Tables of the compliance service: published standard versions, contact attempts and their violations, case and
agency events the standards read, and agencies' compliance reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base
from portal.core.timeutil import utcnow


class PublishedStandard(Base):
    """A standard version the regulator put in force from ``effective_from``; the TOML text is kept verbatim."""

    __tablename__ = "published_standards"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_published_standards_code_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(40))
    effective_from: Mapped[datetime] = mapped_column(index=True)
    source_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactAttempt(Base):
    """One contact attempt of an agency on an assigned debt: refused before contact, planned, or logged.

    The phone number is personal data: only its keyed look-up hash (what the standards compare) and a masked form
    are stored.
    """

    __tablename__ = "contact_attempts"
    __table_args__ = (
        UniqueConstraint("agency_id", "client_key", name="uq_contact_attempts_agency_client_key"),
        Index("ix_contact_attempts_debtor_started", "debtor_id", "started_at"),
        Index("ix_contact_attempts_agency_started", "agency_id", "started_at"),
        Index("ix_contact_attempts_debt_started", "debt_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    debt_id: Mapped[int] = mapped_column(ForeignKey("debts.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    client_key: Mapped[str] = mapped_column(String(100))
    number_hash: Mapped[str] = mapped_column(String(64), index=True)
    number_masked: Mapped[str] = mapped_column(String(32))
    counterparty: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(16))
    duration_s: Mapped[int | None] = mapped_column()
    debtor_tz: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(12))  # refused | planned | logged
    standard_code: Mapped[str | None] = mapped_column(String(40))
    standard_version: Mapped[str | None] = mapped_column(String(40))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AttemptViolation(Base):
    """A rule of the standard in force that an attempt broke (planned: the reason it was refused)."""

    __tablename__ = "attempt_violations"
    __table_args__ = (Index("ix_attempt_violations_agency_found", "agency_id", "found_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("contact_attempts.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    rule: Mapped[str] = mapped_column(String(60))
    rule_version: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str] = mapped_column(String(8))  # planned | logged
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    found_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseEvent(Base):
    """An event the standards read: cease requests, attorney representation, reachability, licences, white-lists,
    evaluations (disputes come from the registry's dispute rows, mediation from the mediation service)."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_debtor_at", "debtor_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column()
    debt_id: Mapped[int | None] = mapped_column(ForeignKey("debts.id"), index=True)
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    creditor_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    valid_until: Mapped[datetime | None] = mapped_column()
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComplianceReport(Base):
    """An agency's periodic report: what it declared, what the portal computed from the logs, and the review."""

    __tablename__ = "compliance_reports"
    __table_args__ = (
        UniqueConstraint("agency_id", "client_key", name="uq_compliance_reports_agency_client_key"),
        Index("ix_compliance_reports_agency_period", "agency_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    client_key: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[date] = mapped_column()
    period_end: Mapped[date] = mapped_column()
    due_on: Mapped[date] = mapped_column()
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    late: Mapped[bool] = mapped_column(default=False)
    declared: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed: Mapped[dict[str, Any]] = mapped_column(JSON)
    differences: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    evidence_entry_id: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="filed")  # filed | accepted | returned
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
