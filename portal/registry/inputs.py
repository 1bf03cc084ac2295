"""Input of registry operations and its validation: every bad value is a BadInput naming it (numbers masked).

Operations accept these dataclasses, or any object/mapping with the same (snake_case) field names, such as a
graphene input object, so the GraphQL layer stays thin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from portal.core.errors import BadInput
from portal.core.identifiers import normalize_id_number, normalize_uscc
from portal.core.money import parse_amount, parse_currency
from portal.registry.vocab import ARREARS, DebtorKind, DebtStatus


@dataclass(frozen=True)
class MoneyInput:
    """A decimal string with at most two places and an ISO 4217 currency."""

    amount: str
    currency: str = "CNY"


@dataclass(frozen=True)
class PartyInput:
    """A debtor or guarantor as a creditor reports it: exactly one of ``id_number`` (person) or ``uscc``."""

    kind: str
    name: str
    id_number: str | None = None
    uscc: str | None = None
    phone: str | None = None
    address: str | None = None
    district: str | None = None


@dataclass(frozen=True)
class DebtorRef:
    """How a debtor is looked up: exactly one of a resident identity number or a unified social credit code."""

    id_number: str | None = None
    uscc: str | None = None


@dataclass(frozen=True)
class DebtInput:
    """A debt as its creditor reports it; the whole record (absent optional fields are cleared on an update)."""

    client_key: str
    debtor: PartyInput
    principal: MoneyInput
    outstanding: MoneyInput
    opened_on: date | str
    due_on: date | str
    status: str
    product: str | None = None
    settled_on: date | str | None = None
    collateral: str | None = None
    notes: str | None = None
    guarantors: tuple[PartyInput, ...] = ()
    expected_version: int | None = None


@dataclass(frozen=True)
class Party:
    """A validated party: kind, normalised number, and the optional contact data."""

    kind: DebtorKind
    number: str
    name: str
    phone: str | None
    address: str | None
    district: str | None


def get(obj: Any, name: str, default: Any = None) -> Any:
    """A field of a dataclass, plain object or mapping."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def text(value: Any, field: str, *, max_len: int, required: bool = False) -> str | None:
    """A stripped string of at most ``max_len`` characters (None when empty and not required)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadInput(f"{field} is required", field=field)
        return None
    if not isinstance(value, str):
        raise BadInput(f"{field}: {value!r} is not text", field=field)
    value = value.strip()
    if len(value) > max_len:
        raise BadInput(f"{field}: {value[:40]!r}… is longer than {max_len} characters", field=field)
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise BadInput(f"{field}: {value[:40]!r} contains control characters", field=field)
    return value


def day(value: Any, field: str, *, required: bool = True) -> date | None:
    """A calendar date from a ``date`` or an ISO 'YYYY-MM-DD' string; BadInput naming the value otherwise."""
    if value is None or value == "":
        if required:
            raise BadInput(f"{field} is required", field=field)
        return None
    if isinstance(value, datetime):
        raise BadInput(f"{field}: {value!r} is a timestamp, give a date", field=field)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise BadInput(f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field) from exc


def money(value: Any, field: str) -> tuple[int, str]:
    """(fen, currency) from a MoneyInput-like value or a plain amount string (CNY)."""
    if value is None:
        raise BadInput(f"{field} is required", field=field)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return parse_amount(value, f"{field}.amount"), "CNY"
    amount = parse_amount(get(value, "amount"), f"{field}.amount")
    return amount, parse_currency(get(value, "currency"), f"{field}.currency")


def identifier(kind: DebtorKind, id_number: Any, uscc: Any, field: str) -> str:
    """The normalised identifier matching ``kind``: a person has an identity number, an enterprise a USCC."""
    if kind is DebtorKind.PERSON:
        if uscc:
            raise BadInput(f"{field}: a person is identified by idNumber, not uscc", field=f"{field}.uscc")
        if not id_number:
            raise BadInput(f"{field}.idNumber is required for a person", field=f"{field}.idNumber")
        return normalize_id_number(str(id_number))
    if id_number:
        raise BadInput(f"{field}: an enterprise is identified by uscc, not idNumber", field=f"{field}.idNumber")
    if not uscc:
        raise BadInput(f"{field}.uscc is required for an enterprise", field=f"{field}.uscc")
    return normalize_uscc(str(uscc))


def phone_text(value: Any, field: str) -> str | None:
    """A phone number: digits, spaces, '+', '-', parentheses; 5 to 30 characters."""
    value = text(value, field, max_len=30)
    if value is not None and (len(value) < 5 or any(c not in "0123456789+-() " for c in value)):
        raise BadInput(f"{field}: {value!r} is not a phone number", field=field)
    return value


def party(value: Any, field: str) -> Party:
    """A validated :class:`Party` from a PartyInput-like value."""
    if value is None:
        raise BadInput(f"{field} is required", field=field)
    kind = DebtorKind.parse(get(value, "kind"), f"{field}.kind")
    number = identifier(kind, get(value, "id_number"), get(value, "uscc"), field)
    return Party(
        kind=kind,
        number=number,
        name=text(get(value, "name"), f"{field}.name", max_len=200, required=True),
        phone=phone_text(get(value, "phone"), f"{field}.phone"),
        address=text(get(value, "address"), f"{field}.address", max_len=300),
        district=text(get(value, "district"), f"{field}.district", max_len=40),
    )


def debtor_ref(ref: Any) -> tuple[DebtorKind, str]:
    """(kind, normalised number) from a DebtorRef-like value with exactly one identifier."""
    id_number, uscc = get(ref, "id_number"), get(ref, "uscc")
    if bool(id_number) == bool(uscc):
        raise BadInput("ref: give exactly one of idNumber or uscc", field="ref")
    if id_number:
        return DebtorKind.PERSON, normalize_id_number(str(id_number))
    return DebtorKind.ENTERPRISE, normalize_uscc(str(uscc))


def consent(value: Any) -> str | None:
    """A consent reference (at most 120 characters) or None."""
    return text(value, "consentRef", max_len=120)


@dataclass(frozen=True)
class ParsedDebt:
    """A validated debt report."""

    client_key: str
    debtor: Party
    guarantors: tuple[Party, ...]
    values: dict[str, Any]  # the Debt column values (without debtor_id)
    expected_version: int | None


def debt_values(data: Any, today: date, *, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validated column values of a debt; with ``base`` (a correction), absent fields keep their base value."""
    values: dict[str, Any] = dict(base or {})

    def given(name: str) -> bool:
        return base is None or get(data, name) is not None

    if given("principal"):
        values["principal_fen"], values["currency"] = money(get(data, "principal"), "principal")
    if given("outstanding"):
        values["outstanding_fen"], currency = money(get(data, "outstanding"), "outstanding")
        if currency != values["currency"]:
            raise BadInput(f"outstanding: currency {currency!r} differs from the principal's", field="outstanding")
    for name, field in (("opened_on", "openedOn"), ("due_on", "dueOn")):
        if given(name):
            values[name] = day(get(data, name), field)
    if given("status"):
        values["status"] = DebtStatus.parse(get(data, "status"), "status").value
    if given("settled_on") or "settled_on" not in values:
        values["settled_on"] = day(get(data, "settled_on"), "settledOn", required=False)
    elif values["status"] != DebtStatus.SETTLED.value:
        values["settled_on"] = None  # a correction that reopens a debt clears its settlement date
    for name, limit in (("product", 40), ("collateral", 2000), ("notes", 4000)):
        if given(name):
            values[name] = text(get(data, name), name, max_len=limit)
    _check_dates(values, today)
    return values


