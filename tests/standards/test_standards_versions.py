"""Versions with effective dates: each past attempt is judged by the version in force at its time."""

from __future__ import annotations

from datetime import datetime

import pytest
from standards_helpers import CN, attempt, planned, rules_broken

from standards import Engine, NoVersionInForce, UnknownStandard, resolve


def _seven_unanswered(day: str, prefix: str) -> list:
    return [
        attempt(f"{day}T{9 + k:02d}:00:00+08:00", attempt_id=f"{prefix}{k + 1}", number=f"N-{prefix}") for k in range(7)
    ]


def test_version_at_picks_the_version_in_force():
    versions = resolve("cn-regional")
    assert versions.version_at(datetime.fromisoformat("2025-06-01T00:00:00+08:00")).version == "2025.1"
    assert versions.version_at(datetime.fromisoformat("2026-01-29T23:59:59+08:00")).version == "2025.1"
    assert versions.version_at(datetime.fromisoformat("2026-01-30T00:00:00+08:00")).version == "2026.1"
    assert versions.version_at(datetime.fromisoformat("2026-01-29T16:00:00+00:00")).version == "2026.1"
    with pytest.raises(NoVersionInForce, match="no version of cn-regional"):
        versions.version_at(datetime.fromisoformat("2025-02-27T23:59:00+08:00"))
    with pytest.raises(ValueError, match="aware"):
        versions.version_at(datetime(2026, 1, 1))  # noqa: DTZ001


def test_past_attempts_are_judged_by_their_version():
    before = _seven_unanswered("2025-06-10", "old")  # no daily cap on unanswered calls before the CBA 2026 guideline
    after = _seven_unanswered("2026-03-10", "new")
    broken = rules_broken(CN, [*after, *before])
    assert broken == {"new7": ["CS-FREQ-03"]}
    verdict = next(v for v in CN.evaluate(after) if v.rule == "CS-FREQ-03")
    assert (verdict.standard_version, verdict.rule_version) == ("2026.1", "2026.1")


def test_pinned_version_judges_everything():
    old = Engine(resolve("cn-regional@2025.1"))
    new = Engine(resolve("cn-regional@2026.1"))
    log = _seven_unanswered("2026-03-10", "x") + _seven_unanswered("2025-06-10", "y")
    assert rules_broken(old, log) == {}
    assert rules_broken(new, log) == {"x7": ["CS-FREQ-03"], "y7": ["CS-FREQ-03"]}


def test_history_before_a_new_version_still_counts():
    # the 3-failure test of CS-3P-02 (new in 2026.1) reads failures logged while 2025.1 was in force
    failures = [attempt(f"2026-01-29T{19 + k}:00:00+08:00", attempt_id=f"f{k}") for k in range(3)]
    third = attempt(
        "2026-01-30T09:00:00+08:00",
        attempt_id="tp",
        counterparty="third_party",
        number="FRIEND",
        outcome="connected",
        purpose="location",
    )
    assert rules_broken(CN, [*failures, third]) == {}
    assert rules_broken(CN, [failures[0], third]) == {"tp": ["CS-3P-02"]}
    assert CN.check_planned(
        planned("2026-01-30T09:00:00+08:00", counterparty="third_party", number="FRIEND", purpose="location"), failures
    ).allowed


def test_third_party_rules_differ_between_versions():
    failures = [attempt(f"2025-06-09T{10 + k}:00:00+08:00", attempt_id=f"g{k}") for k in range(3)]
    third = attempt(
        "2025-06-10T09:00:00+08:00",
        attempt_id="tp",
        counterparty="third_party",
        number="FRIEND",
        outcome="connected",
        purpose="location",
    )
    # GB/T 45251 alone (2025.1) knows no 3-failure test: the debtor must be shown unreachable otherwise
    assert rules_broken(CN, [*failures, third]) == {"tp": ["CS-3P-02"]}
    unreachable = attempt(
        "2025-06-10T09:00:00+08:00",
        attempt_id="tp2",
        counterparty="third_party",
        number="FRIEND",
        outcome="connected",
        purpose="location",
        debtor_reachable=False,
    )
    assert rules_broken(CN, [unreachable]) == {}


def test_attempt_before_any_version_is_refused_by_name():
    early = attempt("2024-12-31T10:00:00+08:00", attempt_id="early")
    with pytest.raises(NoVersionInForce, match="attempt early") as caught:
        CN.evaluate([early])
    assert caught.value.field == "started_at"
    with pytest.raises(NoVersionInForce):
        CN.check_planned(early)


def test_resolve_names_unknown_standards_and_versions():
    with pytest.raises(UnknownStandard, match="unknown standard 'uk-conc'.*cn-regional"):
        resolve("uk-conc")
    with pytest.raises(UnknownStandard):
        resolve("../standards")
    with pytest.raises(NoVersionInForce, match="no version '2030.1'.*2025.1, 2026.1"):
        resolve("cn-regional@2030.1")
