"""Money as integer fen in storage and exact ``Decimal`` yuan at the edges; never float."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from portal.core.errors import BadInput

CURRENCIES = frozenset({"CNY", "USD", "EUR", "HKD"})
_CENT = Decimal("0.01")


def parse_amount(text: str, field: str = "amount") -> int:
    """Parse a decimal string with at most two places into integer fen; BadInput naming the value otherwise."""
    if isinstance(text, float):
        raise BadInput(f"{field}: give money as a decimal string, not a float ({text!r})", field=field)
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError) as exc:
        raise BadInput(f"{field}: {text!r} is not a decimal amount", field=field) from exc
    if not value.is_finite():
        raise BadInput(f"{field}: {text!r} is not a finite amount", field=field)
    if value != value.quantize(_CENT):
        raise BadInput(f"{field}: {text!r} has more than two decimal places", field=field)
    if value < 0:
        raise BadInput(f"{field}: {text!r} is negative", field=field)
    if value >= Decimal("1e15"):
        raise BadInput(f"{field}: {text!r} is too large", field=field)
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_EVEN))


def parse_currency(code: str, field: str = "currency") -> str:
    """A supported ISO 4217 code, upper-cased; BadInput naming it otherwise."""
    value = (code or "").strip().upper()
    if value not in CURRENCIES:
        raise BadInput(f"{field}: unsupported currency {code!r}", field=field)
    return value


def format_fen(fen: int) -> str:
    """Integer fen as a two-place decimal string ('1234.56')."""
    return str((Decimal(int(fen)) / 100).quantize(_CENT))
