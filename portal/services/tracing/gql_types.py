"""GraphQL types of the tracing service (thin: fields read from the rows; names and acknowledgements through
per-request loaders so a page costs the same number of statements whatever its size)."""

from __future__ import annotations

import graphene
from sqlalchemy import select

from portal.api.connections import connection_type
from portal.registry.models import Debtor
from portal.services.tracing.kinds import BY_CODE, KINDS, SEVERITY_FACTORS
from portal.tenancy.models import Institution

SignalKindEnum = graphene.Enum("TracingSignalKind", [(k.code.upper(), k.code) for k in KINDS])
SeverityEnum = graphene.Enum("TracingSeverity", [(s.upper(), s) for s in SEVERITY_FACTORS])


def name_loader(ctx):
    """The request's loader of debtor names by id (one query per page; list resolvers prime it)."""
    return ctx.loaders.get("tracing.debtor_names", lambda keys: dict(ctx.session.execute(
        select(Debtor.id, Debtor.name).where(Debtor.id.in_(keys))).tuples().all()))


def code_loader(ctx):
    """The request's loader of institution codes by id."""
    return ctx.loaders.get("tracing.institution_codes", lambda keys: dict(ctx.session.execute(
        select(Institution.id, Institution.code).where(Institution.id.in_(keys))).tuples().all()))


def _names(info, debtor_id: int) -> str | None:
    return name_loader(info.context).load(debtor_id)


def _code(info, institution_id: int) -> str | None:
    return code_loader(info.context).load(institution_id)


class TracingRequest(graphene.ObjectType):
    """A bank's request that a tracer trace the debtor of one of its debts."""

    id = graphene.ID(required=True)
    client_key = graphene.String()
    debt_id = graphene.ID(required=True)
    debtor_name = graphene.String(required=True)
    creditor = graphene.String(required=True, description="code of the requesting bank")
    tracer = graphene.String(required=True, description="code of the tracer")
    reason = graphene.String(required=True)
    status = graphene.String(required=True, description="open or closed")
    created_at = graphene.DateTime(required=True)
    closed_at = graphene.DateTime()

    @staticmethod
    def resolve_client_key(row, info):
        return row.client_key if info.context.principal.institution_id == row.creditor_id else None

    @staticmethod
    def resolve_debtor_name(row, info):
        return _names(info, row.debtor_id) or ""

    @staticmethod
    def resolve_creditor(row, info):
        return _code(info, row.creditor_id) or ""

    @staticmethod
    def resolve_tracer(row, info):
        return _code(info, row.tracer_id) or ""


class TracingContribution(graphene.ObjectType):
    """One signal's part of a warning score."""

    signal_id = graphene.ID(required=True)
    kind = graphene.String(required=True)
    kind_name_zh = graphene.String(required=True)
    kind_name_en = graphene.String(required=True)
    severity = graphene.String(required=True)
    points = graphene.Float(required=True)
    observed_at = graphene.DateTime(required=True)
    source = graphene.String()

    @staticmethod
    def from_dict(c: dict) -> TracingContribution:
        """A contribution from its stored JSON form."""
        from datetime import datetime

        kind = BY_CODE.get(c["kind"])
        return TracingContribution(signal_id=c["signal"], kind=c["kind"], kind_name_zh=kind.name_zh if kind else "",
                                   kind_name_en=kind.name_en if kind else "", severity=c["severity"],
                                   points=c["points"], observed_at=datetime.fromisoformat(c["observed_at"]),
                                   source=c.get("source"))


class TracingAlert(graphene.ObjectType):
    """A debtor's warning score crossed a threshold; the contributing signals explain it."""

    id = graphene.ID(required=True)
    debtor_id = graphene.ID(required=True)
    debtor_name = graphene.String(required=True)
    level = graphene.String(required=True, description="watch, warning or critical")
    score = graphene.Float(required=True)
    threshold = graphene.Float(required=True)
    created_at = graphene.DateTime(required=True)
    contributions = graphene.List(graphene.NonNull(TracingContribution), required=True)
    acknowledged_at = graphene.DateTime(description="when the viewer's institution acknowledged it")

    @staticmethod
    def resolve_debtor_name(row, info):
        return _names(info, row.debtor_id) or ""

    @staticmethod
    def resolve_contributions(row, _info):
        return [TracingContribution.from_dict(c) for c in row.contributions or []]

    @staticmethod
    def resolve_acknowledged_at(row, info):
        from portal.services.tracing import operations

        ctx = info.context
        loader = ctx.loaders.get("tracing.acks", lambda keys: operations.acknowledgements(
            ctx.session, ctx.principal, keys))
        ack = loader.load(row.id)
        return ack.at if ack else None


