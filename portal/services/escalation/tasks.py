"""Escalation's Celery tasks: thin, ids in, one unit of work each, the principal rebuilt inside the task.

``escalation.sweep_all`` (beat, daily at 06:00 Asia/Shanghai) lists the banks as the shell operator and sends one
``escalation.sweep_bank`` per bank; that task, acting as the bank's scheduled job (``Principal.scheduled``), opens
the sweep and fans its chunks out as ``escalation.sweep_chunk`` tasks (a Celery ``group``: more workers, more
throughput). A chunk is idempotent, so a redelivered or retried one changes nothing.
"""

from __future__ import annotations

from datetime import date

from celery import group, shared_task
from celery.schedules import crontab
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal.access import OPERATOR, Kind, Principal
from portal.core.celery import beat_entry
from portal.core.errors import NotFound
from portal.core.runtime import keyring, unit_of_work
from portal.services.escalation import operations
from portal.tenancy.models import Institution

# A lost race for the database rolls the unit of work back whole, so retrying a chunk is safe.
RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 8}


def _system(session: Session, institution_id: int) -> Principal:
    """The institution acting as a scheduled job."""
    inst = session.get(Institution, institution_id)
    if inst is None:
        raise NotFound(f"institution {institution_id} does not exist")
    return Principal.scheduled(inst.id, inst.code, Kind(inst.kind))


@shared_task(name="escalation.sweep_chunk", **RETRY)
def sweep_chunk(institution_id: int, sweep_id: int, lo: int, hi: int | None = None) -> int:
    """Sweep one chunk of a bank's book as the bank's scheduled job; returns the transitions recorded."""
    with unit_of_work(institution_id) as session:
        result = operations.sweep_chunk(_system(session, institution_id), sweep_id, lo, hi, session=session,
                                        keyring=keyring())
        return result.transitions


@shared_task(name="escalation.sweep_bank", **RETRY)
def sweep_bank(institution_id: int, as_of: str | None = None) -> int:
    """Open today's (or ``as_of``'s, ISO date) sweep of one bank and send its chunks; returns how many."""
    day = date.fromisoformat(as_of) if as_of else None
    with unit_of_work(institution_id) as session:
        sweep, chunks = operations.plan_sweep(_system(session, institution_id), institution_id, day, session=session)
        sweep_id = sweep.id
    group(sweep_chunk.si(institution_id, sweep_id, lo, hi) for lo, hi in chunks).apply_async()
    return len(chunks)


@shared_task(name="escalation.sweep_all", **RETRY)
def sweep_all() -> int:
    """Send one ``escalation.sweep_bank`` per bank; returns how many banks."""
    with unit_of_work() as session:
        banks = operations.banks_to_sweep(OPERATOR, session=session)
    if banks:
        group(sweep_bank.si(bank_id) for bank_id in banks).apply_async()
    return len(banks)


beat_entry("escalation-daily-sweep", "escalation.sweep_all", crontab(hour=6, minute=0))  # type: ignore[arg-type]
