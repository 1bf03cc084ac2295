"""Evidence volume: entries stored in the evidence log over the period, by kind — one GROUP BY statement.

Evidence cells are not built from debtors, so non-regulators' regional cells are judged on the number of submitting
institutions alone (fewer than 5: suppressed). "Own" is what the viewer's institution submitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.access import Decision, Principal
from portal.services.evidence.models import EvidenceEntry
from portal.services.monitoring.cells import (
    NOT_DEBTOR_BASED,
    OWN,
    REGION,
    CountFigure,
    Scope,
    Tally,
    apply_suppression,
)
from portal.tenancy.models import Institution

KINDS = {
    "compliance-report": ("合规报告", "Compliance report"), "mediation-agreement": ("调解协议", "Mediation agreement"),
    "receivable": ("应收账款凭证", "Receivable voucher"), "logistics": ("物流单据", "Logistics document"),
    "recording": ("通话录音", "Call recording"), "contract": ("合同", "Contract"), "anchor": ("锚定记录", "Anchor"),
}


@dataclass
class EvidenceVolume:
    """Entries by kind for the region (suppressed where too small) and for the viewer's own institution."""

    region_total: CountFigure
    by_kind: list[CountFigure] = field(default_factory=list)
    own_by_kind: list[CountFigure] = field(default_factory=list)


def contribute(principal: Principal, decision: Decision, metrics, session: Session) -> None:
    """Add ``evidence`` to ``metrics.values``."""
    scope = Scope.of(principal, decision, metrics, session)
    stmt = select(EvidenceEntry.institution_id, EvidenceEntry.kind, func.count()).where(
        EvidenceEntry.stored_at >= scope.start, EvidenceEntry.stored_at < scope.end)
    if scope.district:
        stmt = stmt.join(Institution, Institution.id == EvidenceEntry.institution_id).where(
            Institution.district == scope.district)
    total, kinds, own = Tally(), {}, {}
    for institution_id, kind, count in session.execute(stmt.group_by(EvidenceEntry.institution_id, EvidenceEntry.kind)):
        total.add({"count": count}, NOT_DEBTOR_BASED, institution=institution_id)
        kinds.setdefault(kind, Tally()).add({"count": count}, NOT_DEBTOR_BASED, institution=institution_id)
        if institution_id == scope.own_id:
            own[kind] = own.get(kind, 0) + count

    def label(kind: str) -> tuple[str, str]:
        return KINDS.get(kind, (kind, kind))

    region_total = apply_suppression(principal, [CountFigure("total", "全部存证", "All entries", REGION,
                                                             institutions=total.institutions, debtors=total.debtors,
                                                             count=int(total["count"]))])[0]
    by_kind = apply_suppression(principal, [
        CountFigure(k, *label(k), REGION, institutions=t.institutions, debtors=t.debtors, count=int(t["count"]))
        for k, t in sorted(kinds.items())])
    own_by_kind = [CountFigure(k, *label(k), OWN, count=c) for k, c in sorted(own.items())]
    metrics.values["evidence"] = EvidenceVolume(region_total, by_kind, own_by_kind)
