"""The registry's scheduled work: anchoring the inquiry log in the evidence log (thin Celery tasks)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from sqlalchemy import select

from portal.access import Kind, Principal
from portal.core.celery import beat_entry
from portal.core.runtime import unit_of_work
from portal.registry import anchoring
from portal.tenancy.models import Institution


@shared_task(name="registry.anchor_inquiries")
def anchor_inquiries() -> int:
    """Anchor the inquiries written since the last run, as the regulator's scheduler; returns how many."""
    with unit_of_work() as session:
        regulator = session.scalars(select(Institution).where(Institution.kind == Kind.REGULATOR.value)
                                    .order_by(Institution.id).limit(1)).first()
        if regulator is None:
            return 0
        principal = Principal.scheduled(regulator.id, regulator.code, Kind.REGULATOR)
        anchor = anchoring.anchor_inquiries(principal, session=session)
        return anchor.row_count if anchor else 0


beat_entry("registry-anchor-inquiries", "registry.anchor_inquiries", timedelta(hours=1))
