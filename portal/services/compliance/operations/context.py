"""What the engine needs to judge an attempt, read from the database in a few set-based queries: the debt and its
relation to the agency, the recent attempts on the same debtor, number or debt, and the case and agency events."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

import standards as std
from portal.access import Principal
from portal.core.crypto import Keyring
from portal.core.errors import BadInput, NotFound
from portal.core.timeutil import SHANGHAI, as_utc
from portal.registry.models import Debt, Dispute
from portal.registry.scoping import relation_to_debt
from portal.registry.vocab import Relation, days_past_due
from portal.services.compliance.models import CaseEvent, ContactAttempt
from portal.tenancy.models import Institution

# Longest window any shipped rule looks back (a week for caps, 7 days cooling-off): a month is ample.
HISTORY_WINDOW = timedelta(days=31)
_DIGITS = re.compile(r"\D")


def normalize_number(number: str) -> str:
    """Digits of a phone number (a leading +86 country code kept as digits); BadInput when implausible."""
    digits = _DIGITS.sub("", number or "")
    if not 5 <= len(digits) <= 15:
        raise BadInput(f"number {mask_number(digits) or number!r} is not a plausible phone number", field="number")
    return digits


def mask_number(digits: str) -> str:
    """'138****5678': the first three and last four digits."""
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def number_hash(keyring: Keyring, digits: str) -> str:
    """The keyed look-up hash the standards compare numbers by (the number itself is never stored)."""
    return keyring.lookup_hash("phone", digits)


def load_debt(session: Session, principal: Principal, debt_id: int) -> tuple[Debt, Relation]:
    """The debt and how the principal stands to it; NotFound naming the id when there is none."""
    debt = session.get(Debt, debt_id) if isinstance(debt_id, int) else None
    if debt is None:
        raise NotFound(f"no debt with id {debt_id!r}")
    return debt, relation_to_debt(session, principal, debt)


def institution_codes(session: Session, ids: set[int]) -> dict[int, str]:
    """Codes of the institutions with ``ids`` (one query)."""
    if not ids:
        return {}
    return dict(session.execute(select(Institution.id, Institution.code).where(Institution.id.in_(ids))).all())


def as_engine_attempt(row: ContactAttempt, codes: dict[int, str], attempt_id: str | None = None) -> std.ContactAttempt:
    """A stored attempt in the engine's form (refs are ids; the number is its look-up hash)."""
    extra: dict[str, Any] = dict(row.extra or {})
    extra.setdefault("agency_ref", codes.get(row.agency_id, str(row.agency_id)))
    extra.setdefault("creditor_ref", codes.get(row.creditor_id, str(row.creditor_id)))
    return std.ContactAttempt(
        attempt_id=attempt_id or f"att-{row.id}",
        debt_ref=str(row.debt_id),
        debtor_ref=str(row.debtor_id),
        number=row.number_hash,
        counterparty=row.counterparty,
        channel=row.channel,
        started_at=as_utc(row.started_at),
        outcome=row.outcome,
        duration_s=row.duration_s,
        debtor_tz=row.debtor_tz,
        extra=extra,
    )


def history(session: Session, debt: Debt, number_digest: str, before: datetime) -> list[ContactAttempt]:
    """Logged attempts in the month before ``before`` on the same debtor, number or debt — whichever agency."""
    stmt = select(ContactAttempt).where(
        ContactAttempt.state == "logged",
        ContactAttempt.started_at >= as_utc(before) - HISTORY_WINDOW,
        ContactAttempt.started_at < as_utc(before),
        or_(
            ContactAttempt.debtor_id == debt.debtor_id,
            ContactAttempt.number_hash == number_digest,
            ContactAttempt.debt_id == debt.id,
        ),
    )
    return list(session.scalars(stmt))


def events(session: Session, debt: Debt, agency_id: int, codes: dict[int, str]) -> list[std.CaseEvent]:
    """Disputes of the debt (from the registry) and the recorded case and agency events that concern it."""
    out: list[std.CaseEvent] = []
    for opened_at, answered_at in session.execute(
        select(Dispute.opened_at, Dispute.answered_at).where(Dispute.debt_id == debt.id)
    ):
        out.append(std.CaseEvent(kind="dispute_opened", at=as_utc(opened_at), debt_ref=str(debt.id)))
        if answered_at is not None:
            out.append(std.CaseEvent(kind="dispute_answered", at=as_utc(answered_at), debt_ref=str(debt.id)))
    rows = session.scalars(
        select(CaseEvent).where(
            or_(
                CaseEvent.debt_id == debt.id,
                CaseEvent.debtor_id == debt.debtor_id,
                CaseEvent.agency_id == agency_id,
            )
        )
    )
    for row in rows:
        out.append(
            std.CaseEvent(
                kind=row.kind,
                at=as_utc(row.at),
                debt_ref=str(row.debt_id) if row.debt_id else None,
                debtor_ref=str(row.debtor_id) if row.debtor_id else None,
                agency_ref=codes.get(row.agency_id) if row.agency_id else None,
                creditor_ref=codes.get(row.creditor_id) if row.creditor_id else None,
                valid_until=as_utc(row.valid_until) if row.valid_until else None,
                event_id=f"ev-{row.id}",
            )
        )
    return out


def debt_columns(debt: Debt, at: datetime) -> dict[str, Any]:
    """Optional columns the portal knows from the registry: days past due at the attempt's Shanghai date."""
    return {"days_past_due": days_past_due(debt.status, debt.due_on, as_utc(at).astimezone(SHANGHAI).date())}
