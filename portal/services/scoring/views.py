"""Read models of the scoring service, filled by ``operations`` and shown by ``gql`` (no database, no Flask here).

Builders in ``operations`` are set-based: a page of models, cards, runs, scores or aggregates costs a fixed number
of statements whatever its size.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class InstitutionRef:
    """Enough of an institution to show it."""

    id: int
    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class UserRef:
    """A user of the viewer's own institution (who registered or approved a model)."""

    id: int
    email: str
    display_name: str | None


@dataclass(frozen=True)
class Stability:
    """One characteristic's stability index (or the score's) and its level."""

    name: str
    value: float
    level: str


@dataclass(frozen=True)
class RunView:
    """A monitoring run: PSI of the score, CSI per characteristic, levels (warn from 0.10, alert from 0.25)."""

    id: int
    model_id: int
    computed_at: datetime
    rows: int
    psi: float
    psi_level: str
    level: str
    csi: tuple[Stability, ...]
    alerts: tuple[str, ...]
    source: str
    batch_id: int | None

    @classmethod
    def of(cls, run: Any) -> RunView:
        """From a ``MonitoringRun`` row."""
        report = json.loads(run.report_json or "{}")
        csi = tuple(Stability(name, float(c["value"]), c["level"])
                    for name, c in sorted(report.get("csi", {}).items()))
        return cls(run.id, run.model_id, run.computed_at, run.rows, float(run.psi),
                   report.get("psi_level", run.level), run.level, csi, tuple(report.get("alerts", ())),
                   report.get("source", "applications"), report.get("batch_id"))


@dataclass(frozen=True)
class CardView:
    """A model card: what the model is, what it was trained on, how it validated (the regulator sees these)."""

    model_id: int
    institution: InstitutionRef
    name: str
    version: int
    kind: str
    status: str
    training_data_sha256: str
    training_rows: int
    approved_at: datetime | None
    promoted_at: datetime | None
    document: dict[str, Any]


@dataclass(frozen=True)
class ModelView:
    """One version of the bank's own model, with everything its bank may see about it."""

    id: int
    institution: InstitutionRef
    name: str
    version: int
    kind: str
    status: str
    training_data_sha256: str
    training_rows: int
    metrics: dict[str, Any]
    card: CardView
    created_by: UserRef | None
    created_at: datetime
    approved_by: UserRef | None
    approved_at: datetime | None
    promoted_at: datetime | None
    retired_at: datetime | None
    latest_run: RunView | None


@dataclass(frozen=True)
class ReasonView:
    """One reason code: the characteristic, its bin, the points lost against its best bin, and a sentence."""

    feature: str
    bin: str | None
    points: float
    text: str


@dataclass(frozen=True)
class ScoreView:
    """A score of the bank's own model, with its reason codes."""

    id: int | None
    model_id: int
    model_name: str
    model_version: int
    subject_ref: str
    score: float | None
    pd: float
    band: str
    reasons: tuple[ReasonView, ...]
    purpose: str | None
    batch_id: str | None
    scored_at: datetime


@dataclass(frozen=True)
class AggregateView:
    """Scores of one model: count by band, mean PD, and its latest stability run."""

    model_id: int
    institution: InstitutionRef
    name: str
    version: int
    status: str
    scores: int
    bands: dict[str, int]
    mean_pd: float | None
    latest_run: RunView | None


@dataclass(frozen=True)
class BandView:
    """The shared risk band of a debtor from other banks' latest scores: no bank named, no count, no score."""

    band: str | None
    purpose: str
    inquiry_id: int | None


@dataclass(frozen=True)
class BatchView:
    """A batch scoring job and its progress; ``monitoring`` is the batch's stability run once it is done."""

    id: int
    model_id: int
    status: str
    purpose: str | None
    rows_total: int
    rows_scored: int
    chunks_total: int
    chunks_done: int
    created_at: datetime
    finished_at: datetime | None
    error: str | None
    monitoring: RunView | None
    chunk_ids: tuple[int, ...] = field(default=(), repr=False)
