"""Scoring's Celery tasks: thin, ids in, one unit of work each, the principal rebuilt inside the task.

Batch scoring: ``operations.create_batch`` stores a batch in chunks; :func:`dispatch_batch` fans the chunk ids out as
a chord — one ``scoring.score_batch_chunk`` per chunk (in parallel on as many workers as there are), then
``scoring.finish_batch``, which writes the batch's stability run. Each chunk task acts as the user who started the
batch, rebuilt from the database: a user deactivated or moved since then stops the batch (the chunk is marked
failed, by the bank's system principal) rather than scoring in their name.

Scheduled monitoring: ``scoring.monitor_champions`` (daily, beat) lists the champions as the shell operator and
sends one ``scoring.monitor_model_scores`` per model, which acts as ``Principal.scheduled`` of the owning bank.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import chord, group, shared_task
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal.access import OPERATOR, Kind, Principal
from portal.core.celery import beat_entry
from portal.core.errors import Forbidden, NotFound, PortalError
from portal.core.runtime import keyring, unit_of_work
from portal.services.scoring import operations
from portal.tenancy.models import Institution, User


def _system(session: Session, institution_id: int) -> Principal:
    """The institution acting as a scheduled job (``Principal.scheduled``: every role of its kind, ``system=True``)."""
    inst = session.get(Institution, institution_id)
    if inst is None:
        raise NotFound(f"institution {institution_id} does not exist")
    return Principal.scheduled(inst.id, inst.code, Kind(inst.kind))


def _user(session: Session, institution_id: int, user_id: int | None) -> Principal:
    """The user who started the job, if still active in that institution; the bank itself for scheduled jobs."""
    if user_id is None:
        return _system(session, institution_id)
    user = session.get(User, user_id)
    if user is None or not user.active or user.institution_id != institution_id:
        raise Forbidden(f"user {user_id} is no longer active at institution {institution_id}")
    return user.principal()


# A lost race for the database (SQLite's WAL snapshot, a PostgreSQL deadlock) rolls the unit of work back whole,
# the chunk's claim included, so retrying is safe.
RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 8}


@shared_task(name="scoring.score_batch_chunk", **RETRY)
def score_batch_chunk(institution_id: int, chunk_id: int, user_id: int | None = None) -> int:
    """Score one stored chunk as the batch's user; returns how many rows were scored (0: done before, or failed)."""
    try:
        with unit_of_work(institution_id) as session:
            principal = _user(session, institution_id, user_id)
            return operations.score_batch_chunk(principal, chunk_id, session=session, keyring=keyring())
    except PortalError as exc:  # recorded by the bank's own job; another bank's id is refused here too
        with unit_of_work(institution_id) as session:
            operations.fail_chunk(_system(session, institution_id), chunk_id, exc.message, session=session)
        return 0


@shared_task(name="scoring.finish_batch", **RETRY)
def finish_batch(institution_id: int, batch_id: int, user_id: int | None = None) -> str:
    """Close a batch after its chunks (the chord's callback); returns its status."""
    with unit_of_work(institution_id) as session:
        return operations.finish_batch(_system(session, institution_id), batch_id, session=session).status


def dispatch_batch(institution_id: int, batch_id: int, chunk_ids: list[int] | tuple[int, ...],
                   user_id: int | None = None) -> Any:
    """Send the chord of a committed batch: every chunk in parallel, then ``scoring.finish_batch``."""
    header = group(score_batch_chunk.si(institution_id, cid, user_id) for cid in chunk_ids)
    return chord(header, finish_batch.si(institution_id, batch_id, user_id)).apply_async()


def dispatch_after_commit(session: Session, institution_id: int, batch_id: int, chunk_ids: tuple[int, ...],
                          user_id: int | None) -> None:
    """Dispatch the batch once ``session``'s outer transaction commits (never on a savepoint, never after a
    rollback), so no worker looks for chunks that are not visible yet. The listeners live as long as the session."""
    state = {"open": True}

    def after_commit(sess: Session) -> None:
        if state["open"] and sess.get_nested_transaction() is None:  # not a released savepoint: the outer commit
            state["open"] = False
            dispatch_batch(institution_id, batch_id, chunk_ids, user_id)

    def after_rollback(sess: Session) -> None:
        if sess.get_nested_transaction() is None:
            state["open"] = False

    event.listen(session, "after_commit", after_commit)
    event.listen(session, "after_rollback", after_rollback)


@shared_task(name="scoring.monitor_model_scores", **RETRY)
def monitor_model_scores(institution_id: int, model_id: int) -> str | None:
    """PSI of a champion's recent scores, as its bank's scheduled job; returns the level (None: too few scores)."""
    with unit_of_work(institution_id) as session:
        report = operations.monitor_recent_scores(_system(session, institution_id), model_id, session=session)
        return report["level"] if report else None


@shared_task(name="scoring.monitor_champions", **RETRY)
def monitor_champions() -> int:
    """Send one ``scoring.monitor_model_scores`` per champion model; returns how many were sent."""
    with unit_of_work() as session:
        models = operations.models_to_monitor(OPERATOR, session=session)
    if models:
        group(monitor_model_scores.si(inst, model_id) for inst, _code, _kind, model_id in models).apply_async()
    return len(models)


beat_entry("scoring-monitor-champions", "scoring.monitor_champions", timedelta(hours=24))
