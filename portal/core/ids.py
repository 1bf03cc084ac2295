"""Database ids arriving from outside (GraphQL ``ID`` arguments, form fields, CLI options): one parser for all."""

from __future__ import annotations

from typing import Any

from portal.core.errors import BadInput

MAX_ID = 2**63 - 1


def parse_id(value: Any, field: str, what: str = "an id") -> int:
    """``value`` as a positive 64-bit id (an int, or a string of digits); BadInput naming the field and the value."""
    if isinstance(value, bool):
        raise BadInput(f"{field}: {value!r} is not {what}", field=field)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise BadInput(f"{field}: {value!r} is not {what}", field=field) from None
    if not 0 < number <= MAX_ID:
        raise BadInput(f"{field}: {value!r} is not {what}", field=field)
    return number
