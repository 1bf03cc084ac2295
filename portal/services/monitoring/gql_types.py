"""GraphQL types of the region metrics' figures: thin views of the dataclasses in portfolio, conduct and evidence.

Shares are floats between 0 and 1 named ``ratio``/``rate``; money is ``Money {amount currency}`` (two-place decimal
string, CNY); a figure the viewer may not see has ``suppressed: true`` and null values.
"""

from __future__ import annotations

import graphene

from portal.core.money import format_fen
from portal.registry.gql_types import Money


def money(fen: int | None) -> Money | None:
    """Integer fen as ``Money`` in CNY; ``None`` stays ``None`` (suppressed)."""
    return None if fen is None else Money(amount=format_fen(fen), currency="CNY")


class MetricScope(graphene.Enum):
    """Which book a figure is built from."""

    REGION = "region"
    BANK_TYPE = "bank_type"
    INSTITUTION = "institution"
    OWN = "own"


class FigureFields:
    """Fields every figure has."""

    key = graphene.String(required=True, description="stable key: 'region', a bank type, an institution code, a rule")
    label = graphene.String(required=True, description="Chinese label")
    label_en = graphene.String(required=True, description="English label")
    scope = graphene.Field(MetricScope, required=True)
    suppressed = graphene.Boolean(
        required=True, description="true when built from fewer than 5 institutions or 10 debtors (values null)")

    @staticmethod
    def resolve_scope(figure, _info):
        return figure.scope


class CountFigure(FigureFields, graphene.ObjectType):
    """A count of things (violations of a rule, findings of a family, reports of a status, evidence of a kind)."""

    count = graphene.Int()


class NplFigure(FigureFields, graphene.ObjectType):
    """Non-performing share of a book as of the snapshot date."""

    ratio = graphene.Float(description="non-performing outstanding over total outstanding, 0–1")
    non_performing = graphene.Field(Money)
    total_outstanding = graphene.Field(Money)
    debts = graphene.Int(description="unsettled debts in the book")

    @staticmethod
    def resolve_non_performing(f, _info):
        return money(f.npl_fen)

    @staticmethod
    def resolve_total_outstanding(f, _info):
        return money(f.total_fen)


class NplPoint(NplFigure):
    """One month end of an NPL trend (``key`` is the month, YYYY-MM)."""

    as_of = graphene.Date(required=True)


class NplSeries(graphene.ObjectType):
    """The monthly NPL trend of one book."""

    key = graphene.String(required=True)
    label = graphene.String(required=True)
    label_en = graphene.String(required=True)
    scope = graphene.Field(MetricScope, required=True)
    points = graphene.List(graphene.NonNull(NplPoint), required=True)


class NplMetrics(graphene.ObjectType):
    """NPL ratio of the region, the viewer's own book, bank types and (regulator) each bank, with trends."""

    definition = graphene.String(required=True)
    region = graphene.Field(NplFigure, required=True)
    own = graphene.Field(NplFigure, description="the viewer's own book (banks)")
    by_bank_type = graphene.List(graphene.NonNull(NplFigure), required=True)
    by_institution = graphene.List(graphene.NonNull(NplFigure), required=True, description="regulator only")
    trend = graphene.Field(NplSeries, required=True)
    own_trend = graphene.Field(NplSeries)
    trend_by_bank_type = graphene.List(graphene.NonNull(NplSeries), required=True)
    trend_by_institution = graphene.List(graphene.NonNull(NplSeries), required=True, description="regulator only")


class BucketFigure(FigureFields, graphene.ObjectType):
    """Debts in one overdue bucket (key '1-30', '31-90', '91-180', '180+'; by institution: 'code:bucket')."""

    debts = graphene.Int()
    amount = graphene.Field(Money, description="outstanding")

    @staticmethod
    def resolve_amount(f, _info):
        return money(f.amount_fen)


class BucketMetrics(graphene.ObjectType):
    """Overdue buckets as of the snapshot date."""

    region = graphene.List(graphene.NonNull(BucketFigure), required=True)
    own = graphene.List(graphene.NonNull(BucketFigure), required=True)
    by_institution = graphene.List(graphene.NonNull(BucketFigure), required=True, description="regulator only")


class RecoveryFigure(FigureFields, graphene.ObjectType):
    """Recovery of adverse debts over the period."""

    rate = graphene.Float(description="recovered principal over adverse principal, 0–1")
    recovered_principal = graphene.Field(Money)
    adverse_principal = graphene.Field(Money)
    recovered_debts = graphene.Int()
    adverse_debts = graphene.Int()
    average_cycle_days = graphene.Float(description="mean days from due date to settlement")
    large_recovered_debts = graphene.Int(description="recovered debts of 5M yuan or more")
    large_average_cycle_days = graphene.Float()

    @staticmethod
    def resolve_recovered_principal(f, _info):
        return money(f.recovered_fen)

    @staticmethod
    def resolve_adverse_principal(f, _info):
        return money(f.adverse_fen)

    @staticmethod
    def resolve_large_recovered_debts(f, _info):
        return f.large_recovered


class RecoveryMetrics(graphene.ObjectType):
    """Recovery of the region, the viewer's own book, bank types and (regulator) each bank."""

    definition = graphene.String(required=True)
    region = graphene.Field(RecoveryFigure, required=True)
    own = graphene.Field(RecoveryFigure)
    by_bank_type = graphene.List(graphene.NonNull(RecoveryFigure), required=True)
    by_institution = graphene.List(graphene.NonNull(RecoveryFigure), required=True, description="regulator only")


class ConductFigure(FigureFields, graphene.ObjectType):
    """Contact attempts and what went wrong in them, with breakdowns."""

    attempts = graphene.Int(description="logged contact attempts in the period")
    attempts_with_violation = graphene.Int()
    violations = graphene.Int()
    compliance_rate = graphene.Float(description="attempts without a violation over attempts, 0–1")
    violations_per_1000 = graphene.Float(description="violations per 1,000 attempts")
    findings = graphene.Int(description="audit findings in calls (not dismissed by an auditor)")
    violations_by_rule = graphene.List(graphene.NonNull(CountFigure), required=True)
    violations_by_family = graphene.List(graphene.NonNull(CountFigure), required=True)
    findings_by_family = graphene.List(graphene.NonNull(CountFigure), required=True)
    report_statuses = graphene.List(graphene.NonNull(CountFigure), required=True)

    @staticmethod
    def resolve_violations_by_rule(f, _info):
        return f.by_rule

    @staticmethod
    def resolve_violations_by_family(f, _info):
        return f.by_family


class ComplianceMetrics(graphene.ObjectType):
    """Collection conduct of the region, the viewer's own, each agency (regulator) and the viewer's counterparties."""

    definition = graphene.String(required=True)
    region = graphene.Field(ConductFigure, required=True)
    own = graphene.Field(ConductFigure, description="an agency's own work; a bank's own debts")
    by_agency = graphene.List(graphene.NonNull(ConductFigure), required=True, description="regulator only")
    own_by_counterparty = graphene.List(
        graphene.NonNull(ConductFigure), required=True,
        description="a bank's debts by agency, or an agency's work by bank (the viewer's own data)")


class EvidenceMetrics(graphene.ObjectType):
    """Evidence entries stored in the period."""

    total = graphene.Field(CountFigure, required=True)
    by_kind = graphene.List(graphene.NonNull(CountFigure), required=True)
    own_by_kind = graphene.List(graphene.NonNull(CountFigure), required=True)

    @staticmethod
    def resolve_total(v, _info):
        return v.region_total
