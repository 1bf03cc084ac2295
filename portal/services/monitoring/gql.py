"""GraphQL: ``regionMetrics`` — thin types over monitoring.operations."""

from __future__ import annotations

import graphene

from portal.services.monitoring import operations


class KindCount(graphene.ObjectType):
    """How many institutions of one kind."""

    kind = graphene.String(required=True)
    count = graphene.Int(required=True)


class RegionMetrics(graphene.ObjectType):
    """Regional figures for a period, as the viewer may see them."""

    period_from = graphene.Date(required=True, name="from")
    period_to = graphene.Date(required=True, name="to")
    district = graphene.String()
    institutions_by_kind = graphene.List(graphene.NonNull(KindCount), required=True)
    own_users = graphene.Int(required=True)

    @staticmethod
    def resolve_institutions_by_kind(metrics, _info):
        return [KindCount(kind=k, count=v) for k, v in sorted(metrics.institutions_by_kind.items())]


class Query(graphene.ObjectType):
    """Monitoring's root fields."""

    region_metrics = graphene.Field(
        RegionMetrics,
        required=True,
        period_from=graphene.Date(required=True, name="from"),
        period_to=graphene.Date(required=True, name="to"),
        district=graphene.String(),
    )

    @staticmethod
    def resolve_region_metrics(_root, info, period_from, period_to, district=None):
        ctx = info.context
        return operations.region_metrics(ctx.principal, period_from, period_to, district, session=ctx.session)
