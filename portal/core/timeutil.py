"""Time helpers: store UTC, show and rule-check in the debtor's zone (Asia/Shanghai by default)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal.core.errors import BadInput

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.now(UTC)


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone called ``name`` (Asia/Shanghai when empty); BadInput naming it when unknown."""
    if not name:
        return SHANGHAI
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadInput(f"unknown time zone {name!r}") from exc


def parse_instant(text: str, field: str = "time") -> datetime:
    """An ISO 8601 timestamp with an offset, as aware UTC; BadInput naming the value otherwise."""
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"{field}: {text!r} is not an ISO 8601 timestamp", field=field) from exc
    if value.tzinfo is None:
        raise BadInput(f"{field}: {text!r} has no UTC offset", field=field)
    return value.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime read back from SQLite as UTC; convert an aware one to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def shanghai_iso(value: datetime) -> str:
    """ISO 8601 text of ``value`` in Asia/Shanghai, with its offset."""
    return as_utc(value).astimezone(SHANGHAI).isoformat()
