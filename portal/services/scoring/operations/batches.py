"""Batch scoring: a batch is stored in chunks, each chunk scored by one Celery task (ids in), then finished.

:func:`create_batch` validates every row up front (so bad input is BAD_USER_INPUT at once, not a failed task) and
stores the chunks; :func:`score_batch_chunk` scores one chunk (vectorised), keeps only its monitoring counts and
drops its rows; :func:`finish_batch` (the chord's callback) sums the counts into the batch's stability run (PSI and
CSI). A chunk already scored is skipped, so a redelivered task never scores twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.crypto import Keyring
from portal.core.errors import BadInput, NotFound
from portal.core.timeutil import utcnow
from portal.services.scoring import monitoring
from portal.services.scoring.models import MonitoringRun, ScoringBatch, ScoringBatchChunk
from portal.services.scoring.operations.common import check_record, get_model, load_model, score_purpose
from portal.services.scoring.operations.monitor import store_run
from portal.services.scoring.operations.scoring import insert_scores, score_frame
from portal.services.scoring.scorecard import Scorecard
from portal.services.scoring.views import BatchView, RunView

MAX_ROWS = 100_000
DEFAULT_CHUNK = 2000


def _rows(row: Any, model: Any, records: Sequence[Any]) -> list[dict[str, Any]]:
    if not isinstance(records, Sequence) or isinstance(records, str | bytes) or not records:
        raise BadInput("rows must be a non-empty list of applicant objects", field="rows")
    if len(records) > MAX_ROWS:
        raise BadInput(f"rows: {len(records)} applicants are more than {MAX_ROWS} per batch", field="rows")
    out = []
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise BadInput(f"rows[{i}] is not an object", field="rows")
        rec = dict(rec)
        ref = rec.pop("subject_ref", None) or rec.pop("subjectRef", None)
        if not isinstance(ref, str) or not 0 < len(ref.strip()) <= 64:
            raise BadInput(f"rows[{i}]: subject_ref {ref!r} must be 1-64 characters", field="rows")
        values = check_record(row, model, rec, where=f"rows[{i}]")
        out.append({"subject_ref": ref.strip(), **values})
    frame = pd.DataFrame(out)
    if isinstance(model, Scorecard):
        model.bin_indices(frame)  # every input present and well-typed, or BadInput naming column and row
    else:
        model.predict_pd(frame.head(1))
    return out


@guarded("scoring.score.compute")
def create_batch(principal: Principal, model_id: int, records: Sequence[Any], *, session: Session,
                 keyring: Keyring | None = None, chunk_size: int = DEFAULT_CHUNK, purpose: Any = None) -> BatchView:
    """Validate and store a batch in chunks of ``chunk_size`` rows; the caller dispatches the chunk ids after
    commit (``tasks.dispatch_batch``)."""
    row = get_model(session, model_id)
    check_access("scoring.score.compute", principal, row)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or not 1 <= chunk_size <= 10_000:
        raise BadInput(f"chunkSize: {chunk_size!r} must be between 1 and 10000", field="chunkSize")
    rows = _rows(row, load_model(row, keyring), records)
    chunks = [rows[i:i + chunk_size] for i in range(0, len(rows), chunk_size)]
    batch = ScoringBatch(institution_id=row.institution_id, model_id=row.id, created_by=principal.user_id,
                         purpose=score_purpose(purpose), status="queued", rows_total=len(rows),
                         chunks_total=len(chunks))
    session.add(batch)
    session.flush()
    objs = [ScoringBatchChunk(batch_id=batch.id, seq=i, rows=len(c), rows_json=json.dumps(c))
            for i, c in enumerate(chunks)]
    session.add_all(objs)
    session.flush()
    return _view(batch, 0, None, tuple(o.id for o in objs))


def _batch_of_chunk(session: Session, chunk_id: int) -> tuple[ScoringBatchChunk, ScoringBatch]:
    chunk = session.get(ScoringBatchChunk, chunk_id)
    batch = session.get(ScoringBatch, chunk.batch_id) if chunk is not None else None
    if chunk is None or batch is None:
        raise NotFound(f"batch chunk {chunk_id} does not exist")
    return chunk, batch


@guarded("scoring.score.compute")
def score_batch_chunk(principal: Principal, chunk_id: int, *, session: Session,
                      keyring: Keyring | None = None) -> int:
    """Score one stored chunk and keep its monitoring counts; 0 when it was scored already."""
    chunk, batch = _batch_of_chunk(session, chunk_id)
    row = get_model(session, batch.model_id)
    check_access("scoring.score.compute", principal, row)
    claimed = session.execute(update(ScoringBatchChunk).where(ScoringBatchChunk.id == chunk.id,
                                                              ScoringBatchChunk.scored_at.is_(None))
                              .values(scored_at=utcnow())).rowcount
    if not claimed:
        return 0
    rows = json.loads(chunk.rows_json or "[]")
    baseline = json.loads(row.baseline_json or "{}")
    result = score_frame(load_model(row, keyring), pd.DataFrame(rows), baseline)
    n = insert_scores(session, row, [r["subject_ref"] for r in rows], [None] * len(rows), result,
                      batch_id=str(batch.id), purpose=batch.purpose)
    session.execute(update(ScoringBatchChunk).where(ScoringBatchChunk.id == chunk.id)
                    .values(rows_json=None, counts_json=json.dumps(result["counts"])))
    session.execute(update(ScoringBatch).where(ScoringBatch.id == batch.id)
                    .values(rows_scored=ScoringBatch.rows_scored + n, status="running"))
    session.expire(chunk)
    session.expire(batch)
    return n


@guarded("scoring.score.compute")
def fail_chunk(principal: Principal, chunk_id: int, message: str, *, session: Session) -> None:
    """Record why a chunk could not be scored (the batch then finishes as failed)."""
    chunk, batch = _batch_of_chunk(session, chunk_id)
    check_access("scoring.score.compute", principal, get_model(session, batch.model_id))
    chunk.error = message[:500]
    session.flush()


def _sum_counts(chunks: list[ScoringBatchChunk]) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
    score: np.ndarray | None = None
    chars: dict[str, np.ndarray] = {}
    for c in chunks:
        counts = json.loads(c.counts_json or "null")
        if not counts:
            continue
        s = np.asarray(counts["score"], dtype=np.int64)
        score = s if score is None else score + s
        for name, v in counts.get("characteristics", {}).items():
            arr = np.asarray(v, dtype=np.int64)
            chars[name] = arr if name not in chars else chars[name] + arr
    return score, chars


@guarded("scoring.score.compute")
def finish_batch(principal: Principal, batch_id: int, *, session: Session) -> BatchView:
    """Close a batch once its chunks ran: done with its stability run (PSI, CSI), or failed naming why."""
    batch = session.get(ScoringBatch, batch_id)
    if batch is None:
        raise NotFound(f"scoring batch {batch_id} does not exist")
    row = get_model(session, batch.model_id)
    check_access("scoring.score.compute", principal, row)
    chunks = list(session.scalars(select(ScoringBatchChunk).where(ScoringBatchChunk.batch_id == batch.id)
                                  .order_by(ScoringBatchChunk.seq)))
    errors = [f"chunk {c.seq}: {c.error}" for c in chunks if c.error]
    pending = [c.seq for c in chunks if c.scored_at is None and not c.error]
    if batch.status in ("done", "failed"):
        return get_batch(principal, batch.id, session=session)
    if errors or pending:
        batch.status = "failed"
        batch.error = "; ".join(errors[:5]) or f"chunks not scored: {pending[:10]}"
    else:
        score, chars = _sum_counts(chunks)
        baseline = json.loads(row.baseline_json or "{}")
        if score is not None and score.sum() > 0:
            report = monitoring.report_from_counts(baseline, score, chars)
            batch.monitoring_run_id = store_run(session, row, report, "batch", batch.id).id
        batch.status = "done"
    batch.finished_at = utcnow()
    session.flush()
    return get_batch(principal, batch.id, session=session)


def _view(batch: ScoringBatch, done: int, run: MonitoringRun | None, chunk_ids: tuple[int, ...] = ()) -> BatchView:
    return BatchView(batch.id, batch.model_id, batch.status, batch.purpose, batch.rows_total, batch.rows_scored or 0,
                     batch.chunks_total, done, batch.created_at, batch.finished_at, batch.error,
                     RunView.of(run) if run is not None else None, chunk_ids)


@guarded("scoring.model.read")
def get_batch(principal: Principal, batch_id: int, *, session: Session) -> BatchView:
    """A batch's progress and, once done, its stability run."""
    batch = session.get(ScoringBatch, batch_id)
    if batch is None:
        raise NotFound(f"scoring batch {batch_id} does not exist")
    check_access("scoring.model.read", principal, batch)
    done = session.scalar(select(func.count()).select_from(ScoringBatchChunk).where(
        ScoringBatchChunk.batch_id == batch.id, ScoringBatchChunk.scored_at.is_not(None)))
    run = session.get(MonitoringRun, batch.monitoring_run_id) if batch.monitoring_run_id else None
    return _view(batch, int(done or 0), run)
