"""Identifiers of the region: unified social credit codes (GB 32100-2015) and resident identity numbers (GB 11643-1999).

Both are validated with their check characters; a wrong one is a BadInput naming the value (masked for persons).
"""

from __future__ import annotations

import re
from datetime import date

from portal.core.errors import BadInput

# GB 32100-2015: 31 characters, no I, O, Z, S, V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def uscc_check_char(first17: str) -> str:
    """The check character of a unified social credit code's first 17 characters."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    """Upper-cased, stripped USCC if valid; BadInput naming the value and the reason otherwise."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise BadInput(f"unified social credit code {value!r} must have 18 characters, not {len(code)}", field="uscc")
    bad = [c for c in code if c not in _USCC_VALUE]
    if bad:
        raise BadInput(f"unified social credit code {value!r} contains invalid character {bad[0]!r}", field="uscc")
    if uscc_check_char(code[:17]) != code[17]:
        raise BadInput(f"unified social credit code {value!r} has a wrong check character", field="uscc")
    return code


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a resident identity number's first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def mask_id_number(value: str) -> str:
    """'3301**********1234': the region prefix and the last four, the rest starred."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def normalize_id_number(value: str) -> str:
    """Upper-cased 18-character identity number if valid; BadInput with the value masked otherwise."""
    number = (value or "").strip().upper()
    shown = mask_id_number(number)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise BadInput(f"identity number {shown!r} must be 17 digits and a digit or X", field="idNumber")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise BadInput(f"identity number {shown!r} has an impossible birth date", field="idNumber") from exc
    if id_check_char(number[:17]) != number[17]:
        raise BadInput(f"identity number {shown!r} has a wrong check digit", field="idNumber")
    return number


def birth_date(id_number: str) -> date:
    """The birth date encoded in a (valid) identity number."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")


def mask_id_numbers_in(text: str) -> str:
    """``text`` with every identity-number-like run (18 characters: 17 digits and a digit or X, or the old 15 digits)
    masked by :func:`mask_id_number`; lengths are kept, so character offsets into the text stay valid."""
    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
