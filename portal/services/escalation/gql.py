"""GraphQL of escalation: the ladder in force, a bank's collections board, debts by stage, lawyer's letters (approved
in bulk or rejected), the regulator's stage counts per bank, and running a sweep. Thin: arguments in, operations
called, types out."""

from __future__ import annotations

from typing import Any

import graphene
from sqlalchemy import select

from portal.api.connections import paginate
from portal.core.errors import BadInput
from portal.registry.gql_types import Purpose
from portal.registry.vocab import Purpose as PurposeValue
from portal.services.escalation import operations
from portal.services.escalation.gql_types import (
    ApproveLawyerLettersPayload,
    BankStageCounts,
    EscalationBoard,
    EscalationDebtConnection,
    EscalationLadder,
    EscalationStage,
    LawyerLetterConnection,
    LetterStatus,
    RejectLawyerLetterPayload,
    RunEscalationSweepPayload,
)
from portal.tenancy.models import Institution


def _value(enum_value: Any) -> Any:
    return getattr(enum_value, "value", enum_value)


def _purpose(value: Any) -> PurposeValue | None:
    return PurposeValue.parse(_value(value), "purpose") if value is not None else None


class Query(graphene.ObjectType):
    """Escalation's root fields."""

    escalation_ladder = graphene.Field(EscalationLadder, required=True)
    escalation_board = graphene.Field(EscalationBoard, required=True, as_of=graphene.Date())
    escalation_debts = graphene.Field(EscalationDebtConnection, required=True, stage=EscalationStage(),
                                      purpose=Purpose(), first=graphene.Int(), after=graphene.String())
    lawyer_letters = graphene.Field(LawyerLetterConnection, required=True, status=LetterStatus(), purpose=Purpose(),
                                    first=graphene.Int(), after=graphene.String())
    escalation_stage_aggregates = graphene.List(graphene.NonNull(BankStageCounts), required=True)

    @staticmethod
    def resolve_escalation_ladder(_root, info):
        ctx = info.context
        return operations.read_ladder(ctx.principal, session=ctx.session)

    @staticmethod
    def resolve_escalation_board(_root, info, as_of=None):
        ctx = info.context
        return operations.board(ctx.principal, as_of=as_of, session=ctx.session)

    @staticmethod
    def resolve_escalation_debts(_root, info, stage=None, purpose=None, first=None, after=None):
        ctx = info.context

        def fetch(after_id, limit):
            return operations.list_staged_debts(ctx.principal, stage=_value(stage), purpose=_purpose(purpose),
                                                after_id=after_id, limit=limit, session=ctx.session)

        scope = f"escalationDebts:{_value(stage)}"
        return paginate(ctx.cursors, scope, first, after, fetch, lambda row: row.debt_id)

    @staticmethod
    def resolve_lawyer_letters(_root, info, status=None, purpose=None, first=None, after=None):
        ctx = info.context

        def fetch(after_id, limit):
            return operations.list_letters(ctx.principal, status=_value(status), purpose=_purpose(purpose),
                                           after_id=after_id, limit=limit, session=ctx.session)

        return paginate(ctx.cursors, f"lawyerLetters:{_value(status)}", first, after, fetch, lambda row: row.id)

    @staticmethod
    def resolve_escalation_stage_aggregates(_root, info):
        ctx = info.context
        return operations.stage_aggregates(ctx.principal, session=ctx.session)


class ApproveLawyerLetters(graphene.Mutation):
    """The creditor bank approves draft letters in bulk: all or nothing, bad ids named, approving twice is a no-op."""

    class Arguments:
        ids = graphene.List(graphene.NonNull(graphene.ID), required=True)

    Output = ApproveLawyerLettersPayload

    @staticmethod
    def mutate(_root, info, ids):
        ctx = info.context
        return operations.approve_letters(ctx.principal, ids, session=ctx.session)


class RejectLawyerLetter(graphene.Mutation):
    """The creditor bank rejects a draft letter with a reason."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    Output = RejectLawyerLetterPayload

    @staticmethod
    def mutate(_root, info, id, reason):  # noqa: A002 - the argument's public name
        ctx = info.context
        return RejectLawyerLetterPayload(letter=operations.reject_letter(ctx.principal, id, reason,
                                                                         session=ctx.session))


class RunEscalationSweep(graphene.Mutation):
    """Run the sweep now, in this request: a bank's operator for its own book; the regulator for one bank (``bank``,
    its code) or every bank."""

    class Arguments:
        as_of = graphene.Date(description="the Shanghai date to sweep as of; today by default")
        bank = graphene.String(description="the bank's code (the regulator); a bank sweeps its own book")

    Output = RunEscalationSweepPayload

    @staticmethod
    def mutate(_root, info, as_of=None, bank=None):
        ctx = info.context
        principal = ctx.principal
        if bank is not None:
            bank_id = ctx.session.scalar(select(Institution.id).where(Institution.code == bank,
                                                                      Institution.kind == "bank"))
            if bank_id is None:
                raise BadInput(f"bank: {bank!r} is not a bank's code", field="bank")
            banks = [bank_id]
        elif principal.kind is not None and principal.kind.value == "bank":
            banks = [principal.institution_id]
        else:
            banks = operations.banks_to_sweep(principal, session=ctx.session)
        sweeps = [operations.run_sweep(principal, bank_id, as_of, session=ctx.session, keyring=ctx.keyring)
                  for bank_id in banks]
        return RunEscalationSweepPayload(sweeps=sweeps)


class PublishEscalationLadder(graphene.Mutation):
    """The regulator publishes a new ladder version (TOML text: thresholds, names, letter period, referral amount)."""

    class Arguments:
        source = graphene.String(required=True, description="the ladder as TOML (see the shipped ladder.toml)")

    Output = EscalationLadder

    @staticmethod
    def mutate(_root, info, source):
        ctx = info.context
        return operations.publish_ladder(ctx.principal, source, session=ctx.session)


class Mutation(graphene.ObjectType):
    """Escalation's mutations."""

    publish_escalation_ladder = PublishEscalationLadder.Field(required=True)
    approve_lawyer_letters = ApproveLawyerLetters.Field(required=True)
    reject_lawyer_letter = RejectLawyerLetter.Field(required=True)
    run_escalation_sweep = RunEscalationSweep.Field(required=True)
