"""Region metrics computed with set-based SQL; cells shown to non-regulators are scoped to aggregates and their own.

``region_metrics`` asks the policy once, reads the institutions once, and hands the decision to every function in
:data:`CONTRIBUTORS`; each adds its figures to ``metrics.values`` with a fixed handful of GROUP BY statements, so the
statement count of a request does not grow with the number of institutions, debts or attempts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.access import Decision, Principal, check_access, guarded
from portal.core.errors import BadInput
from portal.registry.models import Debtor
from portal.registry.vocab import shanghai_today
from portal.services.monitoring import policy as _policy  # noqa: F401 - registers the policies
from portal.services.monitoring.cells import Inst
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
    as_of: date | None = None  # snapshot date of stock figures: the period's end, or today if that is earlier
    directory: dict[int, Inst] = field(default_factory=dict)  # every institution (labels of breakdowns)
    per_institution: bool = False  # whether per-institution breakdowns are included (the regulator)
    _request: tuple | None = field(default=None, repr=False)  # (principal, decision, session) for lazy figures

    def get(self, name: str, default: Any = None) -> Any:
        """The figure ``name``, computed on first use by its provider (see :data:`PROVIDERS`)."""
        if name not in self.values and name in PROVIDERS and self._request is not None:
            principal, decision, session = self._request
            PROVIDERS[name](principal, decision, self, session)
        return self.values.get(name, default)


Contributor = Callable[[Principal, Decision, RegionMetrics, Session], None]

# Feature packages register functions (principal, decision, metrics, session) -> None adding to metrics.values;
# they run on every request.
CONTRIBUTORS: list[Contributor] = []

# Value name -> the contributor that adds it, run only when that value is first asked for (a landing page that
# reads institution counts runs none of them; a drill-down that reads conduct runs only that one).
PROVIDERS: dict[str, Contributor] = {}


def register(contributor: Contributor, *names: str) -> Contributor:
    """Register ``contributor``: lazily as the provider of ``names``, or (no names) to run on every request."""
    if names:
        for name in names:
            PROVIDERS[name] = contributor
    elif contributor not in CONTRIBUTORS:
        CONTRIBUTORS.append(contributor)
    return contributor


@guarded("monitoring.metrics.read")
def region_metrics(
    principal: Principal,
    period_from: date,
    period_to: date,
    district: str | None,
    *,
    session: Session,
    today: date | None = None,
) -> RegionMetrics:
    """The region's metrics for ``[period_from, period_to]`` as the principal may see them."""
    decision = check_access("monitoring.metrics.read", principal)
    if period_to < period_from:
        raise BadInput(f"to ({period_to}) is before from ({period_from})")
    if (period_to - period_from).days > 3660:
        raise BadInput(f"period {period_from}..{period_to} is longer than ten years")
    district = (district or "").strip() or None
    rows = session.execute(
        select(Institution.id, Institution.code, Institution.kind, Institution.name, Institution.name_en,
               Institution.district)
    ).all()
    directory = {r.id: Inst(r.id, r.code, r.kind, r.name, r.name_en, r.district) for r in rows}
    by_kind: dict[str, int] = {}
    for inst in directory.values():
        if district is None or inst.district == district:
            by_kind[inst.kind] = by_kind.get(inst.kind, 0) + 1
    own_users = (
        session.scalar(select(func.count()).select_from(User).where(User.institution_id == principal.institution_id))
        or 0
    )
    metrics = RegionMetrics(period_from, period_to, district, by_kind, own_users)
    metrics.as_of = min(period_to, today or shanghai_today())
    metrics.directory = directory
    metrics.per_institution = bool(decision.get("per_institution"))
    metrics._request = (principal, decision, session)
    for contribute in list(CONTRIBUTORS):
        contribute(principal, decision, metrics, session)
    return metrics


@guarded("monitoring.metrics.read")
def region_districts(principal: Principal, *, session: Session) -> list[str]:
    """The districts the ``district`` filter of region metrics knows: debtors' and institutions' districts."""
    check_access("monitoring.metrics.read", principal)
    found = set(session.scalars(select(Debtor.district).where(Debtor.district.is_not(None)).distinct()))
    found |= set(session.scalars(select(Institution.district).where(Institution.district.is_not(None)).distinct()))
    return sorted(found)


def _register_builtin() -> None:
    from portal.services.monitoring import conduct, evidence_volume, mediation_outcomes, portfolio

    register(portfolio.contribute_book, "npl", "npl_trend", "buckets")
    register(portfolio.contribute_recovery, "recovery")
    register(conduct.contribute, "conduct", "audit_available")
    register(evidence_volume.contribute, "evidence")
    register(mediation_outcomes.contribute, "mediation")


_register_builtin()


def compute_all(metrics: RegionMetrics) -> RegionMetrics:
    """Compute every lazily provided figure now (benchmarks, exports); returns ``metrics``."""
    for name in PROVIDERS:
        metrics.get(name)
    return metrics
