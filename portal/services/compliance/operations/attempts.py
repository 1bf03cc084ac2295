"""Contact attempts: asked before contact ("may I call now?"), recorded as planned or refused, and judged again once
logged with their outcome. Every answer names the standard version in force and the rules that decided it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import standards as std
from portal.access import Principal, check_access, guarded
from portal.core.crypto import Keyring
from portal.core.errors import BadInput, Conflict, NotFound
from portal.core.timeutil import as_utc, utcnow, zone
from portal.services.compliance.models import AttemptViolation, CaseEvent, ContactAttempt
from portal.services.compliance.operations import context
from portal.services.compliance.operations.standards import compile_published, published_at
from standards import vocabulary

OPTIONAL_INPUTS = (
    "identified",
    "disclosures",
    "recorded",
    "purpose",
    "debtor_agreed_time",
    "agreed_frequency",
    "consent_given_directly",
    "third_party_requested",
    "plausible_tz",
)


@dataclass
class AttemptResult:
    """The standard's answer: allowed or not, by which version, with every rule that spoke."""

    allowed: bool
    standard: str
    standard_version: str
    verdicts: list[std.Verdict] = field(default_factory=list)
    attempt: ContactAttempt | None = None

    @property
    def refused_by(self) -> list[str]:
        """Ids of the blocking rules."""
        return [v.rule for v in self.verdicts if v.action == "block"]


@dataclass(frozen=True)
class AttemptInput:
    """What an agency's dialler sends (validated by :func:`_read_input`)."""

    debt_id: int
    number: str
    counterparty: str
    channel: str
    started_at: datetime
    outcome: str | None
    duration_s: int | None
    debtor_tz: str
    extra: dict[str, Any]


