"""GraphQL of the registry (CONTRACT.md): ``debtor``, ``debts``, ``inquiries``, ``reportDebt``, ``openDispute`` and a
few added mutations (``correctDebt``, ``assignDebt``, ``endAssignment``, ``answerDispute``).

Thin: arguments in, one operation called with the principal first, read models out. Access, masking, retention,
inquiry logging and page sizes are decided by the operations; lists are keyset connections with signed cursors.
"""

from __future__ import annotations

from typing import Any

import graphene

from portal.api.connections import connection_type, paginate
from portal.core.money import format_fen
from portal.registry import operations
from portal.registry import vocab as v
from portal.tenancy.gql import Institution, InstitutionKind

DebtorKind = graphene.Enum.from_enum(v.DebtorKind)
DebtStatus = graphene.Enum.from_enum(v.DebtStatus)
Purpose = graphene.Enum.from_enum(v.Purpose)
DisputeOutcome = graphene.Enum.from_enum(v.DisputeOutcome)


class Money(graphene.ObjectType):
    """An amount as a two-place decimal string, and its currency."""

    amount = graphene.String(required=True)
    currency = graphene.String(required=True)


def _money(fen: int, currency: str) -> Money:
    return Money(amount=format_fen(fen), currency=currency)


def _enum(enum_cls: Any, value: Any) -> Any:
    return enum_cls(value) if value is not None else None


