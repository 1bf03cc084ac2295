"""GraphQL of the registry (CONTRACT.md): ``debtor``, ``debts``, ``inquiries``, ``reportDebt``, ``openDispute`` and a
few added mutations (``correctDebt``, ``assignDebt``, ``endAssignment``, ``answerDispute``).

Thin: arguments in, one operation called with the principal first, read models out. Access, masking, retention,
inquiry logging and page sizes are decided by the operations; lists are keyset connections with signed cursors.
"""

from __future__ import annotations

from typing import Any

import graphene

from portal.api.connections import paginate
from portal.core.ids import parse_id
from portal.registry import operations
from portal.registry.gql_types import (
    Assignment,
    Debt,
    DebtConnection,
    DebtorKind,
    DebtorReport,
    DebtStatus,
    DisputeOutcome,
    InquiryConnection,
    Money,
    Purpose,
)
from portal.registry.gql_types import Dispute as DisputeType


class DebtorRef(graphene.InputObjectType):
    """Exactly one of a resident identity number or a unified social credit code."""

    id_number = graphene.String()
    uscc = graphene.String()


class DebtorInput(graphene.InputObjectType):
    """A debtor or guarantor as its creditor reports it."""

    kind = DebtorKind(required=True)
    name = graphene.String(required=True)
    id_number = graphene.String()
    uscc = graphene.String()
    phone = graphene.String()
    address = graphene.String()
    district = graphene.String()


class MoneyInput(graphene.InputObjectType):
    """A two-place decimal string and an ISO 4217 currency."""

    amount = graphene.String(required=True)
    currency = graphene.String(required=True)


class ReportDebtInput(graphene.InputObjectType):
    """A debt as its creditor reports it; the same clientKey again updates that debt."""

    client_key = graphene.String(required=True)
    debtor = DebtorInput(required=True)
    principal = MoneyInput(required=True)
    outstanding = MoneyInput(required=True)
    opened_on = graphene.Date(required=True)
    due_on = graphene.Date(required=True)
    status = DebtStatus(required=True)
    product = graphene.String()
    settled_on = graphene.Date()
    collateral = graphene.String()
    notes = graphene.String()
    guarantors = graphene.List(graphene.NonNull(DebtorInput))
    expected_version = graphene.Int()


class DebtChangesInput(graphene.InputObjectType):
    """The fields of a debt to correct (absent ones keep their value)."""

    principal = MoneyInput()
    outstanding = MoneyInput()
    opened_on = graphene.Date()
    due_on = graphene.Date()
    status = DebtStatus()
    product = graphene.String()
    settled_on = graphene.Date()
    collateral = graphene.String()
    notes = graphene.String()


class DebtFilter(graphene.InputObjectType):
    """Narrows the debts list (the regulator lists with purpose SUPERVISION)."""

    status = DebtStatus()
    debtor_id = graphene.ID()
    purpose = Purpose()


class InquiryFilter(graphene.InputObjectType):
    """Narrows the inquiries list."""

    debtor_id = graphene.ID()


class OpenDisputeInput(graphene.InputObjectType):
    """The data subject's objection to one of their debts; they identify themselves with their identifier."""

    debt_id = graphene.ID(required=True)
    debtor = DebtorRef(required=True)
    reason = graphene.String(required=True)


class AnswerDisputeInput(graphene.InputObjectType):
    """The creditor's answer; corrections apply to the debt (kept in its history)."""

    id = graphene.ID(required=True)
    outcome = DisputeOutcome(required=True)
    answer = graphene.String(required=True)
    corrections = DebtChangesInput()


def _input(obj: Any) -> dict[str, Any]:
    """A graphene input object as a plain dict of the fields that were given."""
    return {k: (_input(val) if isinstance(val, dict) else val) for k, val in dict(obj or {}).items()}


class Query(graphene.ObjectType):
    """The registry's root fields."""

    debtor = graphene.Field(DebtorReport, ref=DebtorRef(required=True), purpose=Purpose(required=True),
                            consent_ref=graphene.String())
    debts = graphene.Field(DebtConnection, required=True, filter=DebtFilter(), first=graphene.Int(),
                           after=graphene.String())
    inquiries = graphene.Field(InquiryConnection, required=True, filter=InquiryFilter(), first=graphene.Int(),
                               after=graphene.String())

    @staticmethod
    def resolve_debtor(_root, info, ref, purpose, consent_ref=None):
        ctx = info.context
        return operations.debtor_report(ctx.principal, _input(ref), purpose, consent_ref, session=ctx.session,
                                        keyring=ctx.keyring)

    @staticmethod
    def resolve_debts(_root, info, filter=None, first=None, after=None):  # noqa: A002 - the contract's name
        ctx, f = info.context, _input(filter)
        debtor_id = parse_id(f["debtor_id"], "filter.debtorId") if f.get("debtor_id") is not None else None

        def fetch(after_key, n):
            page = operations.list_debts(ctx.principal, session=ctx.session, keyring=ctx.keyring, after_id=after_key,
                                         limit=n - 1, status=f.get("status"), debtor_id=debtor_id,
                                         purpose=f.get("purpose"))
            return page.items + ([None] if page.has_more else [])  # one more row tells paginate "has next"

        return paginate(ctx.cursors, "registry.debts", first, after, fetch, lambda d: d.id)

    @staticmethod
    def resolve_inquiries(_root, info, filter=None, first=None, after=None):  # noqa: A002
        ctx, f = info.context, _input(filter)
        debtor_id = parse_id(f["debtor_id"], "filter.debtorId") if f.get("debtor_id") is not None else None

        def fetch(after_key, n):
            page = operations.list_inquiries(ctx.principal, session=ctx.session, keyring=ctx.keyring,
                                             after_id=after_key, limit=n - 1, debtor_id=debtor_id)
            return page.items + ([None] if page.has_more else [])

        return paginate(ctx.cursors, "registry.inquiries", first, after, fetch, lambda i: i.id)


