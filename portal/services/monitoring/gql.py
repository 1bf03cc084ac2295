"""GraphQL: ``regionMetrics`` — thin types over monitoring.operations (figure types in gql_types)."""

from __future__ import annotations

import graphene

from portal.services.monitoring import operations
from portal.services.monitoring.gql_types import (
    BucketMetrics,
    ComplianceMetrics,
    EvidenceMetrics,
    NplMetrics,
    RecoveryMetrics,
)
from portal.services.monitoring.portfolio import NPL_DEFINITION, RECOVERY_DEFINITION


class KindCount(graphene.ObjectType):
    """How many institutions of one kind."""

    kind = graphene.String(required=True)
    count = graphene.Int(required=True)


class RegionMetrics(graphene.ObjectType):
    """Regional figures for a period, as the viewer may see them (docs/dashboards.md has the definitions)."""

    period_from = graphene.Date(required=True, name="from")
    period_to = graphene.Date(required=True, name="to")
    district = graphene.String()
    institutions_by_kind = graphene.List(graphene.NonNull(KindCount), required=True)
    own_users = graphene.Int(required=True)
    as_of = graphene.Date(required=True, description="snapshot date of stock figures: the period end or today")
    per_institution = graphene.Boolean(required=True, description="per-institution breakdowns included (regulator)")
    npl = graphene.Field(NplMetrics, required=True)
    overdue_buckets = graphene.Field(BucketMetrics, required=True)
    recovery = graphene.Field(RecoveryMetrics, required=True)
    compliance = graphene.Field(ComplianceMetrics, required=True)
    audit_available = graphene.Boolean(required=True, description="false while the audit tables are absent")
    evidence = graphene.Field(EvidenceMetrics, required=True)

    @staticmethod
    def resolve_institutions_by_kind(metrics, _info):
        return [KindCount(kind=k, count=v) for k, v in sorted(metrics.institutions_by_kind.items())]

    @staticmethod
    def resolve_npl(metrics, _info):
        npl, trend = metrics.get("npl"), metrics.get("npl_trend")
        return NplMetrics(
            definition=NPL_DEFINITION, region=npl["region"][0], own=npl["own"], by_bank_type=npl["by_bank_type"],
            by_institution=npl["by_institution"], trend=trend["region"], own_trend=trend["own"],
            trend_by_bank_type=trend["by_bank_type"], trend_by_institution=trend["by_institution"])

    @staticmethod
    def resolve_overdue_buckets(metrics, _info):
        b = metrics.get("buckets")
        return BucketMetrics(region=b["region"], own=b["own"], by_institution=b["by_institution"])

    @staticmethod
    def resolve_recovery(metrics, _info):
        r = metrics.get("recovery")
        return RecoveryMetrics(definition=RECOVERY_DEFINITION, region=r["region"][0], own=r["own"],
                               by_bank_type=r["by_bank_type"], by_institution=r["by_institution"])

    @staticmethod
    def resolve_compliance(metrics, _info):
        c = metrics.get("conduct")
        return ComplianceMetrics(definition=c["definition"], region=c["region"], own=c["own"],
                                 by_agency=c["by_agency"], own_by_counterparty=c["own_by_counterparty"])

    @staticmethod
    def resolve_audit_available(metrics, _info):
        return bool(metrics.get("audit_available"))

    @staticmethod
    def resolve_evidence(metrics, _info):
        return metrics.get("evidence")


class Query(graphene.ObjectType):
    """Monitoring's root fields."""

    region_metrics = graphene.Field(
        RegionMetrics,
        required=True,
        period_from=graphene.Date(required=True, name="from"),
        period_to=graphene.Date(required=True, name="to"),
        district=graphene.String(),
    )

    region_districts = graphene.List(graphene.NonNull(graphene.String), required=True,
                                     description="districts known to the regionMetrics district filter")

    @staticmethod
    def resolve_region_districts(_root, info):
        ctx = info.context
        return operations.region_districts(ctx.principal, session=ctx.session)

    @staticmethod
    def resolve_region_metrics(_root, info, period_from, period_to, district=None):
        ctx = info.context
        return operations.region_metrics(ctx.principal, period_from, period_to, district, session=ctx.session)
