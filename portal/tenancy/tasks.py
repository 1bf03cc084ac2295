"""Tenancy's Celery tasks: thin, id-based, one unit of work each."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from portal.access import OPERATOR
from portal.core.celery import beat_entry
from portal.core.runtime import unit_of_work
from portal.tenancy import operations


@shared_task(name="tenancy.purge_expired_tokens")
def purge_expired_tokens(older_than_days: int = 30) -> int:
    """Delete long-expired or revoked API tokens; returns how many were removed."""
    with unit_of_work() as session:
        return operations.purge_expired_tokens(OPERATOR, older_than_days=older_than_days, session=session)


beat_entry("purge-expired-tokens", "tenancy.purge_expired_tokens", timedelta(hours=24))