class TracingSignal(graphene.ObjectType):
    """A signal as its tracer sees it. ``status`` is ``accepted`` or ``unresolved`` (waiting for a manual link);
    whether a subject is a registry debtor is not disclosed to the tracer."""

    id = graphene.ID(required=True)
    key = graphene.String(required=True)
    kind = graphene.String(required=True)
    status = graphene.String(required=True)
    subject = graphene.String(description="the USCC, or the identity number masked")
    name = graphene.String()
    address = graphene.String()
    district = graphene.String()
    observed_at = graphene.DateTime(required=True)
    severity = graphene.String(required=True)
    source = graphene.String()
    match_score = graphene.Float(description="best name-match score (unresolved signals)")
    match_reason = graphene.String()

    @staticmethod
    def resolve_key(row, _info):
        return row.signal_key

    @staticmethod
    def resolve_status(row, _info):
        return "unresolved" if row.status == "unresolved" else "accepted"

    @staticmethod
    def resolve_subject(row, _info):
        return row.subject_masked

    @staticmethod
    def resolve_name(row, _info):
        return row.subject_name

    @staticmethod
    def resolve_match_score(row, _info):
        return row.match_score if row.status == "unresolved" else None

    @staticmethod
    def resolve_match_reason(row, _info):
        return (row.match_explain or {}).get("reason") if row.status == "unresolved" else None


class TracingLineError(graphene.ObjectType):
    """A refused line of a batch."""

    line = graphene.Int(required=True)
    reason = graphene.String(required=True)


class TracingSignalBatch(graphene.ObjectType):
    """What a posted batch did: line counts, refused lines with reasons, the unresolved queue's growth."""

    id = graphene.ID(required=True)
    lines = graphene.Int(required=True)
    stored = graphene.Int(required=True)
    unchanged = graphene.Int(required=True)
    refused_count = graphene.Int(required=True)
    refused = graphene.List(graphene.NonNull(TracingLineError), required=True)
    unresolved = graphene.Int(required=True)
    rescore_chunks = graphene.Int(required=True)

    @staticmethod
    def from_result(result) -> TracingSignalBatch:
        """The payload of an ``operations.BatchResult``."""
        b = result.batch
        return TracingSignalBatch(id=b.id, lines=b.lines_total, stored=b.lines_stored, unchanged=b.lines_unchanged,
                                  refused_count=b.lines_bad,
                                  refused=[TracingLineError(line=e["line"], reason=e["reason"]) for e in b.errors],
                                  unresolved=b.unresolved, rescore_chunks=len(result.chunks()))


class TracingSignalPayload(graphene.ObjectType):
    """What ``postTracingSignal`` answers."""

    signal = graphene.Field(TracingSignal, required=True)
    created = graphene.Boolean(required=True)


class TracingRequestPayload(graphene.ObjectType):
    """What ``requestTracing`` answers."""

    request = graphene.Field(TracingRequest, required=True)
    created = graphene.Boolean(required=True)


class TracingAckPayload(graphene.ObjectType):
    """What ``acknowledgeTracingAlert`` answers."""

    alert = graphene.Field(TracingAlert, required=True)
    acknowledged_at = graphene.DateTime(required=True)


class RequestTracingInput(graphene.InputObjectType):
    """A bank asks a tracer to trace the debtor of one of its debts."""

    client_key = graphene.String(required=True)
    debt_id = graphene.ID(required=True)
    tracer = graphene.String(required=True, description="the tracer institution's code")
    reason = graphene.String(required=True)


class TracingSignalInput(graphene.InputObjectType):
    """One signal: an identifier (uscc or idNumber) and/or a name with an address or district."""

    key = graphene.String(required=True, description="the tracer's own key: re-sending it is idempotent")
    kind = SignalKindEnum(required=True)
    uscc = graphene.String()
    id_number = graphene.String()
    name = graphene.String()
    address = graphene.String()
    district = graphene.String()
    observed_at = graphene.DateTime(required=True)
    severity = SeverityEnum()
    source = graphene.String()
    details = graphene.JSONString()


class TracingAlertFilter(graphene.InputObjectType):
    """Optional filters of ``tracingAlerts``."""

    level = graphene.String()
    debtor_id = graphene.ID()
    unacknowledged = graphene.Boolean()


TracingRequestConnection = connection_type(TracingRequest)
TracingAlertConnection = connection_type(TracingAlert)
TracingSignalConnection = connection_type(TracingSignal)
