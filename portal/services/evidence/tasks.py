"""Scheduled work of the evidence log: publish a checkpoint, then check it against the previous one (fork
detection). Thin Celery tasks, one unit of work each."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from portal.access import OPERATOR
from portal.core.celery import beat_entry
from portal.core.runtime import keyring, unit_of_work
from portal.services.evidence import audit, operations


@shared_task(name="evidence.publish_checkpoint")
def publish_checkpoint() -> int:
    """Integrate pending entries and publish a checkpoint when the tree grew; returns its tree size."""
    with unit_of_work() as session:
        return operations.publish_checkpoint(OPERATOR, session=session, keyring=keyring()).tree_size


@shared_task(name="evidence.monitor_checkpoints")
def monitor_checkpoints() -> int:
    """Check the checkpoints published since the last run for forks and rollbacks; returns the number of alerts."""
    with unit_of_work() as session:
        return len(audit.monitor_checkpoints(session))


beat_entry("evidence-publish-checkpoint", "evidence.publish_checkpoint", timedelta(minutes=5))
beat_entry("evidence-monitor-checkpoints", "evidence.monitor_checkpoints", timedelta(minutes=5))
