"""Audit's Celery tasks: thin, id-based. A stored transcript batch is scanned by one task per chunk of
``operations.CHUNK`` transcripts, fanned out as a Celery ``group`` so that more workers scan faster; each task marks
its chunk done and the last one marks the batch scanned (an atomic counter on the batch row, so no chord callback
or result backend is needed)."""

from __future__ import annotations

from celery import group, shared_task
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portal.access import Kind, Principal, allowed_roles
from portal.core.runtime import keyring, unit_of_work
from portal.services.audit import operations
from portal.tenancy.models import Institution, User


def _acting_for(session, institution_id: int, user_id: int | None = None) -> Principal:
    """The uploading user (if still active in that institution), else the institution acting as a scheduled job."""
    if user_id is not None:
        user = session.get(User, user_id)
        if user is not None and user.active and user.institution_id == institution_id:
            return user.principal()
    inst = session.get(Institution, institution_id)
    if inst is None:
        raise LookupError(f"institution {institution_id} does not exist")
    kind = Kind(inst.kind)
    extra = {"system": True} if "system" in Principal.__dataclass_fields__ else {}
    return Principal(None, inst.id, inst.code, kind, allowed_roles(kind), **extra)


@shared_task(name="audit.scan_transcripts", acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=8)
def scan_transcripts(institution_id: int, batch_id: int, transcript_ids: list[int], user_id: int | None = None) -> int:
    """Scan one chunk of a batch for the agency that uploaded it; returns how many transcripts were newly scanned.

    Two units of work: a read-only one decrypts and scans (parallel across workers), a short one writes the findings
    (so SQLite's single writer is held only while inserting). A lock timeout is retried with back-off.
    """
    with unit_of_work(institution_id) as session:
        principal = _acting_for(session, institution_id, user_id)
        results = operations.prepare_scan(principal, batch_id, transcript_ids, keyring=keyring(), session=session)
    with unit_of_work(institution_id) as session:
        return operations.store_scan(principal, batch_id, results, session=session)


@shared_task(name="audit.rescan_batch", acks_late=True)
def rescan_batch(institution_id: int, batch_id: int, user_id: int | None = None) -> int:
    """Fan out the chunks of a batch's transcripts not scanned yet (recovery after lost tasks); returns chunk count."""
    from portal.services.audit.models import Transcript, TranscriptBatch

    with unit_of_work(institution_id) as session:
        operations.get_batch(_acting_for(session, institution_id, user_id), batch_id, session=session)
        ids = session.scalars(select(Transcript.id).where(Transcript.batch_id == batch_id,
                                                          Transcript.scanned_at.is_(None))
                              .order_by(Transcript.id)).all()
        chunks = [list(ids[i:i + operations.CHUNK]) for i in range(0, len(ids), operations.CHUNK)]
        batch = session.get(TranscriptBatch, batch_id)
        batch.chunks_total = batch.chunks_done + len(chunks)
        if chunks:
            batch.status = "scanning"
    return dispatch_scan(institution_id, batch_id, chunks, user_id)


def dispatch_scan(institution_id: int, batch_id: int, chunks: list[list[int]], user_id: int | None = None) -> int:
    """Send one ``audit.scan_transcripts`` task per chunk as a group (call after the batch is committed)."""
    if not chunks:
        return 0
    group(scan_transcripts.s(institution_id, batch_id, chunk, user_id) for chunk in chunks).apply_async()
    return len(chunks)
