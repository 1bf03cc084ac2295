"""Region metrics computed with set-based SQL; cells shown to non-regulators are scoped to aggregates and their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.errors import BadInput
from portal.services.monitoring import policy as _policy  # noqa: F401 - registers the policies
from portal.tenancy.models import Institution, User


@dataclass
class RegionMetrics:
    """The figures of one period; feature packages add theirs through :data:`CONTRIBUTORS`."""

    period_from: date
    period_to: date
    district: str | None
    institutions_by_kind: dict[str, int]
    own_users: int
    values: dict[str, object] = field(default_factory=dict)


# Feature packages register functions (principal, decision, metrics, session) -> None adding to metrics.values.
CONTRIBUTORS: list = []


@guarded("monitoring.metrics.read")
def region_metrics(
    principal: Principal, period_from: date, period_to: date, district: str | None, *, session: Session
) -> RegionMetrics:
    """The region's metrics for ``[period_from, period_to]`` as the principal may see them."""
    decision = check_access("monitoring.metrics.read", principal)
    if period_to < period_from:
        raise BadInput(f"to ({period_to}) is before from ({period_from})")
    if (period_to - period_from).days > 3660:
        raise BadInput(f"period {period_from}..{period_to} is longer than ten years")
    stmt = select(Institution.kind, func.count()).group_by(Institution.kind)
    if district:
        stmt = stmt.where(Institution.district == district)
    by_kind = {kind: count for kind, count in session.execute(stmt)}
    own_users = (
        session.scalar(select(func.count()).select_from(User).where(User.institution_id == principal.institution_id))
        or 0
    )
    metrics = RegionMetrics(period_from, period_to, district, by_kind, own_users)
    for contribute in CONTRIBUTORS:
        contribute(principal, decision, metrics, session)
    return metrics
