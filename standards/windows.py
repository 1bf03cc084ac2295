"""Counting windows: rolling durations, calendar days or weeks in the debtor's zone, or the whole history.

A window answers one question: given the attempt being judged, from which instant on does an earlier event count?
- ``rolling`` of W seconds: events strictly less than W seconds before the attempt (``epoch > now - W``);
- ``calendar_days`` of N: events since local midnight N-1 days before the attempt's local day (N=1: today);
- ``calendar_weeks`` of N: events since local midnight of the Monday N-1 weeks before the attempt's week;
- ``ever``: every earlier event.
Calendar days and weeks are those of the attempt being judged, in its ``debtor_tz``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLLING = "rolling"
CALENDAR_DAYS = "calendar_days"
CALENDAR_WEEKS = "calendar_weeks"
EVER = "ever"
WINDOW_TYPES = (ROLLING, CALENDAR_DAYS, CALENDAR_WEEKS, EVER)
_ROLLING_UNITS = {"seconds": 1, "minutes": 60, "hours": 3_600, "days": 86_400}


@dataclass(frozen=True, slots=True)
class Window:
    """A counting window: ``type`` plus its size (seconds for rolling, days or weeks for calendar windows)."""

    type: str
    size: int = 0

    def describe_en(self) -> str:
        """English wording, e.g. 'the same calendar day' or 'a rolling 5 minutes'."""
        if self.type == ROLLING:
            return f"a rolling {_duration_text(self.size)}"
        if self.type == CALENDAR_DAYS:
            return "the same calendar day" if self.size == 1 else f"{self.size} consecutive calendar days"
        if self.type == CALENDAR_WEEKS:
            return "the same calendar week" if self.size == 1 else f"{self.size} consecutive calendar weeks"
        return "the whole history"

    def describe_zh(self) -> str:
        """Chinese wording of the window."""
        if self.type == ROLLING:
            return f"任意连续{_duration_text_zh(self.size)}内"
        if self.type == CALENDAR_DAYS:
            return "同一自然日内" if self.size == 1 else f"连续{self.size}个自然日内"
        if self.type == CALENDAR_WEEKS:
            return "同一自然周内" if self.size == 1 else f"连续{self.size}个自然周内"
        return "全部历史记录中"

    def as_inputs(self) -> dict[str, Any]:
        """The window as plain values for a verdict's inputs."""
        return {"type": self.type, "size": self.size}


def parse_window(value: Any) -> Window:
    """A ``Window`` from its TOML table; ``ValueError`` with the reason otherwise."""
    if not isinstance(value, dict):
        raise ValueError('must be a table such as { type = "calendar_days", days = 1 }')
    kind = value.get("type")
    if kind not in WINDOW_TYPES:
        raise ValueError(f"type {kind!r} is not one of {list(WINDOW_TYPES)}")
    sizes = {k: v for k, v in value.items() if k != "type"}
    if kind == EVER:
        if sizes:
            raise ValueError(f"an 'ever' window takes no size, got {sorted(sizes)}")
        return Window(EVER)
    if kind == ROLLING:
        if len(sizes) != 1 or next(iter(sizes)) not in _ROLLING_UNITS:
            raise ValueError(f"a rolling window needs exactly one of {sorted(_ROLLING_UNITS)}")
        unit, amount = next(iter(sizes.items()))
        return Window(ROLLING, _positive(amount, unit) * _ROLLING_UNITS[unit])
    unit = "days" if kind == CALENDAR_DAYS else "weeks"
    extra = set(sizes) - {unit}
    if extra:
        raise ValueError(f"a {kind} window takes only {unit!r}, got {sorted(extra)}")
    return Window(kind, _positive(sizes.get(unit, 1), unit))


def _positive(amount: Any, unit: str) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ValueError(f"{unit} must be a whole number of at least 1, got {amount!r}")
    return amount


def _duration_text(seconds: int) -> str:
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def _duration_text_zh(seconds: int) -> str:
    for unit, size in (("天", 86_400), ("小时", 3_600), ("分钟", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}秒"
