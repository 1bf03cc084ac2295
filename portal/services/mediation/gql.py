"""GraphQL of mediation: ``mediationCases`` / ``mediationCase`` and the mutations of the case's journey, from
``referToMediation`` to ``recordJudicialRuling``. Thin: arguments in, one operation called, types out."""

from __future__ import annotations

from typing import Any

import graphene

from portal.api.connections import connection_type, paginate
from portal.services.mediation import operations
from portal.services.mediation.gql_types import (
    InvitationChannel,
    MediationAgreementInput,
    MediationCase,
    MediationCaseFilter,
    MediationCasePayload,
    MediationCloseOutcome,
    MediationEventPayload,
    MediationMetrics,
    MediationParty,
    ReferToMediationInput,
    decode_document,
)
from portal.services.monitoring.gql import RegionMetrics

MediationCaseConnection = connection_type(MediationCase)


def _value(enum_value: Any) -> Any:
    return getattr(enum_value, "value", enum_value)


class Query(graphene.ObjectType):
    """Mediation's root fields."""

    mediation_cases = graphene.Field(MediationCaseConnection, required=True, filter=MediationCaseFilter(),
                                     first=graphene.Int(), after=graphene.String())
    mediation_case = graphene.Field(MediationCase, required=True, id=graphene.ID(required=True))

    @staticmethod
    def resolve_mediation_cases(_root, info, filter=None, first=None, after=None):
        ctx = info.context
        status = _value((filter or {}).get("status"))

        def fetch(after_id, limit):
            return operations.list_cases(ctx.principal, after_id=after_id, limit=limit, session=ctx.session,
                                         status=status)

        return paginate(ctx.cursors, f"mediationCases:{status or ''}", first, after, fetch, lambda row: row.id)

    @staticmethod
    def resolve_mediation_case(_root, info, id):
        ctx = info.context
        return operations.get_case(ctx.principal, id, session=ctx.session)


class ReferToMediation(graphene.Mutation):
    """A creditor bank refers overdue debts of one debtor to a mediation centre (idempotent per clientKey)."""

    class Arguments:
        input = ReferToMediationInput(required=True)

    Output = MediationCasePayload

    @staticmethod
    def mutate(_root, info, input):
        ctx = info.context
        case = operations.refer_to_mediation(ctx.principal, input["client_key"], input["debt_ids"],
                                             input["mediator"], input.get("note"), session=ctx.session)
        return MediationCasePayload(case=case)


class AcceptMediationCase(graphene.Mutation):
    """The mediation centre takes a referred case on."""

    class Arguments:
        id = graphene.ID(required=True)

    Output = MediationCasePayload

    @staticmethod
    def mutate(_root, info, id):
        ctx = info.context
        return MediationCasePayload(case=operations.accept_case(ctx.principal, id, session=ctx.session))


