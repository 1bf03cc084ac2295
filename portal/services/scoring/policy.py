"""The scoring rows of ACCESS.md ("scores and reason codes"; "train or publish a scoring model").

| action | creditor bank (own models) | other bank | regulator | agency, mediator, tracer |
|---|---|---|---|---|
| ``scoring.model.register`` / ``.approve`` / ``.promote`` | operator, admin / admin / operator, admin | no | no | no |
| ``scoring.model.read`` (versions, metrics, monitoring runs, batches) | yes | no | no | no |
| ``scoring.model.card`` | yes | no | yes (every bank's) | no |
| ``scoring.score.compute`` (score applicants, batch chunks, monitoring runs) | operator or admin | no | no | no |
| ``scoring.score.read`` | score, PD, band, reasons | the band only, with a purpose (below) | no single scores | no |
| ``scoring.aggregate.read`` | its own models | no | every bank's | no |
| ``scoring.band.show`` (a debtor report shows the band?) | other banks' band | the band, with a purpose | no | no |
| ``scoring.monitoring.schedule`` (list the models a scheduled job monitors) | — | — | — | the shell operator |

Reads need a reading role (analyst, operator or auditor), as in the registry: ``admin`` alone manages users and
tokens, and reads the bank's model versions only (it approves them). Purposes for another bank's band (as for the
shared summary): CREDIT_APPROVAL with a consent reference when the subject is a natural person,
POST_LOAN_MANAGEMENT for its own customer, COLLECTION, LITIGATION. Four-eyes: the approver of a model version must
not be the user who registered it (enforced in ``operations.approve_model``).
"""

from __future__ import annotations

from typing import Any

from portal.access import Decision, Kind, Principal, Role, policy
from portal.core.errors import BadInput
from portal.registry.vocab import Purpose

BAND_PURPOSES = ("CREDIT_APPROVAL", "POST_LOAN_MANAGEMENT", "COLLECTION", "LITIGATION")
READ_ROLES = frozenset({Role.ANALYST, Role.OPERATOR, Role.AUDITOR})


def purpose_name(purpose: Any) -> str:
    """The registry's ``Purpose`` name of ``purpose`` (member, value or name); BadInput naming it when unknown."""
    if purpose is None or purpose == "":
        raise BadInput("purpose is required to read another bank's risk band", field="purpose")
    return Purpose.parse(purpose, "purpose").name


def _own_bank(principal: Principal, institution_id: int | None) -> bool:
    return principal.kind is Kind.BANK and institution_id is not None and principal.institution_id == institution_id


def _writer(principal: Principal) -> bool:
    return principal.has_role(Role.OPERATOR) or principal.has_role(Role.ADMIN)


def _reader(principal: Principal) -> bool:
    return bool(READ_ROLES & principal.roles)


_NO_READ_ROLE = "reading scoring data needs the analyst, operator or auditor role"


@policy("scoring.model.register")
def model_register(principal: Principal, institution_id: int | None, **_: Any) -> Decision:
    """A bank registers (trains or publishes) a model for itself; operator or admin."""
    if not _own_bank(principal, institution_id):
        return Decision.deny("only a bank may register a scoring model, and only its own")
    if not _writer(principal):
        return Decision.deny("registering a model needs the operator or admin role")
    return Decision.allow()


@policy("scoring.model.approve")
def model_approve(principal: Principal, model: Any, **_: Any) -> Decision:
    """A bank's admin approves one of its own model versions."""
    if not _own_bank(principal, getattr(model, "institution_id", None)):
        return Decision.deny("a model can only be approved by its own bank")
    if not principal.has_role(Role.ADMIN):
        return Decision.deny("approving a model needs the admin role")
    return Decision.allow()


@policy("scoring.model.promote")
def model_promote(principal: Principal, model: Any, **_: Any) -> Decision:
    """A bank's admin or operator promotes its own approved challenger to champion."""
    if not _own_bank(principal, getattr(model, "institution_id", None)):
        return Decision.deny("a model can only be promoted by its own bank")
    if not _writer(principal):
        return Decision.deny("promoting a model needs the operator or admin role")
    return Decision.allow()


