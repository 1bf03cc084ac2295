"""Tracing's Celery tasks: thin, id-based. After a signal batch, the debtors it touched are rescored in chunks of
``operations.CHUNK`` (one task per chunk, fanned out as a group so more workers rescore faster). A daily sweep
(``tracing.rescore_stale``) rescores what a lost task missed and lets recency decay lower raised levels."""

from __future__ import annotations

from datetime import timedelta

from celery import group, shared_task
from sqlalchemy.exc import OperationalError

from portal.access import OPERATOR, Kind, Principal
from portal.core.celery import beat_entry
from portal.core.runtime import unit_of_work
from portal.core.timeutil import utcnow
from portal.services.tracing import operations
from portal.tenancy.models import Institution, User


def _acting_for(session, institution_id: int | None, user_id: int | None = None) -> Principal:
    """The posting user (if still active in that institution), else the institution as a scheduled job; the
    portal itself (the operator principal) for the daily sweep (``institution_id`` None)."""
    if institution_id is None:
        return OPERATOR
    if user_id is not None:
        user = session.get(User, user_id)
        if user is not None and user.active and user.institution_id == institution_id:
            return user.principal()
    inst = session.get(Institution, institution_id)
    if inst is None:
        raise LookupError(f"institution {institution_id} does not exist")
    return Principal.scheduled(inst.id, inst.code, Kind(inst.kind))


@shared_task(name="tracing.rescore_debtors", acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=8)
def rescore_debtors(institution_id: int | None, debtor_ids: list[int], user_id: int | None = None) -> int:
    """Recompute the warning of one chunk of debtors; returns how many alerts were raised."""
    with unit_of_work(institution_id) as session:
        principal = _acting_for(session, institution_id, user_id)
        return len(operations.rescore_debtors(principal, debtor_ids, session=session))


def dispatch_rescore(institution_id: int | None, chunks: list[list[int]], user_id: int | None = None) -> int:
    """Send one ``tracing.rescore_debtors`` task per chunk (call after the batch is committed)."""
    if not chunks:
        return 0
    group(rescore_debtors.s(institution_id, chunk, user_id) for chunk in chunks).apply_async()
    return len(chunks)




@shared_task(name="tracing.rescore_stale", acks_late=True)
def rescore_stale(max_age_hours: int = 24) -> int:
    """Send one rescoring task per chunk of out-of-date debtors (see ``operations.debtors_to_rescore``); returns
    how many chunks were sent."""
    stale_before = utcnow() - timedelta(hours=max_age_hours)
    chunks: list[list[int]] = []
    after = None
    while True:
        with unit_of_work(None) as session:
            page = operations.debtors_to_rescore(OPERATOR, stale_before=stale_before, after=after,
                                                 limit=operations.CHUNK, session=session)
        if not page:
            break
        chunks.append(page)
        after = page[-1]
    return dispatch_rescore(None, chunks)


beat_entry("tracing-rescore-stale", "tracing.rescore_stale", timedelta(hours=24))
