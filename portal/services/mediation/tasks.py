"""Scheduled work of mediation: once a day, flag agreed cases whose 30-day judicial-confirmation deadline passed
without an application. Thin Celery task, one unit of work."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from portal.access import OPERATOR
from portal.core.celery import beat_entry
from portal.core.runtime import unit_of_work
from portal.services.mediation import operations


@shared_task(name="mediation.flag_overdue_confirmations")
def flag_overdue_confirmations() -> int:
    """Mark the cases past their confirmation deadline; returns how many were newly flagged."""
    with unit_of_work() as session:
        return operations.flag_overdue_confirmations(OPERATOR, session=session)


beat_entry("mediation-flag-overdue-confirmations", "mediation.flag_overdue_confirmations", timedelta(days=1))
