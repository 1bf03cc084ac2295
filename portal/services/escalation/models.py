"""Tables of the escalation service: published ladder versions, each debt's current stage, the stage transitions
recorded by the daily sweep, the sweeps themselves, and the lawyer's letters drafted for debts entering that stage.

``creditor_id`` is repeated on every row so that a bank's book is one indexed filter (and PostgreSQL row-level
security, when the lead adds it, needs no join). Money is integer fen; dates are Asia/Shanghai calendar dates.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base
from portal.core.timeutil import utcnow


class EscalationLadder(Base):
    """A ladder version the regulator published (TOML kept verbatim); the newest applies, else the shipped default."""

    __tablename__ = "escalation_ladders"
    __table_args__ = (UniqueConstraint("version", name="uq_escalation_ladders_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    source_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class EscalationSweep(Base):
    """One sweep of one bank's book as of a Shanghai date: planned in chunks, counted as the chunks finish."""

    __tablename__ = "escalation_sweeps"
    __table_args__ = (Index("ix_escalation_sweeps_creditor_as_of", "creditor_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    as_of: Mapped[date] = mapped_column()
    ladder_version: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finished_at: Mapped[datetime | None] = mapped_column()
    chunks_total: Mapped[int] = mapped_column(default=0)
    chunks_done: Mapped[int] = mapped_column(default=0)
    transitions: Mapped[int] = mapped_column(default=0)
    letters: Mapped[int] = mapped_column(default=0)
    referrals: Mapped[int] = mapped_column(default=0)


class DebtStage(Base):
    """The stage a debt is in since ``entered_on`` (one row per debt on the ladder; none once it left)."""

    __tablename__ = "escalation_debt_stages"
    __table_args__ = (Index("ix_escalation_debt_stages_creditor_stage_debt", "creditor_id", "stage", "debt_id"),)

    debt_id: Mapped[int] = mapped_column(ForeignKey("debts.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    stage: Mapped[str] = mapped_column(String(16))
    entered_on: Mapped[date] = mapped_column()
    transition_id: Mapped[int] = mapped_column(BigInteger)
    referral_candidate: Mapped[bool] = mapped_column(default=False)


class StageTransition(Base):
    """A debt moved from one stage to another (``None``: off the ladder) on a sweep's date."""

    __tablename__ = "escalation_transitions"
    __table_args__ = (
        Index("ix_escalation_transitions_sweep_to", "sweep_id", "to_stage"),
        Index("ix_escalation_transitions_creditor_on", "creditor_id", "swept_on"),
        Index("ix_escalation_transitions_debt_id", "debt_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sweep_id: Mapped[int] = mapped_column(ForeignKey("escalation_sweeps.id"))
    debt_id: Mapped[int] = mapped_column(ForeignKey("debts.id", ondelete="CASCADE"))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str | None] = mapped_column(String(16))
    swept_on: Mapped[date] = mapped_column()
    at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date] = mapped_column()
    outstanding_fen: Mapped[int] = mapped_column(BigInteger)
    referral_candidate: Mapped[bool] = mapped_column(default=False)


class LawyerLetter(Base):
    """A lawyer's letter drafted by the sweep for a debt entering ``lawyer_letter``; the bank approves or rejects it.

    The text names the debtor with the identifier masked, never whole.
    """

    __tablename__ = "escalation_letters"
    __table_args__ = (
        UniqueConstraint("transition_id", name="uq_escalation_letters_transition_id"),
        Index("ix_escalation_letters_creditor_status_id", "creditor_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transition_id: Mapped[int] = mapped_column(ForeignKey("escalation_transitions.id"))
    debt_id: Mapped[int] = mapped_column(ForeignKey("debts.id", ondelete="CASCADE"), index=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | approved | rejected
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    due_on: Mapped[date] = mapped_column()
    pay_by: Mapped[date] = mapped_column()
    drafted_on: Mapped[date] = mapped_column()
    body_zh: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column()
    rejected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejected_at: Mapped[datetime | None] = mapped_column()
    reject_reason: Mapped[str | None] = mapped_column(String(500))
