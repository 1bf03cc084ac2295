"""Tables of the tracing service: banks' tracing requests, tracers' signals (identifiers only as keyed hashes),
signal batches, the name index used for entity resolution, per-debtor warning state, alerts and acknowledgements.

An open request links its tracer to the request's debt for the registry (``register_debt_link``), so the tracer
gets what ACCESS.md allows it there: the shared summary, the identity number masked, the address only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, exists
from sqlalchemy.orm import Mapped, mapped_column

from portal.access import Kind
from portal.core.db import Base
from portal.core.timeutil import utcnow
from portal.registry.scoping import register_debt_link


class TracingRequest(Base):
    """A creditor bank's request that a tracer trace the debtor of one of its debts."""

    __tablename__ = "tracing_requests"
    __table_args__ = (
        UniqueConstraint("creditor_id", "client_key", name="uq_tracing_requests_creditor_client_key"),
        Index("ix_tracing_requests_tracer_status_debt", "tracer_id", "status", "debt_id"),
        Index("ix_tracing_requests_debtor_status", "debtor_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    tracer_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    debt_id: Mapped[int] = mapped_column(ForeignKey("debts.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    client_key: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    close_note: Mapped[str | None] = mapped_column(String(500))


class TracingBatch(Base):
    """A JSONL batch of signals posted by a tracer: line counts and refused lines with their reasons."""

    __tablename__ = "tracing_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracer_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str | None] = mapped_column(String(200))
    lines_total: Mapped[int] = mapped_column(default=0)
    lines_stored: Mapped[int] = mapped_column(default=0)
    lines_unchanged: Mapped[int] = mapped_column(default=0)
    lines_bad: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    unresolved: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TracingSignal(Base):
    """One early-warning signal. The subject's identifier is kept only as its keyed look-up hash (the registry's
    ``debtor-id`` purpose); name and address serve resolution when the source has no identifier.

    ``status``: resolved (``debtor_id`` set), unresolved (name-only, below threshold: waits for a human), unmatched
    (identifier not in the registry)."""

    __tablename__ = "tracing_signals"
    __table_args__ = (
        UniqueConstraint("tracer_id", "signal_key", name="uq_tracing_signals_tracer_signal_key"),
        Index("ix_tracing_signals_debtor_observed", "debtor_id", "observed_at"),
        Index("ix_tracing_signals_tracer_status_id", "tracer_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracer_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    signal_key: Mapped[str] = mapped_column(String(100))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    subject_kind: Mapped[str | None] = mapped_column(String(12))  # PERSON | ENTERPRISE when an identifier was given
    subject_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    subject_masked: Mapped[str | None] = mapped_column(String(24))
    subject_name: Mapped[str | None] = mapped_column(String(200))
    name_key: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    district: Mapped[str | None] = mapped_column(String(40))
    observed_at: Mapped[datetime] = mapped_column()
    severity: Mapped[str] = mapped_column(String(8))
    source: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10))
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"))
    match_method: Mapped[str | None] = mapped_column(String(12))  # identifier | name | manual
    match_score: Mapped[float | None] = mapped_column()
    match_explain: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("tracing_batches.id"))
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()


class TracingNameKey(Base):
    """The normalised name of an enterprise debtor (a derived index kept by the tracing service, refreshed from the
    registry before resolution): exact key and blocking key for set-based candidate look-up."""

    __tablename__ = "tracing_name_keys"

    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    block: Mapped[str] = mapped_column(String(8), index=True)
    district: Mapped[str | None] = mapped_column(String(40))
    indexed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TracingWatch(Base):
    """The latest warning of a debtor (score, level, contributions): alerts fire when the level rises."""

    __tablename__ = "tracing_watch"

    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    score: Mapped[float] = mapped_column()
    level: Mapped[str] = mapped_column(String(10))
    contributions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TracingAlert(Base):
    """A debtor's warning score crossed a threshold: the level, the score and the signals that made it."""

    __tablename__ = "tracing_alerts"
    __table_args__ = (Index("ix_tracing_alerts_debtor_id", "debtor_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    level: Mapped[str] = mapped_column(String(10))
    score: Mapped[float] = mapped_column()
    threshold: Mapped[float] = mapped_column()
    contributions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TracingAlertAck(Base):
    """A bank's acknowledgement of an alert (each bank acknowledges for itself)."""

    __tablename__ = "tracing_alert_acks"
    __table_args__ = (UniqueConstraint("alert_id", "institution_id", name="uq_tracing_alert_acks_alert_institution"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("tracing_alerts.id", ondelete="CASCADE"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(default=utcnow)


def _open_request_link(debt_id: Any, institution_id: int) -> Any:
    """SQL condition: an open tracing request of ``institution_id`` names ``debt_id``."""
    return exists().where(TracingRequest.debt_id == debt_id, TracingRequest.tracer_id == institution_id,
                          TracingRequest.status == "open")


register_debt_link(Kind.TRACER, _open_request_link)
