"""GraphQL of the tracing service: thin resolvers calling ``operations`` with the request's principal and session.

Queries: ``tracingRequests``, ``tracingAlerts``, ``unresolvedTracingSignals``.
Mutations: ``requestTracing``, ``closeTracingRequest``, ``postTracingSignal``, ``postTracingSignalBatch`` (JSONL
text; the touched debtors are rescored by tasks after commit), ``acknowledgeTracingAlert``, ``linkTracingSignal``.
"""

from __future__ import annotations

import logging

import graphene
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.api.connections import paginate
from portal.services.tracing import operations
from portal.services.tracing.gql_types import (
    RequestTracingInput,
    TracingAckPayload,
    TracingAlertConnection,
    TracingAlertFilter,
    TracingRequest,
    TracingRequestConnection,
    TracingRequestPayload,
    TracingSignal,
    TracingSignalBatch,
    TracingSignalConnection,
    TracingSignalInput,
    TracingSignalPayload,
    code_loader,
    name_loader,
)
from portal.services.tracing.operations.common import ident

log = logging.getLogger("portal.tracing")


def _value(v):
    return getattr(v, "value", v)


class Query(graphene.ObjectType):
    """Tracing's root fields."""

    tracing_requests = graphene.Field(TracingRequestConnection, required=True, status=graphene.String(),
                                      first=graphene.Int(), after=graphene.String())
    tracing_alerts = graphene.Field(TracingAlertConnection, required=True, filter=TracingAlertFilter(),
                                    first=graphene.Int(), after=graphene.String())
    unresolved_tracing_signals = graphene.Field(TracingSignalConnection, required=True, first=graphene.Int(),
                                                after=graphene.String())

    @staticmethod
    def resolve_tracing_requests(_root, info, status=None, first=None, after=None):
        ctx = info.context

        def fetch(k, n):
            rows = operations.list_requests(ctx.principal, after=k, limit=n, status=status, session=ctx.session)
            name_loader(ctx).prime(r.debtor_id for r in rows)
            code_loader(ctx).prime({i for r in rows for i in (r.creditor_id, r.tracer_id)})
            return rows

        return paginate(ctx.cursors, f"tracing.requests:{status}", first, after, fetch, lambda r: r.id)

    @staticmethod
    def resolve_tracing_alerts(_root, info, filter=None, first=None, after=None):  # noqa: A002 - GraphQL name
        ctx = info.context
        f = filter or {}
        debtor = f.get("debtor_id")
        flt = operations.AlertFilter(level=f.get("level"), unacknowledged=bool(f.get("unacknowledged")),
                                     debtor_id=None if debtor is None else
                                     ident(ctx.principal, debtor, "debtorId"))
        scope = "tracing.alerts:" + repr(sorted((k, str(v)) for k, v in f.items()))

        def fetch(k, n):
            rows = operations.list_alerts(ctx.principal, flt, after=k, limit=n, session=ctx.session)
            ctx.loaders.get("tracing.acks", lambda keys: operations.acknowledgements(
                ctx.session, ctx.principal, keys)).prime(r.id for r in rows)
            name_loader(ctx).prime(r.debtor_id for r in rows)
            return rows

        return paginate(ctx.cursors, scope, first, after, fetch, lambda r: r.id)

    @staticmethod
    def resolve_unresolved_tracing_signals(_root, info, first=None, after=None):
        ctx = info.context
        return paginate(ctx.cursors, "tracing.unresolved", first, after, lambda k, n: operations.list_unresolved(
            ctx.principal, after=k, limit=n, session=ctx.session), lambda r: r.id)


class RequestTracing(graphene.Mutation):
    """A creditor bank asks a tracer to trace the debtor of one of its debts (idempotent by clientKey)."""

    class Arguments:
        input = RequestTracingInput(required=True)

    Output = TracingRequestPayload

    @staticmethod
    def mutate(_root, info, input):  # noqa: A002 - GraphQL name
        ctx = info.context
        row, created = operations.request_tracing(ctx.principal, input.get("debt_id"), input.get("tracer"),
                                                  input.get("reason"), input.get("client_key"), session=ctx.session)
        return TracingRequestPayload(request=row, created=created)


class CloseTracingRequest(graphene.Mutation):
    """The tracer (or the requesting bank) closes a request; the tracer's registry link to the debt ends."""

    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String()

    Output = TracingRequest

    @staticmethod
    def mutate(_root, info, id, note=None):  # noqa: A002 - GraphQL name
        ctx = info.context
        return operations.close_request(ctx.principal, id, note, session=ctx.session)