def _id(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        from portal.core.errors import BadInput

        raise BadInput(f"{field}: {value!r} is not an id", field=field) from None


class Debtor(graphene.ObjectType):
    """A debtor as the viewer may see it (identifiers masked unless allowed)."""

    id = graphene.ID(required=True)
    kind = graphene.Field(DebtorKind, required=True)
    name = graphene.String(required=True)
    id_number = graphene.String()
    uscc = graphene.String()
    phone = graphene.String()
    address = graphene.String()
    district = graphene.String()

    @staticmethod
    def resolve_kind(debtor, _info):
        return _enum(v.DebtorKind, debtor.kind)


class Debt(graphene.ObjectType):
    """A debt in full, for those who may read it."""

    id = graphene.ID(required=True)
    creditor = graphene.Field(Institution, required=True)
    debtor = graphene.Field(Debtor, required=True)
    client_key = graphene.String(required=True)
    product = graphene.String()
    principal = graphene.Field(Money, required=True)
    outstanding = graphene.Field(Money, required=True)
    opened_on = graphene.Date(required=True)
    due_on = graphene.Date(required=True)
    days_past_due = graphene.Int(required=True)
    status = graphene.Field(DebtStatus, required=True)
    settled_on = graphene.Date()
    collateral = graphene.String()
    notes = graphene.String()
    version = graphene.Int(required=True)
    under_objection = graphene.Boolean(required=True)
    guarantors = graphene.List(graphene.NonNull(Debtor), required=True)

    @staticmethod
    def resolve_principal(debt, _info):
        return _money(debt.principal_fen, debt.currency)

    @staticmethod
    def resolve_outstanding(debt, _info):
        return _money(debt.outstanding_fen, debt.currency)

    @staticmethod
    def resolve_status(debt, _info):
        return _enum(v.DebtStatus, debt.status)


class SharedSummary(graphene.ObjectType):
    """Other institutions' debts of one debtor: counts and totals only, never a creditor's name."""

    debt_count = graphene.Int(required=True)
    total_outstanding = graphene.Field(Money, required=True)
    totals = graphene.List(graphene.NonNull(Money), required=True, description="outstanding per currency")
    worst_days_past_due = graphene.Int(required=True)
    in_litigation = graphene.Boolean(required=True)
    creditor_kinds = graphene.List(graphene.NonNull(InstitutionKind), required=True)
    under_objection = graphene.Int(required=True)

    @staticmethod
    def resolve_total_outstanding(summary, _info):
        return _money(summary.total_outstanding_fen, "CNY")

    @staticmethod
    def resolve_totals(summary, _info):
        return [_money(fen, currency) for currency, fen in sorted(summary.totals.items())]


class Inquiry(graphene.ObjectType):
    """Who looked up whom, when and why. ``institution`` is null when the inquirer is a competitor of the viewer
    (only its kind shows)."""

    id = graphene.ID(required=True)
    at = graphene.DateTime(required=True)
    institution = graphene.Field(Institution)
    institution_kind = graphene.Field(InstitutionKind, required=True)
    debtor = graphene.Field(Debtor, required=True)
    purpose = graphene.Field(Purpose, required=True)
    consent_ref = graphene.String()


class DebtorReport(graphene.ObjectType):
    """One debtor across all institutions, as much as the viewer may see; its own inquiry is already recorded."""

    debtor = graphene.Field(Debtor, required=True)
    own_debts = graphene.List(graphene.NonNull(Debt), required=True)
    shared = graphene.Field(SharedSummary, required=True)
    inquiries = graphene.List(graphene.NonNull(Inquiry), required=True,
                              description="who looked the debtor up (a data subject's request only)")

    @staticmethod
    def resolve_own_debts(report, _info):
        return list(report.debts)

    @staticmethod
    def resolve_inquiries(report, _info):
        return list(report.inquiries)


class Dispute(graphene.ObjectType):
    """An objection to a record and the creditor's answer (due 20 days after opening)."""

    id = graphene.ID(required=True)
    debt_id = graphene.ID(required=True)
    opened_at = graphene.DateTime(required=True)
    reason = graphene.String(required=True)
    answer_due_on = graphene.Date(required=True)
    answered_at = graphene.DateTime()
    outcome = graphene.Field(DisputeOutcome)
    answer = graphene.String()
    answer_overdue = graphene.Boolean(required=True)

    @staticmethod
    def resolve_outcome(dispute, _info):
        return _enum(v.DisputeOutcome, dispute.outcome)


class Assignment(graphene.ObjectType):
    """A debt handed to a collection agency."""

    id = graphene.ID(required=True)
    debt_id = graphene.ID(required=True)
    agency_id = graphene.ID(required=True)
    assigned_at = graphene.DateTime(required=True)
    active = graphene.Boolean(required=True)
    ended_at = graphene.DateTime()


DebtConnection = connection_type(Debt)
InquiryConnection = connection_type(Inquiry)


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
        debtor_id = _id(f["debtor_id"], "filter.debtorId") if f.get("debtor_id") is not None else None

        def fetch(after_key, n):
            page = operations.list_debts(ctx.principal, session=ctx.session, keyring=ctx.keyring, after_id=after_key,
                                         limit=n - 1, status=f.get("status"), debtor_id=debtor_id,
                                         purpose=f.get("purpose"))
            return page.items + ([None] if page.has_more else [])  # one more row tells paginate "has next"

        return paginate(ctx.cursors, "registry.debts", first, after, fetch, lambda d: d.id)

    @staticmethod
    def resolve_inquiries(_root, info, filter=None, first=None, after=None):  # noqa: A002
        ctx, f = info.context, _input(filter)
        debtor_id = _id(f["debtor_id"], "filter.debtorId") if f.get("debtor_id") is not None else None

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
        debt = operations.correct_debt(ctx.principal, _id(id, "id"), _input(changes), session=ctx.session,
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
        return AssignmentPayload(assignment=operations.assign_debt(ctx.principal, _id(debt_id, "debtId"), agency,
                                                                   note=note, session=ctx.session))


class EndAssignment(graphene.Mutation):
    """The creditor ends an assignment."""

    class Arguments:
        id = graphene.ID(required=True)

    Output = AssignmentPayload

    @staticmethod
    def mutate(_root, info, id):  # noqa: A002
        ctx = info.context
        return AssignmentPayload(assignment=operations.end_assignment(ctx.principal, _id(id, "id"),
                                                                      session=ctx.session))


class OpenDisputePayload(graphene.ObjectType):
    """The dispute just opened."""

    dispute = graphene.Field(Dispute)


class AnswerDisputePayload(graphene.ObjectType):
    """The dispute just answered."""

    dispute = graphene.Field(Dispute)


class OpenDispute(graphene.Mutation):
    """The data subject's objection (异议) to a record, through any bank or the regulator."""

    class Arguments:
        input = OpenDisputeInput(required=True)

    Output = OpenDisputePayload

    @staticmethod
    def mutate(_root, info, input):  # noqa: A002
        ctx, data = info.context, _input(input)
        dispute = operations.open_dispute(ctx.principal, _id(data["debt_id"], "debtId"), data["debtor"],
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
        dispute = operations.answer_dispute(ctx.principal, _id(data["id"], "id"), data["outcome"], data["answer"],
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
