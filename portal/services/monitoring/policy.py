"""Region-metrics row of ACCESS.md: the regulator sees all, per institution; others aggregates plus their own."""

from __future__ import annotations

from typing import Any

from portal.access import Decision, Kind, Principal, policy


@policy("monitoring.metrics.read")
def metrics_read(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Everyone signed in reads metrics; only the regulator gets the per-institution breakdown unsuppressed."""
    return Decision.allow(per_institution=principal.kind is Kind.REGULATOR, own=principal.institution_id)
