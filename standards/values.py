"""Coercion of raw cell values (CSV text or JSON values) into the typed values attempts and events carry.

Each function raises ``ValueError`` with a short reason; callers wrap it with the file, line and field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


def is_blank(value: Any) -> bool:
    """True for a missing cell: None or text that is empty after stripping."""
    return value is None or (isinstance(value, str) and not value.strip())


def to_text(value: Any) -> str:
    """A non-empty text value; numbers are accepted and written out."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{value!r} is not text")
    text = str(value).strip()
    if not text:
        raise ValueError("is empty")
    return text


def to_bool(value: Any) -> bool:
    """A boolean from true/false, yes/no, y/n, 1/0 (any case) or a JSON boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ValueError(f"{value!r} is not a boolean (true/false)")


def to_int(value: Any) -> int:
    """A whole number from an integer or its decimal text."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if digits.isdigit():
            return int(text)
    raise ValueError(f"{value!r} is not a whole number")


def to_duration(value: Any) -> float:
    """A non-negative number of seconds."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number of seconds")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number of seconds") from None
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(f"{value!r} is not a non-negative number of seconds")
    return seconds


def to_list(value: Any) -> tuple[str, ...]:
    """A list of short texts: a JSON array of strings, or text separated by ``;``."""
    if isinstance(value, list | tuple):
        if not all(isinstance(item, str) for item in value):
            raise ValueError(f"{value!r} is not a list of texts")
        items = value
    elif isinstance(value, str):
        items = value.split(";")
    else:
        raise ValueError(f"{value!r} is not a list of texts (use ';' between items)")
    return tuple(item.strip() for item in items if item.strip())


def to_instant(value: Any) -> datetime:
    """An aware datetime from ISO 8601 text with a UTC offset (or an aware datetime)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from None
    else:
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return moment


def to_date(value: Any) -> date:
    """A calendar date from ``YYYY-MM-DD`` (or the date part of an ISO timestamp)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text).date()
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date YYYY-MM-DD")


CONVERTERS = {"bool": to_bool, "int": to_int, "text": to_text, "list": to_list, "date": to_date}
