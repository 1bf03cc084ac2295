"""Local time of the debtor: IANA zones, offsets cached per (zone, UTC hour), calendar day and week numbers.

Every instant is handled as POSIX seconds (``epoch``). The local wall clock of an instant is ``epoch + offset``;
its calendar day number is ``local // 86400`` and its ISO week number (Monday first) is ``(day + 3) // 7``.
Offsets are looked up in the zone once per UTC hour and cached; an hour in which the offset changes (a DST or
other transition, which may fall on a half hour, as on Lord Howe Island) is computed exactly instead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SECONDS_PER_DAY = 86_400
_HOUR = 3_600
_MISSING = object()


@lru_cache(maxsize=1024)
def zone_named(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ``ValueError`` naming it when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _exact_offset(zone: ZoneInfo, epoch: float) -> int:
    moment = datetime.fromtimestamp(epoch, UTC)
    offset = zone.utcoffset(moment.astimezone(zone))
    return int(offset.total_seconds()) if offset is not None else 0


class LocalClock:
    """Converts instants to local wall-clock figures in a zone, caching the UTC offset per (zone, UTC hour)."""

    def __init__(self) -> None:
        self._hour_offsets: dict[tuple[str, int], int | None] = {}

    def offset(self, tz_name: str, epoch: float) -> int:
        """The UTC offset, in seconds, of ``tz_name`` at the instant ``epoch``."""
        hour = int(epoch // _HOUR)
        key = (tz_name, hour)
        cached = self._hour_offsets.get(key, _MISSING)
        if cached is None:  # a transition falls inside this hour
            return _exact_offset(zone_named(tz_name), epoch)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        zone = zone_named(tz_name)
        at_start = _exact_offset(zone, hour * _HOUR)
        at_end = _exact_offset(zone, hour * _HOUR + _HOUR - 1)
        if at_start == at_end:
            self._hour_offsets[key] = at_start
            return at_start
        self._hour_offsets[key] = None
        return _exact_offset(zone, epoch)

    def local_seconds(self, tz_name: str, epoch: float) -> float:
        """Seconds since 1970-01-01 00:00 of the local wall clock in ``tz_name`` at ``epoch``."""
        return epoch + self.offset(tz_name, epoch)


def day_of(local: float) -> int:
    """Calendar day number of a local wall-clock value (days since 1970-01-01)."""
    return int(local // SECONDS_PER_DAY)


def week_of(day: int) -> int:
    """ISO week number (weeks start on Monday) of a calendar day number; 1970-01-01 was a Thursday."""
    return (day + 3) // 7


def second_of_day(local: float) -> int:
    """Seconds since local midnight of a local wall-clock value."""
    return int(local % SECONDS_PER_DAY)


def parse_clock_time(text: str) -> int:
    """``"HH:MM"`` (00:00 to 24:00) as seconds after midnight; ``ValueError`` naming the text otherwise."""
    parts = text.split(":") if isinstance(text, str) else []
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise ValueError(f"{text!r} is not a clock time HH:MM")
    hours, minutes = int(parts[0]), int(parts[1])
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ValueError(f"{text!r} is not a clock time between 00:00 and 24:00")
    return hours * _HOUR + minutes * 60


def format_clock_time(seconds: int) -> str:
    """Seconds after midnight as ``HH:MM``."""
    return f"{seconds // _HOUR:02d}:{seconds % _HOUR // 60:02d}"


def local_date(day: int) -> date:
    """The calendar date of a day number."""
    return date(1970, 1, 1) + timedelta(days=day)


def day_start_epoch(tz_name: str, day: int) -> float:
    """The instant local midnight begins day number ``day`` in ``tz_name`` (zoneinfo's reading when skipped)."""
    return datetime.combine(local_date(day), time(0), tzinfo=zone_named(tz_name)).timestamp()


def wall_clock(tz_name: str, epoch: float) -> datetime:
    """The aware local datetime of ``epoch`` in ``tz_name``, computed directly by zoneinfo (no cache)."""
    return datetime.fromtimestamp(epoch, zone_named(tz_name))
