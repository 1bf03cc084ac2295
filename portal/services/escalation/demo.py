"""Demo part of escalation: the morning sweep of every demo bank's book as of today (Shanghai), so the collections
board shows debts per stage, letters awaiting approval and referral candidates from the first sign-in."""

from __future__ import annotations

from portal.access import Kind, Principal
from portal.registry.demo_rows import BANKS
from portal.services.escalation import operations


def seed(ctx) -> None:  # noqa: ANN001 - portal.demo.DemoContext
    """Sweep each demo bank's book once, as that bank's scheduled job."""
    bar = ctx.progress("escalation sweep", len(BANKS))
    for code in BANKS:
        institution_id = ctx.institutions.get(code)
        if institution_id is None:
            continue
        principal = Principal.scheduled(institution_id, code, Kind.BANK)
        operations.run_sweep(principal, institution_id, session=ctx.session, keyring=ctx.keyring)
        if hasattr(bar, "update"):
            bar.update(1)
