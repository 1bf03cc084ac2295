"""GraphQL output types of the escalation service (operations' read models in, contract shapes out)."""

from __future__ import annotations

import graphene

from portal.api.connections import connection_type
from portal.core.money import format_fen
from portal.registry.gql_types import Money
from portal.services.escalation.ladder import STAGE_CODES
from portal.tenancy.gql import Institution

EscalationStage = graphene.Enum("EscalationStage", [(code.upper(), code) for code in STAGE_CODES])
LetterStatus = graphene.Enum("LawyerLetterStatus", [(s.upper(), s) for s in ("draft", "approved", "rejected")])


def _money(fen: int, currency: str = "CNY") -> Money:
    return Money(amount=format_fen(fen), currency=currency)


class LadderStage(graphene.ObjectType):
    """One stage of the ladder in force: its range of days past due (``maxDaysPastDue`` null: open-ended)."""

    stage = graphene.Field(EscalationStage, required=True)
    name_zh = graphene.String(required=True)
    name_en = graphene.String(required=True)
    min_days_past_due = graphene.Int(required=True)
    max_days_past_due = graphene.Int()
    actions = graphene.List(graphene.NonNull(graphene.String), required=True)

    @staticmethod
    def resolve_stage(stage, _info):
        return stage.code

    @staticmethod
    def resolve_min_days_past_due(stage, _info):
        return stage.min_dpd

    @staticmethod
    def resolve_max_days_past_due(stage, _info):
        return stage.max_dpd


class EscalationLadder(graphene.ObjectType):
    """The collection ladder in force (the regulator's data)."""

    version = graphene.String(required=True)
    stages = graphene.List(graphene.NonNull(LadderStage), required=True)
    letter_pay_within_days = graphene.Int(required=True)
    referral_threshold = graphene.Field(Money, required=True)
    legal_basis_zh = graphene.String(required=True)

    @staticmethod
    def resolve_referral_threshold(ladder, _info):
        return _money(ladder.referral_threshold_fen)


class StageCount(graphene.ObjectType):
    """How many debts are in (or moved to) a stage; ``stage`` null: left the ladder."""

    stage = graphene.Field(EscalationStage)
    count = graphene.Int(required=True)


def _counts(mapping: dict[str, int]) -> list[StageCount]:
    return [StageCount(stage=None if key == "left" else key, count=value) for key, value in mapping.items()]


class EscalationSweep(graphene.ObjectType):
    """A sweep of one bank's book and what it changed."""

    id = graphene.ID(required=True)
    as_of = graphene.Date(required=True)
    ladder_version = graphene.String(required=True)
    started_at = graphene.DateTime(required=True)
    finished_at = graphene.DateTime()
    chunks_total = graphene.Int(required=True)
    chunks_done = graphene.Int(required=True)
    transitions = graphene.Int(required=True)
    letters = graphene.Int(required=True)
    referrals = graphene.Int(required=True)


class EscalationBoard(graphene.ObjectType):
    """A bank's collections board: debts per stage, moved on the day, letters awaiting approval, referrals."""

    as_of = graphene.Date(required=True)
    per_stage = graphene.List(graphene.NonNull(StageCount), required=True)
    moved_today = graphene.List(graphene.NonNull(StageCount), required=True)
    letters_awaiting_approval = graphene.Int(required=True)
    referral_candidates = graphene.Int(required=True)
    last_sweep = graphene.Field(EscalationSweep)

    @staticmethod
    def resolve_per_stage(board, _info):
        return _counts(board.per_stage)

    @staticmethod
    def resolve_moved_today(board, _info):
        return _counts(board.moved)

    @staticmethod
    def resolve_letters_awaiting_approval(board, _info):
        return board.letters_awaiting


class EscalationDebt(graphene.ObjectType):
    """A debt on the ladder: its stage since when, days past due today, amount outstanding."""

    id = graphene.ID(required=True)
    client_key = graphene.String(required=True)
    stage = graphene.Field(EscalationStage, required=True)
    entered_on = graphene.Date(required=True)
    days_past_due = graphene.Int(required=True)
    due_on = graphene.Date(required=True)
    outstanding = graphene.Field(Money, required=True)
    referral_candidate = graphene.Boolean(required=True)

    @staticmethod
    def resolve_id(row, _info):
        return row.debt_id

    @staticmethod
    def resolve_outstanding(row, _info):
        return _money(row.outstanding_fen, row.currency)


class LawyerLetter(graphene.ObjectType):
    """A lawyer's letter drafted by the sweep (identifier masked in the text)."""

    id = graphene.ID(required=True)
    debt_id = graphene.ID(required=True)
    status = graphene.Field(LetterStatus, required=True)
    amount = graphene.Field(Money, required=True)
    due_on = graphene.Date(required=True)
    pay_by = graphene.Date(required=True)
    drafted_on = graphene.Date(required=True)
    body_zh = graphene.String(required=True)
    approved_at = graphene.DateTime()
    rejected_at = graphene.DateTime()
    reject_reason = graphene.String()

    @staticmethod
    def resolve_amount(row, _info):
        return _money(row.amount_fen)


class BankStageCounts(graphene.ObjectType):
    """One bank's debts per stage (the regulator's view)."""

    institution = graphene.Field(Institution, required=True)
    per_stage = graphene.List(graphene.NonNull(StageCount), required=True)

    @staticmethod
    def resolve_per_stage(row, _info):
        return _counts(row.per_stage)


class ApproveLawyerLettersPayload(graphene.ObjectType):
    """What a bulk approval did (ids approved before are reported, not approved again)."""

    approved_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    already_approved_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    letters = graphene.List(graphene.NonNull(LawyerLetter), required=True)

    @staticmethod
    def resolve_approved_ids(result, _info):
        return result.approved

    @staticmethod
    def resolve_already_approved_ids(result, _info):
        return result.already_approved


class RejectLawyerLetterPayload(graphene.ObjectType):
    """The rejected letter."""

    letter = graphene.Field(LawyerLetter, required=True)


class RunEscalationSweepPayload(graphene.ObjectType):
    """The sweeps run (one per bank)."""

    sweeps = graphene.List(graphene.NonNull(EscalationSweep), required=True)


EscalationDebtConnection = connection_type(EscalationDebt)
LawyerLetterConnection = connection_type(LawyerLetter)
