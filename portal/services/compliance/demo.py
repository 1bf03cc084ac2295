"""The compliance part of ``portal demo``: cn-regional published, the agencies licensed and white-listed, a month and a
half of contact attempts per assigned debt with realistic violation rates per agency (judged by the engine's batch
path), and last month's compliance reports (one accurate, one understating its attempts).

Set-based: attempts and violations are written with executemany in chunks, never one statement per row.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

import standards as std
from portal.access import OPERATOR, Kind, Principal, allowed_roles
from portal.core.timeutil import SHANGHAI, utcnow
from portal.registry.models import Debt, DebtAssignment
from portal.services.compliance.models import AttemptViolation, ContactAttempt
from portal.services.compliance.operations import context, record_case_event
from portal.services.compliance.operations.reports import file_compliance_report
from portal.services.compliance.operations.standards import compile_published, publish_standard

CHUNK = 5_000
# Per agency: share of "risky" behaviour — calls in quiet hours, bursts of unanswered calls, third-party calls,
# unrecorded connected calls. agency-a is the well-run one, agency-b the one a supervisor should look at.
PROFILES = {"agency-a": 0.01, "agency-b": 0.06}
MAX_DEBTS = {"small": 600, "medium": 3_000, "large": 12_000}


def _attempt_times(rng: random.Random, start: date, days: int, risky: float) -> list[tuple[datetime, str, str]]:
    """(time, outcome, counterparty) for one debt's attempts over ``days`` days."""
    out = []
    for offset in range(days):
        if rng.random() > 0.35:
            continue
        day = start + timedelta(days=offset)
        burst = 7 if rng.random() < risky else rng.randint(1, 3)
        hour = rng.randint(9, 19)
        for k in range(burst):
            minute = rng.randint(0, 59)
            when = datetime(day.year, day.month, day.day, min(hour + k, 21), minute, tzinfo=SHANGHAI)
            if rng.random() < risky / 2:
                when = when.replace(hour=rng.choice([22, 23, 7]))
            outcome = rng.choices(["connected", "unanswered", "busy", "voicemail"], [0.3, 0.5, 0.1, 0.1])[0]
            counterparty = "third_party" if rng.random() < risky / 3 else "debtor"
            out.append((when, outcome, counterparty))
    return out


