"""Mediation outcomes: the cohort of cases referred in the period — how many, how many concluded, the share resolved
without litigation (an agreement signed and not rejected by a court), the median days from referral to agreement,
and the judicial-confirmation rate (confirmed over ruled). One statement; the median is taken in Python.

Cells are built from creditor banks and mediation centres alike: for anyone but the regulator a regional cell needs
5 of each (and 10 debtors), so no one reads one bank's book or one centre's results out of it. "Own" is the viewer's
institution: a bank's referrals, a centre's cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access import Decision, Kind, Principal
from portal.core.timeutil import SHANGHAI, as_utc
from portal.services.mediation.models import MediationCase
from portal.services.monitoring.cells import OWN, REGION, Figure, Scope, Tally, apply_suppression, ratio

_UNDECIDED = ("referred", "in_mediation")


@dataclass
class MediationFigure(Figure):
    """Outcomes of one cohort of referred cases."""

    VALUES: ClassVar[tuple[str, ...]] = ("referred", "concluded", "agreed", "resolved_rate", "median_days_to_agreement",
                                         "ruled", "confirmed", "confirmation_rate")
    referred: int | None = 0
    concluded: int | None = 0
    agreed: int | None = 0
    resolved_rate: float | None = None
    median_days_to_agreement: float | None = None
    ruled: int | None = 0
    confirmed: int | None = 0
    confirmation_rate: float | None = None


@dataclass
class MediationOutcomes:
    """The region's figure (suppressed where too small) and the viewer's own."""

    region: MediationFigure
    own: MediationFigure | None


def _figure(key: str, label: str, label_en: str, scope: str, rows: list, tally: Tally | None) -> MediationFigure:
    days = [(signed - as_utc(referred).astimezone(SHANGHAI).date()).days
            for _c, _m, _d, status, referred, signed, _r in rows if signed is not None and status != "withdrawn"]
    concluded = [r for r in rows if r[3] not in _UNDECIDED]
    resolved = [r for r in concluded if r[5] is not None and r[6] != "rejected" and r[3] != "withdrawn"]
    ruled = [r for r in rows if r[6] is not None]
    confirmed = [r for r in ruled if r[6] == "confirmed"]
    return MediationFigure(
        key, label, label_en, scope,
        institutions=tally.institutions if tally else 0, debtors=tally.debtors if tally else 0,
        referred=len(rows), concluded=len(concluded), agreed=len(days), resolved_rate=ratio(len(resolved),
                                                                                            len(concluded)),
        median_days_to_agreement=float(median(days)) if days else None, ruled=len(ruled), confirmed=len(confirmed),
        confirmation_rate=ratio(len(confirmed), len(ruled)),
    )


def contribute(principal: Principal, decision: Decision, metrics, session: Session) -> None:
    """Add ``mediation`` to ``metrics.values``."""
    scope = Scope.of(principal, decision, metrics, session)
    stmt = select(MediationCase.creditor_id, MediationCase.mediator_id, MediationCase.debtor_id, MediationCase.status,
                  MediationCase.referred_at, MediationCase.signed_on, MediationCase.ruling).where(
        MediationCase.referred_at >= scope.start, MediationCase.referred_at < scope.end)
    rows = list(session.execute(stmt.order_by(MediationCase.id)))
    if scope.district:
        rows = [r for r in rows if scope.inst(r[0]).district == scope.district]
    tally = Tally()
    for creditor_id, mediator_id, *_ in rows:
        tally.add({}, bank=creditor_id, mediator=mediator_id)
    tally.debtors = len({r[2] for r in rows})
    region = apply_suppression(principal, [_figure("region", "全区", "Region", REGION, rows, tally)])[0]
    own = None
    if scope.own_id is not None and principal.kind in (Kind.BANK, Kind.MEDIATOR):
        mine = [r for r in rows if scope.own_id in (r[0], r[1])]
        own = _figure("own", "本机构", "Own", OWN, mine, None)
    metrics.values["mediation"] = MediationOutcomes(region, own)
