"""Registry tables: debtors, debts (with guarantors and correction history), assignments, inquiries, disputes.

Identifiers of debtors never sit in clear: the number is AES-GCM encrypted under the portal-level data key (its id kept
on the row) with the keyed hash as associated data, and ``id_hash`` (``keyring.lookup_hash("debtor-id", number)``)
serves look-ups. Phone and address are encrypted the same way. Money is integer fen. ``creditor_id`` is repeated on
assignments, disputes and history so that PostgreSQL row-level security never needs a policy cycle (see rls.py); a
composite foreign key (creditor_id, debt_id) → debts keeps that copy true.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base
from portal.core.timeutil import utcnow
from portal.registry.vocab import DebtorKind, DebtStatus, DisputeOutcome, Purpose

DEBTOR_ID_PURPOSE = "debtor-id"
"""The ``lookup_hash`` purpose of debtors' identifiers."""


def _values(enum_cls: Any) -> str:
    return "(" + ", ".join(f"'{m.value}'" for m in enum_cls) + ")"


def identifier_aad(id_hash: str, field: str) -> bytes:
    """Associated data binding a debtor's ciphertext to its row (by keyed hash) and to the field it holds."""
    return f"registry.debtor.{field}:{id_hash}".encode()


def _debt_fk() -> ForeignKeyConstraint:
    """(creditor_id, debt_id) → debts: the repeated creditor is always the debt's own."""
    return ForeignKeyConstraint(["creditor_id", "debt_id"], ["debts.creditor_id", "debts.id"], ondelete="CASCADE")


class Debtor(Base):
    """A person or an enterprise that owes (or guarantees) debts; shared by every institution of the region."""

    __tablename__ = "debtors"
    __table_args__ = (CheckConstraint(f"kind IN {_values(DebtorKind)}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    name: Mapped[str] = mapped_column(String(200))
    phone_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    address_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    district: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Debt(Base):
    """One debt as its creditor bank reported it; ``client_key`` is the bank's own key (idempotent reporting)."""

    __tablename__ = "debts"
    __table_args__ = (
        UniqueConstraint("creditor_id", "client_key", name="uq_debts_creditor_client_key"),
        CheckConstraint(f"status IN {_values(DebtStatus)}", name="status"),
        CheckConstraint("principal_fen >= 0 AND outstanding_fen >= 0", name="amounts"),
        # keyset listing per creditor, and the target of the (creditor_id, debt_id) foreign keys below
        UniqueConstraint("creditor_id", "id", name="uq_debts_creditor_id_id"),
        Index("ix_debts_debtor_id_creditor_id", "debtor_id", "creditor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    client_key: Mapped[str] = mapped_column(String(100))
    product: Mapped[str | None] = mapped_column(String(40))
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    outstanding_fen: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    opened_on: Mapped[date] = mapped_column()
    due_on: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))
    adverse: Mapped[bool] = mapped_column(default=False)  # ever overdue, written off or in litigation
    settled_on: Mapped[date | None] = mapped_column()
    collateral: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version}


class DebtGuarantor(Base):
    """A guarantor of a debt (itself a row of ``debtors``, so its identifier is encrypted and hashed too)."""

    __tablename__ = "debt_guarantors"
    __table_args__ = (UniqueConstraint("debt_id", "debtor_id", name="uq_debt_guarantors_debt_debtor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debt_id: Mapped[int] = mapped_column(ForeignKey("debts.id", ondelete="CASCADE"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)


class DebtHistory(Base):
    """The values a debt had before a correction (one row per change; ``version`` is the replaced version)."""

    __tablename__ = "debt_history"
    __table_args__ = (
        Index("ix_debt_history_debt_id_version", "debt_id", "version"),
        _debt_fk(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debt_id: Mapped[int] = mapped_column()
    creditor_id: Mapped[int] = mapped_column()
    version: Mapped[int] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(40))
    previous: Mapped[dict[str, Any]] = mapped_column(JSON)


class DebtAssignment(Base):
    """A debt handed by its creditor to a collection agency, from ``assigned_at`` until ``ended_at``."""

    __tablename__ = "debt_assignments"
    __table_args__ = (
        Index("ix_debt_assignments_agency_id_active_debt_id", "agency_id", "active", "debt_id"),
        Index(
            "uq_debt_assignments_active_debt",
            "debt_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        Index("ix_debt_assignments_debt_id", "debt_id"),
        _debt_fk(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debt_id: Mapped[int] = mapped_column()
    creditor_id: Mapped[int] = mapped_column()
    agency_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(default=True)
    ended_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(500))


class Inquiry(Base):
    """Who looked up whom, when and why: written in the same transaction as every debtor report."""

    __tablename__ = "inquiries"
    __table_args__ = (
        CheckConstraint(f"purpose IN {_values(Purpose)}", name="purpose"),
        Index("ix_inquiries_institution_id_id", "institution_id", "id"),
        Index("ix_inquiries_debtor_id_id", "debtor_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    purpose: Mapped[str] = mapped_column(String(32))
    consent_ref: Mapped[str | None] = mapped_column(String(120))


class Dispute(Base):
    """A data subject's objection (异议) to a debt record; the record is "under objection" until answered."""

    __tablename__ = "disputes"
    __table_args__ = (
        CheckConstraint(f"outcome IS NULL OR outcome IN {_values(DisputeOutcome)}", name="outcome"),
        Index(
            "uq_disputes_open_debt",
            "debt_id",
            unique=True,
            sqlite_where=text("answered_at IS NULL"),
            postgresql_where=text("answered_at IS NULL"),
        ),
        Index("ix_disputes_debt_id", "debt_id"),
        Index("ix_disputes_creditor_id_answered_at", "creditor_id", "answered_at"),
        _debt_fk(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debt_id: Mapped[int] = mapped_column()
    creditor_id: Mapped[int] = mapped_column()
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_via_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    answer_due_on: Mapped[date] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column()
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(12))
    answer: Mapped[str | None] = mapped_column(Text)