class DeclineMediationCase(graphene.Mutation):
    """The mediation centre declines a referred case, saying why."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    Output = MediationCasePayload

    @staticmethod
    def mutate(_root, info, id, reason):
        ctx = info.context
        return MediationCasePayload(case=operations.decline_case(ctx.principal, id, reason, session=ctx.session))


class InviteMediationParty(graphene.Mutation):
    """The mediator records inviting a party (bank or debtor) through a channel."""

    class Arguments:
        case_id = graphene.ID(required=True)
        party = MediationParty(required=True)
        channel = InvitationChannel(required=True)
        at = graphene.DateTime(description="when the invitation was made; now by default")
        note = graphene.String()

    Output = MediationEventPayload

    @staticmethod
    def mutate(_root, info, case_id, party, channel, at=None, note=None):
        ctx = info.context
        event = operations.record_invitation(ctx.principal, case_id, _value(party), _value(channel), at, note=note,
                                             session=ctx.session)
        return MediationEventPayload(event=event, case=operations.get_case(ctx.principal, case_id,
                                                                           session=ctx.session))


class RecordMediationSession(graphene.Mutation):
    """The mediator records a session held: when, who attended, the outcome."""

    class Arguments:
        case_id = graphene.ID(required=True)
        held_at = graphene.DateTime(required=True)
        attendees = graphene.List(graphene.NonNull(graphene.String), required=True)
        outcome = graphene.String(required=True)

    Output = MediationEventPayload

    @staticmethod
    def mutate(_root, info, case_id, held_at, attendees, outcome):
        ctx = info.context
        event = operations.record_session(ctx.principal, case_id, held_at, attendees, outcome, session=ctx.session)
        return MediationEventPayload(event=event, case=operations.get_case(ctx.principal, case_id,
                                                                           session=ctx.session))


class RecordMediationAgreement(graphene.Mutation):
    """The mediator records the signed agreement; the document is stored as evidence; the 30 days start."""

    class Arguments:
        input = MediationAgreementInput(required=True)

    Output = MediationCasePayload

    @staticmethod
    def mutate(_root, info, input):
        ctx = info.context
        plan = [{"due_on": i["due_on"], "amount": dict(i["amount"])} for i in input["instalments"]]
        case = operations.record_agreement(ctx.principal, input["case_id"], dict(input["amount"]), plan,
                                           input["signed_on"], decode_document(input["document"]),
                                           session=ctx.session, keyring=ctx.keyring)
        return MediationCasePayload(case=case)


class ApplyForJudicialConfirmation(graphene.Mutation):
    """The mediator records the application to a court for judicial confirmation (within 30 days of signing)."""

    class Arguments:
        case_id = graphene.ID(required=True)
        court = graphene.String(required=True)
        filed_on = graphene.Date(required=True)

    Output = MediationCasePayload

    @staticmethod
    def mutate(_root, info, case_id, court, filed_on):
        ctx = info.context
        case = operations.apply_for_confirmation(ctx.principal, case_id, court, filed_on, session=ctx.session)
        return MediationCasePayload(case=case)


class RecordJudicialRuling(graphene.Mutation):
    """The mediator records the court's ruling: confirmed (enforceable) or rejected."""

    class Arguments:
        case_id = graphene.ID(required=True)
        confirmed = graphene.Boolean(required=True)
        ruled_on = graphene.Date(required=True)

    Output = MediationCasePayload

    @staticmethod
    def mutate(_root, info, case_id, confirmed, ruled_on):
        ctx = info.context
        case = operations.record_ruling(ctx.principal, case_id, confirmed, ruled_on, session=ctx.session)
        return MediationCasePayload(case=case)


class CloseMediationCase(graphene.Mutation):
    """FAILED: the mediator ends the case (litigation advised, a note required). WITHDRAWN: the bank takes it back."""

    class Arguments:
        id = graphene.ID(required=True)
        outcome = MediationCloseOutcome(required=True)
        note = graphene.String()

    Output = MediationCasePayload

    @staticmethod
    def mutate(_root, info, id, outcome, note=None):
        ctx = info.context
        if _value(outcome) == "failed":
            case = operations.fail_case(ctx.principal, id, note, session=ctx.session)
        else:
            case = operations.withdraw_case(ctx.principal, id, note, session=ctx.session)
        return MediationCasePayload(case=case)


class Mutation(graphene.ObjectType):
    """Mediation's mutations."""

    refer_to_mediation = ReferToMediation.Field(required=True)
    accept_mediation_case = AcceptMediationCase.Field(required=True)
    decline_mediation_case = DeclineMediationCase.Field(required=True)
    invite_mediation_party = InviteMediationParty.Field(required=True)
    record_mediation_session = RecordMediationSession.Field(required=True)
    record_mediation_agreement = RecordMediationAgreement.Field(required=True)
    apply_for_judicial_confirmation = ApplyForJudicialConfirmation.Field(required=True)
    record_judicial_ruling = RecordJudicialRuling.Field(required=True)
    close_mediation_case = CloseMediationCase.Field(required=True)


def _region_mediation(metrics, _info):
    """``RegionMetrics.mediation``: computed on first use by monitoring's mediation-outcomes provider."""
    return metrics.get("mediation")


TYPE_EXTENSIONS = (
    (RegionMetrics, "mediation", graphene.Field(
        MediationMetrics, required=True, resolver=_region_mediation,
        description="mediation outcomes of the cases referred in the period")),
)
