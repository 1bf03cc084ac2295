"""Tables of the evidence log: entries and their parties and files, the tree, checkpoints, signing keys, alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base
from portal.core.timeutil import utcnow


class EvidenceEntry(Base):
    """One submission. ``leaf`` is the exact leaf input (canonical JSON); ``leaf_index`` is set on integration."""

    __tablename__ = "evidence_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    leaf_index: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    stored_at: Mapped[datetime] = mapped_column()
    leaf: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceParty(Base):
    """An institution that is party to an entry (and so may read its content)."""

    __tablename__ = "evidence_parties"
    __table_args__ = (Index("ix_evidence_parties_institution_entry", "institution_id", "entry_id"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("evidence_entries.id"), primary_key=True, autoincrement=False)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True, autoincrement=False)


class EvidenceFile(Base):
    """One file of an entry: name and content encrypted under the submitter's data key; salt for the commitment.

    Erasure clears the name, content and salt (``erased_at`` set); the commitment in the log stays and verifies.
    """

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("evidence_entries.id"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    commitment: Mapped[str] = mapped_column(String(64))
    salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(BigInteger)
    erased_at: Mapped[datetime | None] = mapped_column()


class EvidenceTreeRow(Base):
    """Row j of the tree, written once when leaf j is appended: the leaf's hash followed by the hashes of the
    perfect subtrees that leaf completes (levels 1, 2, … as many as trailing zero bits of j + 1), 32 bytes each.

    So node (level, idx) sits in row ((idx + 1) << level) - 1 at byte 32·level. One row per leaf keeps appends to a
    single ever-increasing key (the B-tree's fast path) and a proof to O(log n) rows.
    """

    __tablename__ = "evidence_tree"

    leaf_index: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceLogState(Base):
    """The single row of log state: the integrated tree size; the monitor's last examined and last good checkpoint."""

    __tablename__ = "evidence_log_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger, default=0)
    integrations: Mapped[int] = mapped_column(BigInteger, default=0)
    monitored_checkpoint_id: Mapped[int | None] = mapped_column(BigInteger)
    trusted_checkpoint_id: Mapped[int | None] = mapped_column(BigInteger)


class EvidenceCheckpoint(Base):
    """A published signed checkpoint (C2SP signed note)."""

    __tablename__ = "evidence_checkpoints"
    __table_args__ = (Index("ix_evidence_checkpoints_tree_size", "tree_size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)
    signing_key_id: Mapped[int] = mapped_column(ForeignKey("evidence_signing_keys.id"))
    note: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceSigningKey(Base):
    """An Ed25519 key of the log; the private half is sealed under the portal's data key. Retired keys stay so old
    checkpoints remain verifiable."""

    __tablename__ = "evidence_signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    verifier_key: Mapped[str] = mapped_column(String(300), unique=True)
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    private_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column()


class EvidenceAlert(Base):
    """Something the monitor or the audit found wrong (a fork, a rollback, a bad signature)."""

    __tablename__ = "evidence_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    problem: Mapped[str] = mapped_column(String(40))
    checkpoint_id: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(Text)
