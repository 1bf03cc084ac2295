"""GraphQL types of mediation: the case (money as the registry's ``Money``, dates in Asia/Shanghai), its debts,
invitations and sessions, and the inputs of the mutations."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

import graphene

from portal.core.errors import BadInput
from portal.core.money import format_fen
from portal.registry.gql import MoneyInput
from portal.registry.gql_types import Money
from portal.registry.vocab import shanghai_today
from portal.services.mediation.states import OPEN, Status, days_left
from portal.services.monitoring.gql_types import FigureFields
from portal.tenancy.gql import Institution

MediationStatus = graphene.Enum("MediationStatus", [(s.name, s.value) for s in Status])
MediationParty = graphene.Enum("MediationParty", [("BANK", "bank"), ("DEBTOR", "debtor")])
InvitationChannel = graphene.Enum(
    "InvitationChannel", [(c.upper(), c) for c in ("phone", "sms", "letter", "email", "visit", "in_person")]
)
MediationCloseOutcome = graphene.Enum(
    "MediationCloseOutcome", [("FAILED", "failed"), ("WITHDRAWN", "withdrawn")],
    description="FAILED: the mediator ends it, litigation advised; WITHDRAWN: the referring bank takes it back",
)


def _money(fen: int | None, currency: str) -> Money | None:
    return None if fen is None else Money(amount=format_fen(fen), currency=currency)


class MediationCaseDebt(graphene.ObjectType):
    """A debt the case holds and what was outstanding when it was referred (read it in full through ``debts``)."""

    debt_id = graphene.ID(required=True)
    outstanding_at_referral = graphene.Field(Money, required=True)
    in_mediation = graphene.Boolean(required=True, description="true while the case is open")

    @staticmethod
    def resolve_debt_id(pair, _info):
        return pair[0].debt_id

    @staticmethod
    def resolve_outstanding_at_referral(pair, _info):
        return _money(pair[0].outstanding_fen, pair[1])

    @staticmethod
    def resolve_in_mediation(pair, _info):
        return pair[0].active


class MediationEvent(graphene.ObjectType):
    """An invitation (party, channel, time) or a session (held at, attendees, outcome note)."""

    id = graphene.ID(required=True)
    kind = graphene.String(required=True, description="invitation or session")
    at = graphene.DateTime(required=True)
    party = graphene.Field(MediationParty)
    channel = graphene.Field(InvitationChannel)
    attendees = graphene.List(graphene.NonNull(graphene.String))
    note = graphene.String(description="the invitation's note or the session's outcome")


class Instalment(graphene.ObjectType):
    """One payment of the agreed plan."""

    due_on = graphene.Date(required=True)
    amount = graphene.Field(Money, required=True)


class MediationCase(graphene.ObjectType):
    """A mediation case as the referring bank, its mediation centre or the regulator sees it."""

    id = graphene.ID(required=True)
    status = graphene.Field(MediationStatus, required=True)
    open = graphene.Boolean(required=True, description="REFERRED to CONFIRMATION_APPLIED: debts held in mediation")
    creditor = graphene.Field(Institution, required=True)
    mediator = graphene.Field(Institution, required=True)
    debts = graphene.List(graphene.NonNull(MediationCaseDebt), required=True)
    referred = graphene.Field(Money, required=True, description="outstanding total of the debts when referred")
    note = graphene.String()
    referred_at = graphene.DateTime(required=True)
    decided_at = graphene.DateTime()
    decline_reason = graphene.String()
    events = graphene.List(graphene.NonNull(MediationEvent), required=True)
    agreed_amount = graphene.Field(Money)
    instalments = graphene.List(graphene.NonNull(Instalment))
    signed_on = graphene.Date()
    agreement_evidence_entry_id = graphene.ID()
    agreement_sha256 = graphene.String()
    confirmation_due_on = graphene.Date(description="last day to apply for judicial confirmation (signing + 30 days)")
    confirmation_days_left = graphene.Int(description="days to the deadline, Asia/Shanghai; negative once past")
    confirmation_overdue = graphene.Boolean(required=True)
    court = graphene.String()
    filed_on = graphene.Date()
    ruling = graphene.String(description="confirmed or rejected")
    ruled_on = graphene.Date()
    closed_at = graphene.DateTime()
    close_note = graphene.String()

    @staticmethod
    def resolve_open(case, _info):
        return Status(case.status) in OPEN

    @staticmethod
    def resolve_debts(case, _info):
        return [(row, case.currency) for row in case.debts]

    @staticmethod
    def resolve_referred(case, _info):
        return _money(case.referred_fen, case.currency)

    @staticmethod
    def resolve_agreed_amount(case, _info):
        return _money(case.agreed_fen, case.currency)

    @staticmethod
    def resolve_instalments(case, _info):
        if case.instalments is None:
            return None
        return [Instalment(due_on=date.fromisoformat(i["due_on"]), amount=_money(i["amount_fen"], case.currency))
                for i in case.instalments]

    @staticmethod
    def resolve_agreement_evidence_entry_id(case, _info):
        return case.agreement_entry_id

    @staticmethod
    def resolve_confirmation_days_left(case, _info):
        if Status(case.status) is not Status.AGREED:
            return None
        return days_left(case.confirmation_due_on, shanghai_today())


class MediationCaseFilter(graphene.InputObjectType):
    """Narrows the list of cases."""

    status = MediationStatus()


class ReferToMediationInput(graphene.InputObjectType):
    """A bank refers debts of one debtor to a mediation centre; the same clientKey again returns the same case."""

    client_key = graphene.String(required=True)
    debt_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    mediator = graphene.String(required=True, description="the mediation centre's institution code")
    note = graphene.String()


class InstalmentInput(graphene.InputObjectType):
    """One payment of the plan."""

    due_on = graphene.Date(required=True)
    amount = MoneyInput(required=True)


class AgreementDocumentInput(graphene.InputObjectType):
    """The signed agreement file (base64), stored as evidence between the mediator and the bank."""

    name = graphene.String(required=True)
    content_base64 = graphene.String(required=True)


class MediationAgreementInput(graphene.InputObjectType):
    """The agreement as signed."""

    case_id = graphene.ID(required=True)
    amount = MoneyInput(required=True)
    instalments = graphene.List(graphene.NonNull(InstalmentInput), required=True)
    signed_on = graphene.Date(required=True)
    document = AgreementDocumentInput(required=True)


def decode_document(document: Any) -> tuple[str, bytes]:
    """(name, bytes) of an uploaded document; BadInput when the base64 is damaged."""
    try:
        content = base64.b64decode(document["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise BadInput("document.contentBase64: not valid base64", field="document") from None
    return document["name"], content


class MediationCasePayload(graphene.ObjectType):
    """What a mediation mutation answers: the case after the step."""

    case = graphene.Field(MediationCase, required=True)


class MediationEventPayload(graphene.ObjectType):
    """What recording an invitation or a session answers."""

    event = graphene.Field(MediationEvent, required=True)
    case = graphene.Field(MediationCase, required=True)


class MediationOutcomeFigure(FigureFields, graphene.ObjectType):
    """Outcomes of the cases referred in the period (the cohort), as the viewer may see them."""

    referred = graphene.Int(description="cases referred in the period")
    concluded = graphene.Int(description="of those, cases past acceptance-and-talks (agreed, declined, failed, ...)")
    agreed = graphene.Int(description="cases with a signed agreement")
    resolved_rate = graphene.Float(description="concluded cases resolved without litigation (agreement kept), 0–1")
    median_days_to_agreement = graphene.Float(description="median days from referral to the signed agreement")
    ruled = graphene.Int(description="cases with a court's ruling on judicial confirmation")
    confirmed = graphene.Int()
    confirmation_rate = graphene.Float(description="confirmed over ruled, 0–1")


class MediationMetrics(graphene.ObjectType):
    """Mediation outcomes of the region (suppressed below 5 banks, 5 mediation centres or 10 debtors for anyone but
    the regulator) and of the viewer's own institution (banks and mediation centres)."""

    region = graphene.Field(MediationOutcomeFigure, required=True)
    own = graphene.Field(MediationOutcomeFigure)
