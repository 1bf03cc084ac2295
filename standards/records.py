"""Contact attempts and case events as typed records, built from plain mappings (a CSV row or a JSON object).

Errors raised here name the field; the file readers (``standards.reading``) add the file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from standards.clock import zone_named
from standards.errors import MalformedRecord
from standards.values import CONVERTERS, is_blank, to_duration, to_instant, to_text
from standards.vocabulary import (
    BUILTIN_OPTIONAL_COLUMNS,
    CHANNELS,
    COUNTERPARTIES,
    DEFAULT_TZ,
    EVENT_KINDS,
    OUTCOMES,
)

ATTEMPT_COLUMNS = ("attempt_id", "debt_ref", "debtor_ref", "number", "counterparty", "channel", "started_at")
ATTEMPT_OPTIONAL_CORE = ("outcome", "duration_s", "debtor_tz")
EVENT_FIELDS = ("debt_ref", "debtor_ref", "number", "agency_ref", "creditor_ref")


@dataclass(slots=True, eq=False)
class ContactAttempt:
    """One contact attempt (planned or logged). ``outcome`` is None for a planned attempt."""

    attempt_id: str
    debt_ref: str
    debtor_ref: str
    number: str
    counterparty: str
    channel: str
    started_at: datetime
    outcome: str | None = None
    duration_s: float | None = None
    debtor_tz: str = DEFAULT_TZ
    extra: dict[str, Any] = field(default_factory=dict)
    epoch: float = field(init=False)

    def __post_init__(self) -> None:
        self.epoch = self.started_at.timestamp()

    def get(self, name: str) -> Any:
        """The value of an optional column (None when absent)."""
        return self.extra.get(name)

    @classmethod
    def from_mapping(
        cls,
        row: Mapping[str, Any],
        *,
        columns: Mapping[str, str] | None = None,
        require_outcome: bool = False,
    ) -> ContactAttempt:
        """Build an attempt from raw values; ``columns`` are the optional columns (name -> type) to read."""
        values = {name: _required_text(row, name) for name in ATTEMPT_COLUMNS if name != "started_at"}
        _check_member(values, "counterparty", COUNTERPARTIES)
        _check_member(values, "channel", CHANNELS)
        started_at = _convert(row, "started_at", to_instant)
        outcome = None if is_blank(row.get("outcome")) else _convert(row, "outcome", to_text)
        if outcome is None and require_outcome:
            raise MalformedRecord("a logged attempt needs an outcome", field="outcome")
        if outcome is not None and outcome not in OUTCOMES:
            raise MalformedRecord(f"{outcome!r} is not one of {sorted(OUTCOMES)}", field="outcome")
        duration = None if is_blank(row.get("duration_s")) else _convert(row, "duration_s", to_duration)
        tz_name = DEFAULT_TZ if is_blank(row.get("debtor_tz")) else _convert(row, "debtor_tz", _to_zone_name)
        extra = read_optional_columns(row, columns if columns is not None else BUILTIN_OPTIONAL_COLUMNS)
        for plausible in extra.get("plausible_tz", ()):
            try:
                zone_named(plausible)
            except ValueError as exc:
                raise MalformedRecord(str(exc), field="plausible_tz") from None
        return cls(
            started_at=started_at, outcome=outcome, duration_s=duration, debtor_tz=tz_name, extra=extra, **values
        )


@dataclass(slots=True, eq=False)
class CaseEvent:
    """Something that happened to a case or an agency: a dispute opened, a licence granted, a cease request..."""

    kind: str
    at: datetime
    debt_ref: str | None = None
    debtor_ref: str | None = None
    number: str | None = None
    agency_ref: str | None = None
    creditor_ref: str | None = None
    valid_until: datetime | None = None
    event_id: str | None = None
    epoch: float = field(init=False)

    def __post_init__(self) -> None:
        self.epoch = self.at.timestamp()

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> CaseEvent:
        """Build an event from raw values; the fields an event kind needs are required."""
        kind = _required_text(row, "kind")
        if kind not in EVENT_KINDS:
            raise MalformedRecord(f"{kind!r} is not one of {sorted(EVENT_KINDS)}", field="kind")
        at = _convert(row, "at", to_instant)
        values = {name: None if is_blank(row.get(name)) else _convert(row, name, to_text) for name in EVENT_FIELDS}
        for needed in EVENT_KINDS[kind]:
            if needed != "valid_until" and values.get(needed) is None:
                raise MalformedRecord(f"a {kind} event needs {needed}", field=needed)
        valid_until = None
        if "valid_until" in EVENT_KINDS[kind]:
            if is_blank(row.get("valid_until")):
                raise MalformedRecord(f"a {kind} event needs valid_until", field="valid_until")
            valid_until = _convert(row, "valid_until", _to_end_instant)
        event_id = None if is_blank(row.get("event_id")) else _convert(row, "event_id", to_text)
        return cls(kind=kind, at=at, valid_until=valid_until, event_id=event_id, **values)


def read_optional_columns(row: Mapping[str, Any], columns: Mapping[str, str]) -> dict[str, Any]:
    """The optional columns present (not blank) in ``row``, converted to their declared types."""
    extra: dict[str, Any] = {}
    for name, type_name in columns.items():
        raw = row.get(name)
        if not is_blank(raw):
            extra[name] = _convert(row, name, CONVERTERS[type_name])
    return extra


def _to_zone_name(value: Any) -> str:
    name = to_text(value)
    zone_named(name)
    return name


def _to_end_instant(value: Any) -> datetime:
    """An instant; a bare date means the end of that day in Asia/Shanghai (valid through that date)."""
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date YYYY-MM-DD or an ISO 8601 timestamp") from None
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone_named(DEFAULT_TZ))
        return end.astimezone(UTC)
    return to_instant(value)


def _required_text(row: Mapping[str, Any], name: str) -> str:
    if is_blank(row.get(name)):
        raise MalformedRecord("is missing or empty", field=name)
    return _convert(row, name, to_text)


def _check_member(values: dict[str, str], name: str, allowed: frozenset[str]) -> None:
    if values[name] not in allowed:
        raise MalformedRecord(f"{values[name]!r} is not one of {sorted(allowed)}", field=name)


def _convert(row: Mapping[str, Any], name: str, converter: Any) -> Any:
    try:
        return converter(row.get(name))
    except ValueError as exc:
        raise MalformedRecord(str(exc), field=name) from None
