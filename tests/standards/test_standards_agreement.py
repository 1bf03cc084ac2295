"""The fast batch path (per-key deques, cached offsets) agrees with the plain planned check on every attempt."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from standards_helpers import CN, COLUMNS, US

from standards import CaseEvent, ContactAttempt, Engine
from standards.vocabulary import CHANNELS, COUNTERPARTIES, OUTCOMES

STARTS = [
    datetime.fromisoformat("2026-01-28T00:00:00+08:00"),  # cn-regional switches to 2026.1 on the 30th
    datetime.fromisoformat("2026-03-05T00:00:00+08:00"),  # New York starts DST on 8 March
    datetime.fromisoformat("2026-10-01T00:00:00+08:00"),  # Lord Howe starts its half-hour DST on 4 October
    datetime.fromisoformat("2026-10-29T00:00:00+08:00"),  # New York ends DST on 1 November
]
ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe"]

_optional = {
    "disputed": st.sampled_from([None, None, None, True, False]),
    "debtor_reachable": st.sampled_from([None, None, True, False]),
    "purpose": st.sampled_from([None, "location", "collection", "dispute_response"]),
    "identified": st.sampled_from([None, True, False]),
    "recorded": st.sampled_from([None, True, False]),
    "days_past_due": st.sampled_from([None, -1, 5, 45, 120]),
    "disclosures": st.sampled_from([None, "", "debt_collector", "mini_miranda", "mini_miranda;debt_collector"]),
    "retain_until": st.sampled_from([None, "2027-01-01", "2030-01-01"]),
    "agency_ref": st.sampled_from([None, "AG1"]),
    "creditor_ref": st.sampled_from([None, "BANK-A"]),
    "consent_given_directly": st.sampled_from([None, None, None, False, True]),
    "plausible_tz": st.sampled_from([None, "America/Los_Angeles"]),
}


@st.composite
def attempt_rows(draw: st.DrawFn, index: int, start: datetime, span: int, spread: int) -> dict:
    debtor = draw(st.integers(0, spread))
    row = {
        "attempt_id": f"a{index}",
        "debtor_ref": f"P{debtor}",
        "debt_ref": f"D{debtor}{draw(st.integers(0, min(spread, 1)))}",
        "number": f"N{debtor}{draw(st.integers(0, spread))}",
        "counterparty": draw(st.sampled_from(["debtor", "debtor", "debtor", *sorted(COUNTERPARTIES)])),
        "channel": draw(st.sampled_from(["call", "call", "ai_voice", *sorted(CHANNELS)])),
        "outcome": draw(st.sampled_from(["unanswered", "connected", *sorted(OUTCOMES)])),
        "duration_s": draw(st.sampled_from([0, 30, 200])),
        "debtor_tz": draw(st.sampled_from(ZONES)),
        "started_at": (start + timedelta(minutes=draw(st.integers(0, span)))).isoformat(),
    }
    for name, strategy in _optional.items():
        value = draw(strategy)
        if value is not None:
            row[name] = value
    return row


@st.composite
def case_events(draw: st.DrawFn, start: datetime) -> CaseEvent:
    kind = draw(
        st.sampled_from(
            [
                "dispute_opened",
                "dispute_answered",
                "cease_requested",
                "debtor_unreachable",
                "attorney_retained",
                "mediation_opened",
                "licence_granted",
                "whitelisted",
                "agency_evaluated",
            ]
        )
    )
    debtor = draw(st.integers(0, 2))
    fields = {
        "kind": kind,
        "at": (start + timedelta(minutes=draw(st.integers(-1440, 6 * 1440)))).isoformat(),
        "debt_ref": f"D{debtor}{draw(st.integers(0, 1))}",
        "debtor_ref": f"P{debtor}",
        "agency_ref": "AG1",
        "creditor_ref": "BANK-A",
        "valid_until": (start + timedelta(days=3)).date().isoformat(),
    }
    if kind == "cease_requested" and draw(st.booleans()):
        fields["number"] = f"N{debtor}0"
    return CaseEvent.from_mapping(fields)


@st.composite
def logs(draw: st.DrawFn) -> tuple[list[ContactAttempt], list[CaseEvent]]:
    count = draw(st.integers(1, 45))
    span = draw(st.sampled_from([240, 1440, 6 * 1440]))  # dense logs reach the caps, sparse ones cross days
    start = draw(st.sampled_from(STARTS)) + timedelta(minutes=draw(st.integers(0, 6 * 1440 - span)))
    spread = draw(st.integers(0, 2))  # 0: one debtor, one debt, one number - the caps fill up
    attempts = [
        ContactAttempt.from_mapping(draw(attempt_rows(i, start, span, spread)), columns=COLUMNS, require_outcome=True)
        for i in range(count)
    ]
    events = draw(st.lists(case_events(start), max_size=6))
    return attempts, events


def _same(verdict) -> tuple:
    return (*verdict.comparable(), verdict.action, verdict.standard_version, repr(sorted(verdict.inputs.items())))


def _check_agreement(engine: Engine, attempts: list[ContactAttempt], events: list[CaseEvent]) -> None:
    batch: dict[str, list[tuple]] = {}
    for verdict in engine.evaluate(attempts, events):
        batch.setdefault(verdict.attempt_id, []).append(_same(verdict))
    ordered = sorted(attempts, key=lambda a: a.epoch)
    for position, attempt in enumerate(ordered):
        decision = engine.check_planned(attempt, ordered[:position], events)
        planned = [_same(v) for v in decision.verdicts]
        assert planned == batch.get(attempt.attempt_id, []), attempt


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(logs())
def test_batch_agrees_with_planned_checks_cn(log):
    _check_agreement(CN, *log)


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(logs())
def test_batch_agrees_with_planned_checks_us(log):
    _check_agreement(US, *log)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(logs(), st.randoms(use_true_random=False))
def test_batch_does_not_depend_on_input_order(log, random):
    attempts, events = log
    assume(len({a.epoch for a in attempts}) == len(attempts))  # ties are judged in input order, by design
    shuffled = attempts[:]
    random.shuffle(shuffled)
    assert sorted(map(_same, CN.evaluate(attempts, events))) == sorted(map(_same, CN.evaluate(shuffled, events)))
