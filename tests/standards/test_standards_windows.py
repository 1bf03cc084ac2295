"""Sliding windows at their boundaries: rolling, calendar days and weeks in the debtor's zone, 'ever'."""

from __future__ import annotations

import pytest
from standards_helpers import CN, US, attempt, planned, rules_broken

from standards import Engine, parse_standard

HEAD = """
[standard]
code = "test-windows"
version = "2026.1"
effective_from = 2020-01-01T00:00:00+00:00
jurisdiction = "TEST"
title_en = "windows"
title_zh = "窗口"
"""


def _cap(rule_id: str, per: str, window: str, limit: int, extra: str = "") -> str:
    return f"""
[[rules]]
id = "{rule_id}"
version = "2026.1"
kind = "cap"
severity = "high"
title_en = "cap"
title_zh = "上限"
source = "test"
per = {per}
window = {window}
limit = {limit}
{extra}
"""


def _engine(*rules: str) -> Engine:
    return Engine(parse_standard(HEAD + "".join(rules)))


ROLLING = _engine(_cap("T-ROLL", '["number"]', '{ type = "rolling", minutes = 5 }', 1))
DAILY = _engine(_cap("T-DAY", '["number"]', '{ type = "calendar_days", days = 1 }', 2))
WEEKLY = _engine(_cap("T-WEEK", '["debtor_ref"]', '{ type = "calendar_weeks", weeks = 1 }', 2))


def _refused_after(engine: Engine, history_times: list[str], when: str, tz: str = "Asia/Shanghai") -> bool:
    history = [attempt(t, debtor_tz=tz) for t in history_times]
    return not engine.check_planned(planned(when, debtor_tz=tz), history).allowed


@pytest.mark.parametrize(
    ("second", "refused"), [("10:04:59", True), ("10:05:00", False), ("10:05:01", False), ("10:00:00", True)]
)
def test_rolling_window_excludes_exactly_its_length(second: str, refused: bool):
    assert _refused_after(ROLLING, ["2026-03-10T10:00:00+08:00"], f"2026-03-10T{second}+08:00") is refused


@pytest.mark.parametrize(
    ("when", "refused"),
    [
        ("2026-03-07T23:59:59-05:00", True),  # same local day in New York
        ("2026-03-08T00:00:00-05:00", False),  # next local day (DST begins later that night)
        ("2026-03-08T04:59:59+00:00", True),  # 23:59:59 EST on the 7th, written in UTC
    ],
)
def test_calendar_day_is_the_debtors_local_day(when: str, refused: bool):
    history = ["2026-03-07T23:58:00-05:00", "2026-03-07T00:00:00-05:00"]
    assert _refused_after(DAILY, history, when, tz="America/New_York") is refused


def test_calendar_day_on_the_short_dst_day():
    # 8 March 2026 has 23 hours in New York; its calls at 00:30 EST and 23:30 EDT are on the same local day.
    history = ["2026-03-08T00:30:00-05:00", "2026-03-08T12:00:00-04:00"]
    assert _refused_after(DAILY, history, "2026-03-08T23:59:00-04:00", tz="America/New_York")
    assert not _refused_after(DAILY, history, "2026-03-09T00:00:00-04:00", tz="America/New_York")


def test_same_instant_is_a_different_day_in_another_zone():
    history = ["2026-03-10T15:00:00+00:00", "2026-03-10T15:30:00+00:00"]  # 23:00 and 23:30 in Shanghai
    # 16:10 UTC is 00:10 on the 11th in Shanghai (new day) but still the 10th in London
    assert not _refused_after(DAILY, history, "2026-03-10T16:10:00+00:00", tz="Asia/Shanghai")
    assert _refused_after(DAILY, history, "2026-03-10T16:10:00+00:00", tz="Europe/London")


@pytest.mark.parametrize(
    ("when", "refused"), [("2026-03-15T23:59:00+08:00", True), ("2026-03-16T00:00:00+08:00", False)]
)
def test_calendar_week_starts_on_monday(when: str, refused: bool):
    history = ["2026-03-09T08:00:00+08:00", "2026-03-12T08:00:00+08:00"]  # Monday and Thursday
    assert _refused_after(WEEKLY, history, when) is refused