def _read_input(data: dict[str, Any]) -> AttemptInput:
    try:
        debt_id = int(data["debt_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"debtId {data.get('debt_id')!r} is not a debt id", field="debtId") from exc
    for name, allowed in (("counterparty", vocabulary.COUNTERPARTIES), ("channel", vocabulary.CHANNELS)):
        if data.get(name) not in allowed:
            raise BadInput(f"{name} {data.get(name)!r} is not one of {sorted(allowed)}", field=name)
    outcome = data.get("outcome")
    if outcome is not None and outcome not in vocabulary.OUTCOMES:
        raise BadInput(f"outcome {outcome!r} is not one of {sorted(vocabulary.OUTCOMES)}", field="outcome")
    started = data.get("started_at") or utcnow()
    if not isinstance(started, datetime) or started.tzinfo is None:
        raise BadInput(f"startedAt {started!r} needs a UTC offset", field="startedAt")
    duration = data.get("duration_s")
    if duration is not None and (not isinstance(duration, int) or duration < 0):
        raise BadInput(f"durationS {duration!r} must be a whole number of seconds", field="durationS")
    tz_name = data.get("debtor_tz") or "Asia/Shanghai"
    zone(tz_name)
    extra = {k: data[k] for k in OPTIONAL_INPUTS if data.get(k) is not None}
    return AttemptInput(
        debt_id,
        data.get("number") or "",
        data["counterparty"],
        data["channel"],
        as_utc(started),
        outcome,
        duration,
        tz_name,
        extra,
    )


def _judge(
    session: Session,
    keyring: Keyring,
    principal: Principal,
    item: AttemptInput,
    attempt_id: str,
    exclude_id: int | None = None,
) -> tuple[AttemptResult, Any, str, str]:
    """Judge ``item`` against the version in force at its time; returns the result, the debt, hash and mask."""
    debt, relation = context.load_debt(session, principal, item.debt_id)
    action = "compliance.attempt.record" if attempt_id != "check" else "compliance.attempt.check"
    check_access(action, principal, debt, relation=relation)
    digits = context.normalize_number(item.number)
    digest = context.number_hash(keyring, digits)
    published = published_at(session, item.started_at)
    if published is None:
        raise NotFound("no collection standard was in force at that time: the regulator has not published one")
    standard = compile_published(published)
    past = [row for row in context.history(session, debt, digest, item.started_at) if row.id != exclude_id]
    codes = context.institution_codes(
        session,
        {principal.institution_id, debt.creditor_id} | {r.agency_id for r in past} | {r.creditor_id for r in past},
    )
    extra = {
        **context.debt_columns(debt, item.started_at),
        **item.extra,
        "agency_ref": codes[principal.institution_id],
        "creditor_ref": codes[debt.creditor_id],
    }
    attempt = std.ContactAttempt(
        attempt_id=attempt_id,
        debt_ref=str(debt.id),
        debtor_ref=str(debt.debtor_id),
        number=digest,
        counterparty=item.counterparty,
        channel=item.channel,
        started_at=item.started_at,
        outcome=item.outcome,
        duration_s=item.duration_s,
        debtor_tz=item.debtor_tz,
        extra=extra,
    )
    engine_history = [context.as_engine_attempt(row, codes) for row in past]
    decision = std.Engine(standard).check_planned(
        attempt, engine_history, context.events(session, debt, principal.institution_id, codes)
    )
    result = AttemptResult(decision.allowed, decision.standard, decision.standard_version, list(decision.verdicts))
    return result, debt, digest, context.mask_number(digits)


@guarded("compliance.attempt.check")
def check_contact(principal: Principal, data: dict[str, Any], *, session: Session, keyring: Keyring) -> AttemptResult:
    """May this agency contact this debt now, on this channel and number? Nothing is written."""
    item = _read_input({**data, "outcome": None})
    result, *_ = _judge(session, keyring, principal, item, "check")
    return result


def _violations(row: ContactAttempt, verdicts: list[std.Verdict], phase: str) -> list[AttemptViolation]:
    return [
        AttemptViolation(
            attempt_id=row.id,
            agency_id=row.agency_id,
            creditor_id=row.creditor_id,
            rule=v.rule,
            rule_version=v.rule_version,
            severity=v.severity,
            phase=phase,
            message_zh=v.message_zh,
            message_en=v.message_en,
        )
        for v in verdicts
    ]


@guarded("compliance.attempt.record")
def record_contact_attempt(
    principal: Principal, client_key: str, data: dict[str, Any], *, session: Session, keyring: Keyring
) -> AttemptResult:
    """Record an attempt. Without an outcome it is PLANNED: checked first, stored as planned when allowed or as
    refused with the blocking rules. With an outcome it is LOGGED: every rule it broke is stored as a violation.
    The client key makes retries safe: the same key again returns the stored answer, or turns a planned attempt
    into a logged one."""
    if not client_key or len(client_key) > 100:
        raise BadInput(f"clientKey {client_key!r} must be 1-100 characters", field="clientKey")
    item = _read_input(data)
    existing = session.scalar(
        select(ContactAttempt).where(
            ContactAttempt.agency_id == principal.institution_id, ContactAttempt.client_key == client_key
        )
    )
    if existing is not None and (existing.debt_id != item.debt_id or existing.channel != item.channel):
        raise Conflict(f"clientKey {client_key!r} was already used for another attempt")
    if existing is not None and (existing.state != "planned" or item.outcome is None):
        debt, relation = context.load_debt(session, principal, item.debt_id)
        check_access("compliance.attempt.record", principal, debt, relation=relation)
        return _stored_result(session, existing)
    attempt_id = f"att-{existing.id}" if existing else f"key-{client_key}"
    result, debt, digest, masked = _judge(
        session, keyring, principal, item, attempt_id, exclude_id=existing.id if existing else None
    )
    state = "logged" if item.outcome else ("planned" if result.allowed else "refused")
    row = existing or ContactAttempt(
        agency_id=principal.institution_id,
        creditor_id=debt.creditor_id,
        debt_id=debt.id,
        debtor_id=debt.debtor_id,
        client_key=client_key,
    )
    row.number_hash, row.number_masked = digest, masked
    row.counterparty, row.channel, row.started_at = item.counterparty, item.channel, item.started_at
    row.outcome, row.duration_s, row.debtor_tz, row.extra = item.outcome, item.duration_s, item.debtor_tz, item.extra
    row.state, row.standard_code, row.standard_version = state, result.standard, result.standard_version
    row.recorded_by, row.updated_at = principal.user_id, utcnow()
    session.add(row)
    session.flush()
    session.add_all(_violations(row, result.verdicts, "logged" if item.outcome else "planned"))
    result.attempt = row
    return result


def _stored_result(session: Session, row: ContactAttempt) -> AttemptResult:
    phase = "logged" if row.state == "logged" else "planned"
    rows = session.scalars(
        select(AttemptViolation).where(AttemptViolation.attempt_id == row.id, AttemptViolation.phase == phase)
    )
    verdicts = [
        std.Verdict(
            f"att-{row.id}",
            v.rule,
            v.rule_version,
            "",
            v.severity,
            "block" if row.state == "refused" else "flag",
            row.standard_code or "",
            row.standard_version or "",
            {},
            v.message_en,
            v.message_zh,
            "",
        )
        for v in rows
    ]
    return AttemptResult(row.state != "refused", row.standard_code or "", row.standard_version or "", verdicts, row)


@guarded("compliance.event.record")
def record_case_event(
    principal: Principal,
    kind: str,
    *,
    at: datetime | None = None,
    debt_id: int | None = None,
    agency_id: int | None = None,
    creditor_id: int | None = None,
    valid_until: datetime | None = None,
    session: Session,
) -> CaseEvent:
    """Record a fact the standards read (cease request, attorney, reachability, licence, white-list, evaluation)."""
    if kind not in vocabulary.EVENT_KINDS or kind.startswith(("dispute_", "mediation_")):
        raise BadInput(f"event kind {kind!r} is not one the portal records here", field="kind")
    relation = None
    debt = None
    if debt_id is not None:
        debt, relation = context.load_debt(session, principal, debt_id)
    check_access("compliance.event.record", principal, debt, event_kind=kind, relation=relation)
    needs = vocabulary.EVENT_KINDS[kind]
    if ("debt_ref" in needs or "debtor_ref" in needs) and debt is None:
        raise BadInput(f"a {kind} event needs debtId", field="debtId")
    if "agency_ref" in needs:
        agency_id = agency_id if agency_id is not None else principal.institution_id
    if "creditor_ref" in needs:
        creditor_id = creditor_id if creditor_id is not None else principal.institution_id
    if "valid_until" in needs and valid_until is None:
        raise BadInput(f"a {kind} event needs validUntil", field="validUntil")
    row = CaseEvent(
        kind=kind,
        at=as_utc(at) if at else utcnow(),
        debt_id=debt.id if debt else None,
        debtor_id=debt.debtor_id if debt else None,
        agency_id=agency_id,
        creditor_id=creditor_id,
        valid_until=as_utc(valid_until) if valid_until else None,
        recorded_by=principal.user_id,
    )
    session.add(row)
    session.flush()
    return row


@guarded("compliance.attempt.list")
def list_violations(
    principal: Principal, *, after_id: int | None, limit: int, session: Session, agency_id: int | None = None
) -> list[AttemptViolation]:
    """Violations the principal may see (creditor bank of the debt, the agency, the regulator), by id."""
    decision = check_access("compliance.attempt.list", principal)
    stmt = select(AttemptViolation).order_by(AttemptViolation.id).limit(limit)
    if decision["scope"] == "bank":
        stmt = stmt.where(AttemptViolation.creditor_id == principal.institution_id)
    elif decision["scope"] == "agency":
        stmt = stmt.where(AttemptViolation.agency_id == principal.institution_id)
    if agency_id is not None:
        stmt = stmt.where(AttemptViolation.agency_id == agency_id)
    if after_id is not None:
        stmt = stmt.where(AttemptViolation.id > after_id)
    return list(session.scalars(stmt))
