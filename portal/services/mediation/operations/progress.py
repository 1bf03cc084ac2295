"""What the mediator records on a case (acceptance, invitations, sessions, the agreement kept as evidence, the
application for judicial confirmation and the ruling, failure), the bank's withdrawal, and the daily sweep of missed
confirmation deadlines. Every step checks the status machine first and writes nothing when it refuses."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.crypto import Keyring
from portal.core.errors import BadInput
from portal.core.money import parse_amount, parse_currency
from portal.core.timeutil import SHANGHAI, as_utc, utcnow
from portal.registry.vocab import shanghai_today
from portal.services.evidence import operations as evidence
from portal.services.mediation.models import MediationCase, MediationEvent
from portal.services.mediation.operations.cases import close_links, load_visible_case
from portal.services.mediation.states import Status, confirmation_due_on, require_step

PARTIES = ("bank", "debtor")
CHANNELS = ("phone", "sms", "letter", "email", "visit", "in_person")
TEXT_MAX = 2000
EVIDENCE_KIND = "mediation-agreement"
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def _text(value: str | None, field: str, *, required: bool = False, limit: int = TEXT_MAX) -> str | None:
    out = (value or "").strip() or None
    if required and not out:
        raise BadInput(f"{field}: must not be empty", field=field)
    if out and len(out) > limit:
        raise BadInput(f"{field}: at most {limit} characters, got {len(out)}", field=field)
    return out


def _past_instant(value: datetime | None, field: str, case: MediationCase) -> datetime:
    now = utcnow()
    at = as_utc(value) if value is not None else now
    if at > now:
        raise BadInput(f"{field}: {at.isoformat()} is in the future", field=field)
    if at < as_utc(case.referred_at):
        raise BadInput(f"{field}: {at.isoformat()} is before the case was referred", field=field)
    return at


def _past_date(value: date, field: str, not_before: date, what: str) -> date:
    if not isinstance(value, date):
        raise BadInput(f"{field}: {value!r} is not a date", field=field)
    today = shanghai_today()
    if value > today:
        raise BadInput(f"{field}: {value.isoformat()} is in the future (today is {today.isoformat()})", field=field)
    if value < not_before:
        raise BadInput(f"{field}: {value.isoformat()} is before {what} ({not_before.isoformat()})", field=field)
    return value


def _step(principal: Principal, case_id: Any, action: str, step: str, session: Session) -> tuple[MediationCase,
                                                                                                   Status | None]:
    case = load_visible_case(principal, case_id, session, lock=True)
    check_access(action, principal, case)
    return case, require_step(case.id, case.status, step)


def _move(case: MediationCase, status: Status, principal: Principal, session: Session) -> None:
    case.status = status.value
    case.updated_at = utcnow()
    if status in (Status.DECLINED, Status.FAILED, Status.WITHDRAWN, Status.CONFIRMED, Status.CONFIRMATION_REJECTED):
        case.closed_at = case.updated_at
        case.closed_by = principal.user_id
        close_links(session, case, principal)
    session.flush()


@guarded("mediation.case.decide")
def accept_case(principal: Principal, case_id: Any, *, session: Session) -> MediationCase:
    """The mediation centre takes the case on."""
    case, target = _step(principal, case_id, "mediation.case.decide", "accept", session)
    case.decided_at, case.decided_by = utcnow(), principal.user_id
    _move(case, target, principal, session)
    return case


@guarded("mediation.case.decide")
def decline_case(principal: Principal, case_id: Any, reason: str, *, session: Session) -> MediationCase:
    """The mediation centre declines the case, saying why; the debts leave mediation."""
    case, target = _step(principal, case_id, "mediation.case.decide", "decline", session)
    case.decline_reason = _text(reason, "reason", required=True)
    case.decided_at, case.decided_by = utcnow(), principal.user_id
    _move(case, target, principal, session)
    return case


@guarded("mediation.case.record")
def record_invitation(principal: Principal, case_id: Any, party: str, channel: str, at: datetime | None = None, *,
                      note: str | None = None, session: Session) -> MediationEvent:
    """The mediator invited a party (``bank`` or ``debtor``) through a channel at a time (now by default)."""
    case, _ = _step(principal, case_id, "mediation.case.record", "invite", session)
    party_value = str(getattr(party, "value", party) or "").strip().lower()
    if party_value not in PARTIES:
        raise BadInput(f"party: {party!r} is not one of {', '.join(PARTIES)}", field="party")
    channel_value = str(getattr(channel, "value", channel) or "").strip().lower()
    if channel_value not in CHANNELS:
        raise BadInput(f"channel: {channel!r} is not one of {', '.join(CHANNELS)}", field="channel")
    row = MediationEvent(case_id=case.id, kind="invitation", at=_past_instant(at, "at", case), party=party_value,
                         channel=channel_value, note=_text(note, "note"), recorded_by=principal.user_id)
    session.add(row)
    case.updated_at = utcnow()
    session.flush()
    session.expire(case, ["events"])
    return row


@guarded("mediation.case.record")
def record_session(principal: Principal, case_id: Any, held_at: datetime, attendees: Sequence[str], outcome: str, *,
                   session: Session) -> MediationEvent:
    """A mediation session held: when, who attended (names or roles), and what came of it."""
    case, _ = _step(principal, case_id, "mediation.case.record", "session", session)
    if held_at is None:
        raise BadInput("heldAt: when was the session held?", field="heldAt")
    names = [a.strip() for a in (attendees or []) if a and a.strip()]
    if not names:
        raise BadInput("attendees: name at least one attendee", field="attendees")
    if len(names) > 50 or any(len(n) > 200 for n in names):
        raise BadInput("attendees: at most 50 names of at most 200 characters", field="attendees")
    row = MediationEvent(case_id=case.id, kind="session", at=_past_instant(held_at, "heldAt", case), attendees=names,
                         note=_text(outcome, "outcome", required=True), recorded_by=principal.user_id)
    session.add(row)
    case.updated_at = utcnow()
    session.flush()
    session.expire(case, ["events"])
    return row


def _instalments(plan: Sequence[dict[str, Any]], agreed_fen: int, currency: str, signed_on: date) -> list[dict]:
    if not plan:
        raise BadInput("instalments: give at least one instalment (one for a lump sum)", field="instalments")
    if len(plan) > 120:
        raise BadInput(f"instalments: at most 120, got {len(plan)}", field="instalments")
    out, previous = [], None
    for index, item in enumerate(plan, start=1):
        due_on, money = item.get("due_on"), item.get("amount") or {}
        field = f"instalments[{index}]"
        if not isinstance(due_on, date):
            raise BadInput(f"{field}.dueOn: {due_on!r} is not a date", field="instalments")
        if due_on < signed_on or (previous is not None and due_on <= previous):
            raise BadInput(f"{field}.dueOn: {due_on.isoformat()} must follow the signing date and the previous "
                           "instalment", field="instalments")
        if parse_currency(money.get("currency"), f"{field}.currency") != currency:
            raise BadInput(f"{field}.currency: {money.get('currency')!r} is not the case's {currency}",
                           field="instalments")
        fen = parse_amount(money.get("amount"), f"{field}.amount")
        if fen <= 0:
            raise BadInput(f"{field}.amount: {money.get('amount')!r} must be positive", field="instalments")
        out.append({"due_on": due_on.isoformat(), "amount_fen": fen})
        previous = due_on
    total = sum(i["amount_fen"] for i in out)
    if total != agreed_fen:
        raise BadInput(f"instalments: they add up to {total / 100:.2f}, not the agreed {agreed_fen / 100:.2f}",
                       field="instalments")
    return out


@guarded("mediation.case.record")
def record_agreement(
    principal: Principal, case_id: Any, amount: dict[str, Any], instalments: Sequence[dict[str, Any]],
    signed_on: date, document: tuple[str, bytes], *, session: Session, keyring: Keyring,
) -> MediationCase:
    """The signed agreement: the amount agreed (exact, in fen), the instalment plan, the signing date; the signed
    document is stored as evidence between the mediator and the bank; the 30-day confirmation clock starts."""
    case, target = _step(principal, case_id, "mediation.case.record", "agreement", session)
    currency = parse_currency((amount or {}).get("currency"), "amount.currency")
    if currency != case.currency:
        raise BadInput(f"amount.currency: {currency} is not the case's currency {case.currency}",
                       field="amount.currency")
    agreed = parse_amount((amount or {}).get("amount"), "amount.amount")
    if agreed <= 0 or agreed > case.referred_fen:
        raise BadInput(f"amount.amount: {amount.get('amount')!r} must be positive and at most the "
                       f"{case.referred_fen / 100:.2f} referred", field="amount.amount")
    signed = _past_date(signed_on, "signedOn", as_utc(case.referred_at).astimezone(SHANGHAI).date(), "the referral")
    plan = _instalments(instalments, agreed, currency, signed)
    name, content = document if document else ("", b"")
    if not content:
        raise BadInput("document: the signed agreement is empty", field="document")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise BadInput(f"document: {len(content)} bytes is over the {MAX_DOCUMENT_BYTES} limit", field="document")
    stored = evidence.store_evidence(principal, [(name, content)], EVIDENCE_KIND,
                                     [case.mediator.code, case.creditor.code], session=session, keyring=keyring)
    case.agreed_fen, case.instalments, case.signed_on = agreed, plan, signed
    case.agreement_sha256 = hashlib.sha256(content).hexdigest()
    case.agreement_entry_id = stored.entry_id
    case.confirmation_due_on = confirmation_due_on(signed)
    _move(case, target, principal, session)
    return case


@guarded("mediation.case.record")
def apply_for_confirmation(principal: Principal, case_id: Any, court: str, filed_on: date, *,
                           session: Session) -> MediationCase:
    """The parties applied to ``court`` for judicial confirmation on ``filed_on``; refused after the 30-day limit."""
    case, target = _step(principal, case_id, "mediation.case.record", "apply", session)
    court_name = _text(court, "court", required=True, limit=200)
    filed = _past_date(filed_on, "filedOn", case.signed_on, "the agreement was signed")
    if filed > case.confirmation_due_on:
        raise BadInput(f"filedOn: {filed.isoformat()} is after the judicial-confirmation deadline "
                       f"{case.confirmation_due_on.isoformat()} (30 days from signing on {case.signed_on.isoformat()})",
                       field="filedOn")
    case.court, case.filed_on = court_name, filed
    _move(case, target, principal, session)
    return case


@guarded("mediation.case.record")
def record_ruling(principal: Principal, case_id: Any, confirmed: bool, ruled_on: date, *,
                  session: Session) -> MediationCase:
    """The court confirmed (enforceable) or rejected the agreement on ``ruled_on``; the case ends either way."""
    case, _ = _step(principal, case_id, "mediation.case.record", "ruling", session)
    if not isinstance(confirmed, bool):
        raise BadInput(f"confirmed: {confirmed!r} is not true or false", field="confirmed")
    case.ruled_on = _past_date(ruled_on, "ruledOn", case.filed_on, "the application was filed")
    case.ruling = "confirmed" if confirmed else "rejected"
    _move(case, Status.CONFIRMED if confirmed else Status.CONFIRMATION_REJECTED, principal, session)
    return case


@guarded("mediation.case.record")
def fail_case(principal: Principal, case_id: Any, note: str, *, session: Session) -> MediationCase:
    """The mediator closes the case as failed (litigation advised), saying why."""
    case, target = _step(principal, case_id, "mediation.case.record", "fail", session)
    case.close_note = _text(note, "note", required=True)
    _move(case, target, principal, session)
    return case


@guarded("mediation.case.withdraw")
def withdraw_case(principal: Principal, case_id: Any, note: str | None, *, session: Session) -> MediationCase:
    """The referring bank withdraws its case; the debts leave mediation."""
    case, target = _step(principal, case_id, "mediation.case.withdraw", "withdraw", session)
    case.close_note = _text(note, "note")
    _move(case, target, principal, session)
    return case


@guarded("mediation.case.sweep")
def flag_overdue_confirmations(principal: Principal, *, session: Session, today: date | None = None) -> int:
    """Mark AGREED cases whose confirmation deadline has passed without an application; returns how many."""
    check_access("mediation.case.sweep", principal)
    day = today or shanghai_today()
    result = session.execute(
        update(MediationCase)
        .where(MediationCase.status == Status.AGREED.value, MediationCase.confirmation_due_on < day,
               MediationCase.confirmation_overdue.is_(False))
        .values(confirmation_overdue=True, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def overdue_case_ids(session: Session) -> list[int]:
    """Ids of the cases flagged overdue (for tests and reports)."""
    return list(session.scalars(select(MediationCase.id).where(MediationCase.confirmation_overdue.is_(True))))