class ReportDebtPayload(graphene.ObjectType):
    """The debt after the report; ``created`` for a new clientKey, ``changed`` when anything changed."""

    debt = graphene.Field(Debt)
    created = graphene.Boolean(required=True)
    changed = graphene.Boolean(required=True)


class ReportDebt(graphene.Mutation):
    """A bank reports or updates one of its debts."""

    class Arguments:
        input = ReportDebtInput(required=True)

    Output = ReportDebtPayload

    @staticmethod
    def mutate(_root, info, input):  # noqa: A002
        ctx = info.context
        result = operations.report_debt(ctx.principal, _input(input), session=ctx.session, keyring=ctx.keyring)
        return ReportDebtPayload(debt=result.debt, created=result.created, changed=result.changed)


class CorrectDebtPayload(graphene.ObjectType):
    """The corrected debt."""

    debt = graphene.Field(Debt)


class CorrectDebt(graphene.Mutation):
    """The creditor corrects some fields of a debt; the previous values go to its history."""

    class Arguments:
        id = graphene.ID(required=True)
        changes = DebtChangesInput(required=True)
        expected_version = graphene.Int()

    Output = CorrectDebtPayload

    @staticmethod
    def mutate(_root, info, id, changes, expected_version=None):  # noqa: A002
        ctx = info.context
        debt = operations.correct_debt(ctx.principal, parse_id(id, "id"), _input(changes), session=ctx.session,
                                       keyring=ctx.keyring, expected_version=expected_version)
        return CorrectDebtPayload(debt=debt)


class AssignmentPayload(graphene.ObjectType):
    """The assignment after the change."""

    assignment = graphene.Field(Assignment)


class AssignDebt(graphene.Mutation):
    """The creditor hands a debt to a collection agency (by institution code)."""

    class Arguments:
        debt_id = graphene.ID(required=True)
        agency = graphene.String(required=True)
        note = graphene.String()

    Output = AssignmentPayload

    @staticmethod
    def mutate(_root, info, debt_id, agency, note=None):
        ctx = info.context
        return AssignmentPayload(assignment=operations.assign_debt(ctx.principal, parse_id(debt_id, "debtId"), agency,
                                                                   note=note, session=ctx.session))


class EndAssignment(graphene.Mutation):
    """The creditor ends an assignment."""

    class Arguments:
        id = graphene.ID(required=True)

    Output = AssignmentPayload

    @staticmethod
    def mutate(_root, info, id):  # noqa: A002
        ctx = info.context
        return AssignmentPayload(assignment=operations.end_assignment(ctx.principal, parse_id(id, "id"),
                                                                      session=ctx.session))


class OpenDisputePayload(graphene.ObjectType):
    """The dispute just opened."""

    dispute = graphene.Field(DisputeType)


class AnswerDisputePayload(graphene.ObjectType):
    """The dispute just answered."""

    dispute = graphene.Field(DisputeType)


class OpenDispute(graphene.Mutation):
    """The data subject's objection (异议) to a record, through any bank or the regulator."""

    class Arguments:
        input = OpenDisputeInput(required=True)

    Output = OpenDisputePayload

    @staticmethod
    def mutate(_root, info, input):  # noqa: A002
        ctx, data = info.context, _input(input)
        dispute = operations.open_dispute(ctx.principal, parse_id(data["debt_id"], "debtId"), data["debtor"],
                                          data["reason"], session=ctx.session, keyring=ctx.keyring)
        return OpenDisputePayload(dispute=dispute)


class AnswerDispute(graphene.Mutation):
    """The creditor answers a dispute."""

    class Arguments:
        input = AnswerDisputeInput(required=True)

    Output = AnswerDisputePayload

    @staticmethod
    def mutate(_root, info, input):  # noqa: A002
        ctx, data = info.context, _input(input)
        corrections = data.get("corrections")
        dispute = operations.answer_dispute(ctx.principal, parse_id(data["id"], "id"), data["outcome"], data["answer"],
                                            corrections=corrections, session=ctx.session)
        return AnswerDisputePayload(dispute=dispute)


class Mutation(graphene.ObjectType):
    """The registry's mutations."""

    report_debt = ReportDebt.Field(required=True)
    correct_debt = CorrectDebt.Field(required=True)
    assign_debt = AssignDebt.Field(required=True)
    end_assignment = EndAssignment.Field(required=True)
    open_dispute = OpenDispute.Field(required=True)
    answer_dispute = AnswerDispute.Field(required=True)


TYPES = (Money,)
