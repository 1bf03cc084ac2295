"""GraphQL output types of the registry (read models in, contract shapes out); the root fields are in gql.py."""

from __future__ import annotations

from typing import Any

import graphene

from portal.api.connections import connection_type
from portal.core.money import format_fen
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
    """Who looked up whom, when and why (the consent reference only to the inquirer and the regulator)."""

    id = graphene.ID(required=True)
    at = graphene.DateTime(required=True)
    institution = graphene.Field(Institution, required=True)
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
