"""Quiet hours: no contact while the debtor's local clock is inside the quiet window (e.g. 22:00-08:00)."""

from __future__ import annotations

from typing import Any, ClassVar

from standards.clock import format_clock_time
from standards.kinds.base import Rule, base_inputs
from standards.kinds.params import Param, boolean, clock_time
from standards.records import ContactAttempt
from standards.verdicts import Verdict
from standards.vocabulary import CHANNEL_ZH


class QuietHours(Rule):
    """Refuse attempts whose local time in the debtor's zone (and, if asked, every plausible zone) is quiet."""

    kind: ClassVar[str] = "quiet_hours"
    summary: ClassVar[str] = "no contact between `start` and `end` local time (the window may wrap midnight)"
    PARAMS: ClassVar[dict[str, Param]] = {
        "start": Param(clock_time, "start of the quiet window, HH:MM local time (inclusive)", required=True),
        "end": Param(clock_time, "end of the quiet window, HH:MM local time (exclusive)", required=True),
        "all_plausible_zones": Param(
            boolean, "also check every zone listed in the attempt's plausible_tz column", default=False
        ),
    }

    def __init__(self, entry: dict[str, Any], standard: str, standard_version: str) -> None:
        super().__init__(entry, standard, standard_version)
        self.start: int = entry["start"]
        self.end: int = entry["end"]
        if self.start == self.end:
            raise ValueError("start and end must differ")
        self.all_plausible_zones: bool = entry["all_plausible_zones"]
        self.window_text = f"{format_clock_time(self.start)}–{format_clock_time(self.end)}"

    def is_quiet(self, second: int) -> bool:
        """Whether ``second`` after local midnight falls in the quiet window."""
        if self.start > self.end:
            return second >= self.start or second < self.end
        return self.start <= second < self.end

    def check(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        """Refuse when the attempt's local time is quiet in its zone (or any plausible zone)."""
        second = context.local(attempt)[0]
        start, end = self.start, self.end
        if (second >= start or second < end) if start > end else (start <= second < end):
            return self._quiet(attempt, attempt.debtor_tz, second)
        if self.all_plausible_zones:
            for tz_name in attempt.extra.get("plausible_tz") or ():
                second = context.local(attempt, tz_name)[0]
                if self.is_quiet(second):
                    return self._quiet(attempt, tz_name, second)
        return None

    def _quiet(self, attempt: ContactAttempt, tz_name: str, second: int) -> Verdict:
        local = format_clock_time(second)
        inputs = base_inputs(attempt) | {
            "started_at": attempt.started_at.isoformat(),
            "tz": tz_name,
            "local_time": local,
            "quiet_window": self.window_text,
        }
        return self.verdict(
            attempt,
            inputs,
            f"{attempt.channel} at {local} local time ({tz_name}) is inside the quiet hours {self.window_text}",
            f"当地时间（{tz_name}）{local}进行{CHANNEL_ZH[attempt.channel]}联系，处于禁止催收时段{self.window_text}内",
        )