def _signal_data(data: dict) -> dict:
    out = {"key": data.get("key"), "kind": _value(data.get("kind"))}
    for src, dst in (("uscc", "uscc"), ("id_number", "idNumber"), ("name", "name"), ("address", "address"),
                     ("district", "district"), ("source", "source"), ("details", "details")):
        if data.get(src) is not None:
            out[dst] = data[src]
    if data.get("severity") is not None:
        out["severity"] = _value(data["severity"])
    at = data.get("observed_at")
    out["observedAt"] = at.isoformat() if hasattr(at, "isoformat") else at
    return out


class PostTracingSignal(graphene.Mutation):
    """A tracer posts one signal; it is resolved to a registry debtor and the debtor's warning recomputed."""

    class Arguments:
        input = TracingSignalInput(required=True)

    Output = TracingSignalPayload

    @staticmethod
    def mutate(_root, info, input):  # noqa: A002 - GraphQL name
        ctx = info.context
        row, created = operations.post_signal(ctx.principal, _signal_data(dict(input)), keyring=ctx.keyring,
                                              session=ctx.session)
        return TracingSignalPayload(signal=row, created=created)


def _dispatch_after_commit(session: Session, institution_id: int, chunks: list[list[int]],
                           user_id: int | None) -> None:
    """Queue the rescoring chunks once the outer transaction commits (never after a rollback)."""
    state = {"open": True}

    def after_commit(sess: Session) -> None:
        if state["open"] and sess.get_nested_transaction() is None:
            state["open"] = False
            try:
                from portal.services.tracing.tasks import dispatch_rescore

                dispatch_rescore(institution_id, chunks, user_id)
            except Exception:  # broker down: scores catch up at the next batch touching those debtors
                log.exception("could not queue the rescoring of %d tracing chunks", len(chunks))

    def after_rollback(sess: Session) -> None:
        if sess.get_nested_transaction() is None:
            state["open"] = False

    event.listen(session, "after_commit", after_commit)
    event.listen(session, "after_rollback", after_rollback)


class PostTracingSignalBatch(graphene.Mutation):
    """A tracer posts a JSONL batch of signals (one signal object per line): bad lines are refused with their line
    numbers, the rest stored; the touched debtors are rescored by Celery tasks in chunks."""

    class Arguments:
        jsonl = graphene.String(required=True)
        filename = graphene.String()

    Output = TracingSignalBatch

    @staticmethod
    def mutate(_root, info, jsonl, filename=None):
        ctx = info.context
        result = operations.post_batch(ctx.principal, operations.batch_lines(jsonl), filename=filename,
                                       keyring=ctx.keyring, session=ctx.session)
        _dispatch_after_commit(ctx.session, ctx.principal.institution_id, result.chunks(), ctx.principal.user_id)
        return TracingSignalBatch.from_result(result)


class AcknowledgeTracingAlert(graphene.Mutation):
    """A creditor bank of the debtor acknowledges an alert."""

    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String()

    Output = TracingAckPayload

    @staticmethod
    def mutate(_root, info, id, note=None):  # noqa: A002 - GraphQL name
        ctx = info.context
        alert, ack = operations.acknowledge_alert(ctx.principal, id, note, session=ctx.session)
        return TracingAckPayload(alert=alert, acknowledged_at=ack.at)


class LinkTracingSignal(graphene.Mutation):
    """The tracer links an unresolved signal, by hand, to the debtor of one of its open requests."""

    class Arguments:
        signal_id = graphene.ID(required=True)
        request_id = graphene.ID(required=True)

    Output = TracingSignal

    @staticmethod
    def mutate(_root, info, signal_id, request_id):
        ctx = info.context
        return operations.link_signal(ctx.principal, signal_id, request_id, session=ctx.session)


class Mutation(graphene.ObjectType):
    """Tracing's mutations."""

    request_tracing = RequestTracing.Field(required=True)
    close_tracing_request = CloseTracingRequest.Field(required=True)
    post_tracing_signal = PostTracingSignal.Field(required=True)
    post_tracing_signal_batch = PostTracingSignalBatch.Field(required=True)
    acknowledge_tracing_alert = AcknowledgeTracingAlert.Field(required=True)
    link_tracing_signal = LinkTracingSignal.Field(required=True)