def seed(ctx) -> None:
    """Seed standards, qualifications, attempt histories with their violations, and last month's reports."""
    session: Session = ctx.session
    rng = ctx.rng("compliance")
    cn = (Path(std.CATALOGUE_DIR) / "cn-regional" / "2026.1.toml").read_text(encoding="utf-8")
    published = publish_standard(OPERATOR, cn, session=session)
    standard = compile_published(published)
    since = datetime(2026, 1, 30, tzinfo=SHANGHAI)
    codes = {code: ctx.institutions[code] for code in ctx.institutions}
    for agency in PROFILES:
        agency_id = codes[agency]
        record_case_event(
            OPERATOR,
            "licence_granted",
            at=since,
            agency_id=agency_id,
            valid_until=since + timedelta(days=3 * 365),
            session=session,
        )
        record_case_event(OPERATOR, "agency_evaluated", at=since, agency_id=agency_id, session=session)
        for bank in ("bank-a", "bank-b", "bank-c"):
            record_case_event(
                OPERATOR, "whitelisted", at=since, agency_id=agency_id, creditor_id=codes[bank], session=session
            )
    today = utcnow().astimezone(SHANGHAI).date()
    start = (today.replace(day=1) - timedelta(days=1)).replace(day=1) - timedelta(days=14)
    id_to_code = {v: k for k, v in codes.items()}
    rows = session.execute(
        select(Debt.id, Debt.debtor_id, Debt.creditor_id, Debt.status, Debt.due_on, DebtAssignment.agency_id)
        .join(DebtAssignment, DebtAssignment.debt_id == Debt.id)
        .where(DebtAssignment.active.is_(True))
        .order_by(Debt.id)
        .limit(MAX_DEBTS.get(ctx.size, 600))
    ).all()
    bar = ctx.progress("contact attempts", len(rows))
    attempts: list[dict] = []
    engine_rows: list[std.ContactAttempt] = []
    for debt_id, debtor_id, creditor_id, status, due_on, agency_id in rows:
        bar.update(1)
        first_day = max(start, due_on + timedelta(days=1))  # collection starts once the debt is past due
        if status in ("current", "settled") or first_day >= today:
            continue
        agency = id_to_code[agency_id]
        phone = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
        digest = context.number_hash(ctx.keyring, phone)
        for when, outcome, counterparty in _attempt_times(rng, first_day, (today - first_day).days,
                                                          PROFILES.get(agency, 0.02)):
            number = digest if counterparty == "debtor" else context.number_hash(ctx.keyring, phone[::-1])
            recorded = outcome != "connected" or rng.random() > PROFILES.get(agency, 0.02)
            extra = {
                "identified": True,
                "recorded": recorded,
                "days_past_due": max(0, (when.date() - due_on).days) if status != "current" else 0,
                "agency_ref": agency,
                "creditor_ref": id_to_code[creditor_id],
            }
            key = f"demo-{len(attempts)}"
            attempts.append(
                {
                    "agency_id": agency_id,
                    "creditor_id": creditor_id,
                    "debt_id": debt_id,
                    "debtor_id": debtor_id,
                    "client_key": key,
                    "number_hash": number,
                    "number_masked": context.mask_number(phone),
                    "counterparty": counterparty,
                    "channel": "call",
                    "started_at": when,
                    "outcome": outcome,
                    "duration_s": rng.randint(20, 400) if outcome == "connected" else 0,
                    "debtor_tz": "Asia/Shanghai",
                    "extra": extra,
                    "state": "logged",
                    "standard_code": standard.code,
                    "standard_version": standard.version,
                    "created_at": when,
                    "updated_at": when,
                }
            )
            engine_rows.append(
                std.ContactAttempt(
                    key,
                    str(debt_id),
                    str(debtor_id),
                    number,
                    counterparty,
                    "call",
                    when,
                    outcome,
                    None,
                    "Asia/Shanghai",
                    extra,
                )
            )
        bar.update(1)
    verdicts = std.Engine(standard).evaluate(engine_rows, _qualification_events(since))
    ids = _insert_attempts(session, attempts)
    by_key = {a["client_key"]: a for a in attempts}
    violations = [
        {
            "attempt_id": ids[v.attempt_id],
            "agency_id": by_key[v.attempt_id]["agency_id"],
            "creditor_id": by_key[v.attempt_id]["creditor_id"],
            "rule": v.rule,
            "rule_version": v.rule_version,
            "severity": v.severity,
            "phase": "logged",
            "message_zh": v.message_zh,
            "message_en": v.message_en,
            "found_at": by_key[v.attempt_id]["started_at"],
        }
        for v in verdicts
    ]
    for i in range(0, len(violations), CHUNK):
        session.execute(insert(AttemptViolation), violations[i : i + CHUNK])
    _file_reports(ctx, session, codes, today)


def _qualification_events(since: datetime) -> list[std.CaseEvent]:
    events = []
    for agency in PROFILES:
        events.append(
            std.CaseEvent("licence_granted", since, agency_ref=agency, valid_until=since + timedelta(days=1095))
        )
        events.append(std.CaseEvent("agency_evaluated", since, agency_ref=agency))
        for bank in ("bank-a", "bank-b", "bank-c"):
            events.append(std.CaseEvent("whitelisted", since, agency_ref=agency, creditor_ref=bank))
    return events


def _insert_attempts(session: Session, attempts: list[dict]) -> dict[str, int]:
    for i in range(0, len(attempts), CHUNK):
        session.execute(insert(ContactAttempt), attempts[i : i + CHUNK])
    keys = session.execute(
        select(ContactAttempt.client_key, ContactAttempt.id).where(ContactAttempt.client_key.like("demo-%"))
    ).all()
    return dict(keys)


def _file_reports(ctx, session: Session, codes: dict[str, int], today: date) -> None:
    """Last month's reports: agency-a declares what it logged; agency-b understates its attempts."""
    from portal.services.compliance.operations.reports import compute_figures

    period_end = today.replace(day=1) - timedelta(days=1)
    period_start = period_end.replace(day=1)
    for agency, factor in (("agency-a", 1.0), ("agency-b", 0.8)):
        figures = compute_figures(session, codes[agency], period_start, period_end)
        declared = {
            "attempts": int(figures["attempts"] * factor),
            "connected_calls": figures["connected_calls"],
            "complaints": 1 if agency == "agency-b" else 0,
            "recording_coverage": "1" if factor == 1 else "0.99",
            "violations_found_by_qa": 0,
        }
        kind = Kind.AGENCY
        principal = Principal(None, codes[agency], agency, kind, allowed_roles(kind), system=True)
        file_compliance_report(
            principal,
            f"demo-{period_start:%Y-%m}",
            period_start,
            period_end,
            declared,
            session=session,
            keyring=ctx.keyring,
        )
