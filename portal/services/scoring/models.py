"""Scoring tables: the per-bank model registry, stored scores with reason codes, stability monitoring runs, and
batch scoring jobs (a batch and its chunks; the Celery tasks take the chunk ids, never the rows).

A scorecard's artifact is JSON (bins, coefficients, scaling); a gradient-boosting challenger's artifact is a pickle
signed with HMAC-SHA256 (see ``gbm.py``) and is only unpickled after the tag verifies. ``subject_ref`` is an opaque
reference chosen by the bank (an application number, or the registry's keyed lookup hash), never a raw identity
number; ``debtor_id`` links the score to the registry's debtor when there is one, so that another bank reading the
shared band leaves an ``Inquiry`` row like any other read of the debtor.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import portal.registry.models  # noqa: F401  (debtors, referenced by Score.debtor_id)
from portal.core.db import Base
from portal.core.timeutil import utcnow

MODEL_KINDS = ("scorecard", "gbm")
MODEL_STATUSES = ("challenger", "champion", "retired")


class ScoringModel(Base):
    """One version of a bank's scoring model, with what it was trained on, how it performed and who approved it."""

    __tablename__ = "scoring_models"
    __table_args__ = (
        UniqueConstraint("institution_id", "name", "version", name="version"),
        CheckConstraint(f"kind IN {MODEL_KINDS!r}", name="kind"),
        CheckConstraint(f"status IN {MODEL_STATUSES!r}", name="status"),
        Index("ix_scoring_models_inst_name_status", "institution_id", "name", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="challenger")
    training_data_sha256: Mapped[str] = mapped_column(String(64))
    training_rows: Mapped[int] = mapped_column()
    metrics_json: Mapped[str] = mapped_column(Text)
    model_card_json: Mapped[str] = mapped_column(Text)
    baseline_json: Mapped[str] = mapped_column(Text)
    artifact_json: Mapped[str | None] = mapped_column(Text)
    artifact_blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column()
    promoted_at: Mapped[datetime | None] = mapped_column()
    retired_at: Mapped[datetime | None] = mapped_column()


class Score(Base):
    """A score given by one bank's model to one subject (single scoring or a batch chunk)."""

    __tablename__ = "scoring_scores"
    __table_args__ = (Index("ix_scoring_scores_subject", "subject_ref", "scored_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("scoring_models.id"), index=True)
    subject_ref: Mapped[str] = mapped_column(String(64))
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    pd: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(1))
    reasons_json: Mapped[str] = mapped_column(Text, default="[]")
    batch_id: Mapped[str | None] = mapped_column(String(40), index=True)
    purpose: Mapped[str | None] = mapped_column(String(32))
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonitoringRun(Base):
    """One stability check of new applications against a model's training baseline."""

    __tablename__ = "scoring_monitoring_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("scoring_models.id"), index=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    rows: Mapped[int] = mapped_column()
    psi: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(10))
    report_json: Mapped[str] = mapped_column(Text)


BATCH_STATUSES = ("queued", "running", "done", "failed")


class ScoringBatch(Base):
    """A batch of applicants scored by chunked Celery tasks; ``monitoring_run_id`` is the batch's PSI/CSI run."""

    __tablename__ = "scoring_batches"
    __table_args__ = (CheckConstraint(f"status IN {BATCH_STATUSES!r}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("scoring_models.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    purpose: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    rows_total: Mapped[int] = mapped_column()
    rows_scored: Mapped[int] = mapped_column(default=0)
    chunks_total: Mapped[int] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    monitoring_run_id: Mapped[int | None] = mapped_column(ForeignKey("scoring_monitoring_runs.id"))
    error: Mapped[str | None] = mapped_column(Text)


class ScoringBatchChunk(Base):
    """One chunk of a batch: its rows (JSON records) until scored, then only its monitoring counts.

    The applicants' inputs are dropped once the chunk is scored (data minimisation: the scores and reasons stay);
    ``scored_at`` set means done, so a redelivered task does not score the chunk twice.
    """

    __tablename__ = "scoring_batch_chunks"
    __table_args__ = (UniqueConstraint("batch_id", "seq", name="seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("scoring_batches.id"), index=True)
    seq: Mapped[int] = mapped_column()
    rows: Mapped[int] = mapped_column()
    rows_json: Mapped[str | None] = mapped_column(Text)
    counts_json: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
