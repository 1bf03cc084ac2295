"""Validators for the fields of a rule entry: each takes the raw TOML value and the standard's declared
columns, and returns the normalised value or raises ``ValueError`` with the reason."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from standards.clock import parse_clock_time
from standards.windows import parse_window

Columns = Mapping[str, str]
Check = Callable[[Any, Columns], Any]


@dataclass(frozen=True)
class Param:
    """One field of a rule entry: its check, whether it is required, its default and a one-line doc."""

    check: Check
    doc: str
    required: bool = False
    default: Any = None


def text(value: Any, _columns: Columns) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, got {value!r}")
    return value.strip()


def pattern(regex: str, example: str) -> Check:
    """A string matching ``regex``."""
    compiled = re.compile(regex)

    def check(value: Any, columns: Columns) -> str:
        value = text(value, columns)
        if not compiled.fullmatch(value):
            raise ValueError(f"{value!r} does not look like {example}")
        return value

    return check


def choice(options: Iterable[str]) -> Check:
    """One of ``options``."""
    allowed = tuple(options)

    def check(value: Any, _columns: Columns) -> str:
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {list(allowed)}")
        return value

    return check


def subset(options: Iterable[str]) -> Check:
    """A non-empty list of distinct items out of ``options``, returned as a frozenset."""
    allowed = frozenset(options)

    def check(value: Any, _columns: Columns) -> frozenset[str]:
        if not isinstance(value, list) or not value:
            raise ValueError(f"must be a non-empty list, got {value!r}")
        unknown = [item for item in value if item not in allowed]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not one of {sorted(allowed)}")
        if len(set(value)) != len(value):
            raise ValueError("lists an item twice")
        return frozenset(value)

    return check


def ordered_fields(options: Iterable[str]) -> Check:
    """A non-empty list of distinct field names out of ``options``, order kept (a tuple)."""
    as_set = subset(options)

    def check(value: Any, columns: Columns) -> tuple[str, ...]:
        as_set(value, columns)
        return tuple(value)

    return check


def string_list(value: Any, _columns: Columns) -> tuple[str, ...]:
    """A list of non-empty distinct strings (may be empty)."""
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError(f"must be a list of non-empty strings, got {value!r}")
    if len(set(value)) != len(value):
        raise ValueError("lists an item twice")
    return tuple(value)


def boolean(value: Any, _columns: Columns) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


def integer(minimum: int) -> Check:
    """A whole number of at least ``minimum``."""

    def check(value: Any, _columns: Columns) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"must be a whole number of at least {minimum}, got {value!r}")
        return value

    return check


def number(value: Any, _columns: Columns) -> float:
    """A non-negative number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"must be a non-negative number, got {value!r}")
    return float(value)


def clock_time(value: Any, _columns: Columns) -> int:
    """ "HH:MM", returned as seconds after midnight."""
    return parse_clock_time(value)


def window(value: Any, _columns: Columns) -> Any:
    """A counting window table, e.g. { type = "calendar_days", days = 1 }."""
    return parse_window(value)


def columns_of_type(type_name: str) -> Check:
    """A list of declared optional columns of type ``type_name``."""

    def check(value: Any, columns: Columns) -> tuple[str, ...]:
        names = string_list(value, columns)
        for name in names:
            if name not in columns:
                raise ValueError(f"{name!r} is not a declared column (declare it under [columns])")
            if columns[name] != type_name:
                raise ValueError(f"column {name!r} is {columns[name]}, not {type_name}")
        return names

    return check