def test_us_cooling_off_runs_seven_local_days():
    conversation = attempt(
        "2026-06-01T10:00:00-04:00", debtor_tz="America/New_York", outcome="connected", duration_s=60
    )
    assert not US.check_planned(
        planned("2026-06-07T20:59:00-04:00", debtor_tz="America/New_York"), [conversation]
    ).allowed
    assert US.check_planned(planned("2026-06-08T08:00:00-04:00", debtor_tz="America/New_York"), [conversation]).allowed
    voicemail = attempt("2026-06-01T10:00:00-04:00", debtor_tz="America/New_York", outcome="voicemail")
    assert US.check_planned(planned("2026-06-02T10:00:00-04:00", debtor_tz="America/New_York"), [voicemail]).allowed


def test_us_seven_calls_in_seven_days():
    calls = [attempt(f"2026-06-0{day}T10:00:00-04:00", debtor_tz="America/New_York") for day in range(1, 8)]
    eighth_same_week = planned("2026-06-07T15:00:00-04:00", debtor_tz="America/New_York")
    assert US.check_planned(eighth_same_week, calls).refused_by == ("CS-FREQ-01",)
    first_day_drops_out = planned("2026-06-08T10:00:00-04:00", debtor_tz="America/New_York")
    assert US.check_planned(first_day_drops_out, calls).allowed
    other_debt = planned("2026-06-07T15:00:00-04:00", debtor_tz="America/New_York", debt_ref="D2")
    assert US.check_planned(other_debt, calls).allowed


def test_us_calls_that_do_not_connect_are_not_counted():
    busy = [
        attempt(f"2026-06-0{day}T10:00:00-04:00", debtor_tz="America/New_York", outcome="busy") for day in range(1, 8)
    ]
    assert US.check_planned(planned("2026-06-07T15:00:00-04:00", debtor_tz="America/New_York"), busy).allowed


def test_cap_after_the_fact_only_when_the_attempt_itself_counts():
    calls = [
        attempt(f"2026-06-0{day}T10:00:00-04:00", debtor_tz="America/New_York", attempt_id=f"c{day}")
        for day in range(1, 8)
    ]
    not_connected = attempt(
        "2026-06-07T15:00:00-04:00", debtor_tz="America/New_York", attempt_id="busy8", outcome="busy"
    )
    rang = attempt("2026-06-07T16:00:00-04:00", debtor_tz="America/New_York", attempt_id="rang9")
    broken = rules_broken(US, [*calls, not_connected, rang])
    assert "busy8" not in broken or "CS-FREQ-01" not in broken["busy8"]
    assert "CS-FREQ-01" in broken["rang9"]


def test_ever_window_third_party_once():
    first = attempt(
        "2026-01-05T10:00:00-05:00",
        debtor_tz="America/New_York",
        counterparty="third_party",
        number="NEIGHBOUR",
        outcome="connected",
        purpose="location",
    )
    again = planned(
        "2026-09-05T10:00:00-04:00",
        debtor_tz="America/New_York",
        counterparty="third_party",
        number="NEIGHBOUR",
        purpose="location",
    )
    assert US.check_planned(again, [first]).refused_by == ("CS-3P-02",)
    asked_back = planned(
        "2026-09-05T10:00:00-04:00",
        debtor_tz="America/New_York",
        counterparty="third_party",
        number="NEIGHBOUR",
        purpose="location",
        third_party_requested=True,
    )
    assert US.check_planned(asked_back, [first]).allowed
    other_person = planned(
        "2026-09-05T10:00:00-04:00",
        debtor_tz="America/New_York",
        counterparty="third_party",
        number="COLLEAGUE",
        purpose="location",
    )
    assert US.check_planned(other_person, [first]).allowed


def test_cn_unanswered_cap_counts_only_not_answered_calls_on_that_number():
    day = [attempt(f"2026-03-03T{9 + k:02d}:00:00+08:00", number="N9") for k in range(6)]
    assert not _allowed_cn("2026-03-03T20:00:00+08:00", day)
    answered = [
        attempt(f"2026-03-03T{9 + k:02d}:00:00+08:00", number="N9", outcome="connected" if k == 0 else "unanswered")
        for k in range(6)
    ]
    assert _allowed_cn("2026-03-03T20:00:00+08:00", answered)
    assert _allowed_cn("2026-03-04T08:00:00+08:00", day)  # a new local day
    assert _allowed_cn("2026-03-03T20:00:00+08:00", day, agreed_frequency=True)


def _allowed_cn(when: str, history: list, **fields) -> bool:
    return CN.check_planned(planned(when, number="N9", **fields), history).allowed
