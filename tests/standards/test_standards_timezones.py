"""Quiet hours in the debtor's local time: DST in America/New_York, several zones, plausible zones, the cache."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from standards_helpers import CN, US, attempt, planned

from standards import MalformedRecord
from standards.clock import LocalClock

ZONES = [
    "Asia/Shanghai",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
    "Asia/Tehran",
    "America/St_Johns",
    "UTC",
]


def _refused(engine, when: str, tz: str, **fields) -> tuple[str, ...]:
    return engine.check_planned(planned(when, debtor_tz=tz, **fields)).refused_by


@pytest.mark.parametrize(
    ("instant", "quiet"),
    [
        ("2026-03-07T12:30:00+00:00", True),  # 07:30 EST, the day before DST starts
        ("2026-03-08T12:30:00+00:00", False),  # 08:30 EDT, same UTC time after the spring change
        ("2026-03-08T06:59:00+00:00", True),  # 01:59 EST, just before the gap
        ("2026-03-08T07:00:00+00:00", True),  # 03:00 EDT, just after it
        ("2026-03-09T00:59:00+00:00", False),  # 20:59 EDT
        ("2026-03-09T01:00:00+00:00", True),  # 21:00 EDT: inside (the window starts at 21:00 inclusive)
        ("2026-10-31T12:00:00+00:00", False),  # 08:00 EDT: outside (the window ends at 08:00 exclusive)
        ("2026-11-01T01:30:00+00:00", True),  # 21:30 EDT on 31 October
        ("2026-11-02T01:30:00+00:00", False),  # 20:30 EST on 1 November: same UTC time, after the fall change
        ("2026-11-01T05:30:00+00:00", True),  # 01:30 EDT, first pass of the repeated hour
        ("2026-11-01T06:30:00+00:00", True),  # 01:30 EST, second pass
        ("2026-11-01T12:59:00+00:00", True),  # 07:59 EST
        ("2026-11-01T13:00:00+00:00", False),  # 08:00 EST
    ],
)
def test_us_inconvenient_time_follows_new_york_dst(instant: str, quiet: bool):
    refused = _refused(US, instant, "America/New_York")
    assert ("CS-TIME-01" in refused) is quiet
    logged = attempt(instant, debtor_tz="America/New_York")
    assert bool(US.evaluate([logged])) is quiet


@pytest.mark.parametrize(
    ("zone", "cn_quiet", "us_quiet"),
    [
        ("Asia/Shanghai", False, True),  # 21:30
        ("Asia/Tokyo", True, True),  # 22:30
        ("America/New_York", False, False),  # 09:30 EDT
        ("America/Los_Angeles", True, True),  # 06:30 PDT
        ("Europe/London", False, False),  # 13:30 GMT
        ("Asia/Kolkata", False, False),  # 19:00
        ("Asia/Kathmandu", False, False),  # 19:15
        ("Pacific/Chatham", True, True),  # 03:15 next day (+13:45 in March)
    ],
)
def test_one_instant_in_several_zones(zone: str, cn_quiet: bool, us_quiet: bool):
    instant = "2026-03-10T13:30:00+00:00"
    assert ("CS-TIME-01" in _refused(CN, instant, zone)) is cn_quiet
    assert ("CS-TIME-01" in _refused(US, instant, zone)) is us_quiet


def test_default_zone_is_shanghai():
    at_2230 = planned("2026-03-10T14:30:00+00:00")
    assert at_2230.debtor_tz == "Asia/Shanghai"
    assert CN.check_planned(at_2230).refused_by == ("CS-TIME-01",)


def test_us_checks_every_plausible_zone():
    when = "2026-03-10T13:30:00+00:00"  # 09:30 in New York, 06:30 in Los Angeles
    alone = planned(when, debtor_tz="America/New_York")
    assert US.check_planned(alone).allowed
    unsure = planned(when, debtor_tz="America/New_York", plausible_tz="America/Chicago;America/Los_Angeles")
    decision = US.check_planned(unsure)
    assert decision.refused_by == ("CS-TIME-01",)
    assert decision.verdicts[0].inputs["tz"] == "America/Los_Angeles"
    assert CN.check_planned(unsure).allowed  # the CN standard checks the debtor's zone only
    with pytest.raises(MalformedRecord) as caught:
        planned(when, plausible_tz="America/Nowhere")
    assert caught.value.field == "plausible_tz"


def test_consent_exempts_from_quiet_hours():
    late = "2026-03-10T15:00:00+00:00"  # 23:00 Shanghai
    assert not CN.check_planned(planned(late)).allowed
    assert CN.check_planned(planned(late, debtor_agreed_time=True)).allowed
    assert US.check_planned(planned(late, consent_given_directly="yes")).allowed


def test_quiet_hours_apply_only_to_their_channels():
    late = "2026-03-10T15:00:00+00:00"
    assert CN.check_planned(planned(late, channel="letter")).allowed
    assert not CN.check_planned(planned(late, channel="ai_voice")).allowed
    assert CN.check_planned(planned(late, channel="email")).allowed  # CN lists call, AI voice, SMS, visit
    assert not US.check_planned(planned(late, channel="email")).allowed  # Reg F includes e-mail


def test_unknown_zone_is_a_bad_row():
    with pytest.raises(MalformedRecord) as caught:
        planned("2026-03-10T15:00:00+00:00", debtor_tz="Mars/Olympus")
    assert caught.value.field == "debtor_tz"
    assert "Mars/Olympus" in str(caught.value)


_clock = LocalClock()


@settings(max_examples=400, deadline=None, database=None)
@given(
    zone=st.sampled_from(ZONES),
    epoch=st.integers(min_value=0, max_value=2_200_000_000),
)
def test_cached_offsets_equal_zoneinfo(zone: str, epoch: int):
    expected = datetime.fromtimestamp(epoch, UTC).astimezone(ZoneInfo(zone)).utcoffset()
    assert expected is not None
    assert _clock.offset(zone, epoch) == int(expected.total_seconds())


def test_cache_is_exact_in_an_hour_with_a_half_hour_transition():
    # Lord Howe Island leaves DST at 02:00 local (+11) -> 01:30 (+10:30): 15:00 UTC, inside a UTC hour? No:
    # it starts DST at 02:00 local (+10:30) -> 02:30 (+11), i.e. 15:30 UTC, in the middle of the 15:00 UTC hour.
    clock = LocalClock()
    zone = ZoneInfo("Australia/Lord_Howe")
    start = int(datetime(2026, 10, 3, 15, 0, tzinfo=UTC).timestamp())
    for second in range(0, 3600, 60):
        epoch = start + second
        offset = datetime.fromtimestamp(epoch, UTC).astimezone(zone).utcoffset()
        assert offset is not None
        assert clock.offset("Australia/Lord_Howe", epoch) == int(offset.total_seconds())