def _check_dates(v: dict[str, Any], today: date) -> None:
    status = DebtStatus(v["status"])
    if v["opened_on"] > today:
        raise BadInput(f"openedOn: {v['opened_on'].isoformat()} is in the future", field="openedOn")
    if v["due_on"] < v["opened_on"]:
        raise BadInput(f"dueOn: {v['due_on'].isoformat()} is before openedOn", field="dueOn")
    if status in ARREARS and v["due_on"] >= today:
        raise BadInput(f"dueOn: {v['due_on'].isoformat()} is not yet past for a {status.name} debt", field="dueOn")
    if status is DebtStatus.SETTLED:
        if v["settled_on"] is None:
            v["settled_on"] = today
        if v["settled_on"] > today or v["settled_on"] < v["opened_on"]:
            raise BadInput(f"settledOn: {v['settled_on'].isoformat()} is outside openedOn..today", field="settledOn")
        if v["outstanding_fen"] != 0:
            raise BadInput("outstanding: a SETTLED debt has 0.00 outstanding", field="outstanding")
    elif v["settled_on"] is not None:
        raise BadInput(f"settledOn is only for a SETTLED debt, not {status.name}", field="settledOn")


def parse_debt(data: Any, today: date) -> ParsedDebt:
    """Validate a whole debt report (DebtInput-like); BadInput naming the first bad value."""
    client_key = text(get(data, "client_key"), "clientKey", max_len=100, required=True)
    debtor = party(get(data, "debtor"), "debtor")
    guarantors: list[Party] = []
    for i, g in enumerate(get(data, "guarantors") or ()):
        parsed = party(g, f"guarantors[{i}]")
        if parsed.number == debtor.number or any(p.number == parsed.number for p in guarantors):
            raise BadInput(f"guarantors[{i}]: the same party appears twice", field="guarantors")
        guarantors.append(parsed)
    expected = get(data, "expected_version")
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int) or expected < 1):
        raise BadInput(f"expectedVersion: {expected!r} is not a version number", field="expectedVersion")
    return ParsedDebt(client_key, debtor, tuple(guarantors), debt_values(data, today), expected)
