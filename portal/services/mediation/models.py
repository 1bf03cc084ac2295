"""Tables of the mediation service: cases, the debts each case holds, and the invitations and sessions recorded.

Money is integer fen; dates of the agreement, the confirmation deadline, the application and the ruling are
Asia/Shanghai calendar dates; instants are UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base
from portal.core.timeutil import utcnow
from portal.tenancy.models import Institution


class MediationCase(Base):
    """A mediation case: one debtor, one or more debts of one creditor bank, one mediation centre."""

    __tablename__ = "mediation_cases"
    __table_args__ = (
        UniqueConstraint("creditor_id", "client_key", name="uq_mediation_cases_creditor_client_key"),
        Index("ix_mediation_cases_mediator_status", "mediator_id", "status"),
        Index("ix_mediation_cases_status_due", "status", "confirmation_due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    mediator_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    client_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    referred_fen: Mapped[int] = mapped_column(BigInteger)
    referred_at: Mapped[datetime] = mapped_column(default=utcnow)
    referred_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    agreed_fen: Mapped[int | None] = mapped_column(BigInteger)
    instalments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    signed_on: Mapped[date | None] = mapped_column()
    agreement_sha256: Mapped[str | None] = mapped_column(String(64))
    agreement_entry_id: Mapped[int | None] = mapped_column()
    confirmation_due_on: Mapped[date | None] = mapped_column()
    confirmation_overdue: Mapped[bool] = mapped_column(default=False)
    court: Mapped[str | None] = mapped_column(String(200))
    filed_on: Mapped[date | None] = mapped_column()
    ruling: Mapped[str | None] = mapped_column(String(12))  # confirmed | rejected
    ruled_on: Mapped[date | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    close_note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    creditor: Mapped[Institution] = relationship(foreign_keys=[creditor_id], lazy="selectin", viewonly=True)
    mediator: Mapped[Institution] = relationship(foreign_keys=[mediator_id], lazy="selectin", viewonly=True)
    debts: Mapped[list[MediationCaseDebt]] = relationship(
        lazy="selectin", order_by="MediationCaseDebt.debt_id", viewonly=True
    )
    events: Mapped[list[MediationEvent]] = relationship(
        lazy="selectin", order_by="MediationEvent.id", viewonly=True
    )


class MediationCaseDebt(Base):
    """A debt a case holds, with its outstanding amount when referred; ``active`` while the case is open.

    The partial unique index keeps a debt in at most one open case, even under concurrent referrals.
    """

    __tablename__ = "mediation_case_debts"
    __table_args__ = (
        UniqueConstraint("case_id", "debt_id", name="uq_mediation_case_debts_case_debt"),
        Index(
            "uq_mediation_case_debts_open_debt",
            "debt_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    debt_id: Mapped[int] = mapped_column(ForeignKey("debts.id"), index=True)
    outstanding_fen: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(default=True)


class MediationEvent(Base):
    """An invitation of a party (bank or debtor) or a session held, as the mediator recorded it."""

    __tablename__ = "mediation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # invitation | session
    at: Mapped[datetime] = mapped_column()
    party: Mapped[str | None] = mapped_column(String(12))  # invitation: bank | debtor
    channel: Mapped[str | None] = mapped_column(String(16))  # invitation: phone | sms | letter | email | visit
    attendees: Mapped[list[str] | None] = mapped_column(JSON)  # session: who attended
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