@policy("scoring.model.read")
def model_read(principal: Principal, model: Any, **_: Any) -> Decision:
    """A bank reads its own models (versions, metrics, baseline, monitoring runs, batches)."""
    if not _own_bank(principal, getattr(model, "institution_id", None)):
        return Decision.deny("scoring models are visible to their own bank only")
    if not (_reader(principal) or principal.has_role(Role.ADMIN)):  # the admin approves what it can read
        return Decision.deny("reading scoring models needs the analyst, operator, auditor or admin role")
    return Decision.allow()


@policy("scoring.model.card")
def model_card(principal: Principal, model: Any, **_: Any) -> Decision:
    """Model cards: the owning bank and the regulator (``model`` None: "may it read cards at all?")."""
    own = model is None or _own_bank(principal, getattr(model, "institution_id", None))
    if principal.kind is not Kind.REGULATOR and not (principal.kind is Kind.BANK and own):
        return Decision.deny("model cards are visible to their bank and the regulator")
    if not _reader(principal):
        return Decision.deny(_NO_READ_ROLE)
    return Decision.allow(scope="all" if principal.kind is Kind.REGULATOR else "own")


@policy("scoring.score.compute")
def score_compute(principal: Principal, model: Any, **_: Any) -> Decision:
    """A bank scores applicants (and monitors) with its own models; operator or admin."""
    if not _own_bank(principal, getattr(model, "institution_id", None)):
        return Decision.deny("a bank may score only with its own models")
    if not _writer(principal):
        return Decision.deny("scoring needs the operator or admin role")
    return Decision.allow()


@policy("scoring.score.read")
def score_read(principal: Principal, score: Any, *, purpose: Any = None, consent_ref: str | None = None,
               subject_is_person: bool = True, own_customer: bool = False, **_: Any) -> Decision:
    """Scores of a subject: own bank in full; another bank the band only, with a purpose; nobody else.

    ``score`` may be None for the subject-level question ("may this principal read scores of this subject for this
    purpose at all?") asked before any row is read.
    """
    if principal.kind is not Kind.BANK:
        if principal.kind is Kind.REGULATOR:
            return Decision.deny("the regulator sees score aggregates and model cards, not single scores")
        return Decision.deny("scores are not visible to this institution")
    if not _reader(principal):
        return Decision.deny(_NO_READ_ROLE)
    if score is not None and _own_bank(principal, getattr(score, "institution_id", None)):
        return Decision.allow(view="full")
    name = purpose_name(purpose)
    if name not in BAND_PURPOSES:
        return Decision.deny(f"another bank's risk band cannot be read for purpose {name}")
    if name == "CREDIT_APPROVAL" and subject_is_person and not (consent_ref or "").strip():
        raise BadInput("consentRef is required to look up a person for credit approval")
    if name == "POST_LOAN_MANAGEMENT" and not own_customer:
        return Decision.deny("POST_LOAN_MANAGEMENT applies to the bank's own customers only")
    return Decision.allow(view="band")


@policy("scoring.aggregate.read")
def aggregate_read(principal: Principal, institution_id: int | None, **_: Any) -> Decision:
    """Score aggregates: the regulator for every bank (``institution_id`` None = all), a bank for itself."""
    if principal.kind in (Kind.REGULATOR, Kind.BANK) and not _reader(principal):
        return Decision.deny(_NO_READ_ROLE)
    if principal.kind is Kind.REGULATOR:
        return Decision.allow(scope="all")
    if principal.kind is Kind.BANK and institution_id in (None, principal.institution_id):
        return Decision.allow(scope="own")
    return Decision.deny("score aggregates are visible to the regulator and, for its own models, the bank")


@policy("scoring.monitoring.schedule")
def monitoring_schedule(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Which models a scheduled monitoring job visits: the shell operator (beat), which then acts per bank."""
    if principal.operator:
        return Decision.allow()
    return Decision.deny("only the scheduler lists every bank's champion models")


@policy("scoring.band.show")
def band_show(principal: Principal, _target: Any = None, *, purpose: Any = None, **_: Any) -> Decision:
    """Whether a registry debtor report (already allowed) shows the shared risk band: never denies, ``shown`` says."""
    shown = (principal.kind is Kind.BANK and _reader(principal) and purpose is not None
             and purpose_name(purpose) in BAND_PURPOSES)
    return Decision.allow(shown=shown)
