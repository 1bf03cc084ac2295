"""Identifiers, money and time helpers: the values the whole portal validates with."""

from __future__ import annotations

from datetime import UTC

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core.errors import BadInput
from portal.core.identifiers import (
    USCC_ALPHABET,
    id_check_char,
    mask_id_number,
    normalize_id_number,
    normalize_uscc,
    uscc_check_char,
)
from portal.core.money import format_fen, parse_amount, parse_currency
from portal.core.timeutil import parse_instant, zone

# Published examples: the check characters of these are well known.
VALID_USCC = "91350100M000100Y43"
VALID_ID = "11010519491231002X"


def test_known_valid_identifiers():
    assert normalize_uscc(VALID_USCC.lower()) == VALID_USCC
    assert normalize_id_number(VALID_ID.lower()) == VALID_ID


@pytest.mark.parametrize(
    "value, reason",
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y44", "check character"),
        ("91350100M000100I43", "invalid character"),
    ],
)
def test_bad_uscc_names_value_and_reason(value, reason):
    with pytest.raises(BadInput) as err:
        normalize_uscc(value)
    assert value in str(err.value) and reason in str(err.value)


@pytest.mark.parametrize(
    "value, reason",
    [("110105194912310021", "check digit"), ("110105194902300028", "birth date"), ("11010519491231002", "17 digits")],
)
def test_bad_id_number_is_masked_in_message(value, reason):
    with pytest.raises(BadInput) as err:
        normalize_id_number(value)
    assert reason in str(err.value)
    assert value not in str(err.value)  # never echo a person's number whole


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_char_round_trip(body):
    code = body + uscc_check_char(body)
    assert normalize_uscc(code) == code


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_id_check_char_detects_single_digit_changes(body):
    check = id_check_char(body)
    changed = body[:5] + str((int(body[5]) + 1) % 10) + body[6:]
    assert id_check_char(changed) != check


def test_mask():
    assert mask_id_number("330102199001011234") == "3301**********1234"


@pytest.mark.parametrize("text, fen", [("0", 0), ("1234.56", 123456), ("0.1", 10), ("100", 10000)])
def test_money_parse(text, fen):
    assert parse_amount(text) == fen
    assert parse_amount(format_fen(fen)) == fen


@pytest.mark.parametrize("text", ["1.234", "-1", "abc", "NaN", "1e20", ""])
def test_money_refuses(text):
    with pytest.raises(BadInput) as err:
        parse_amount(text)
    assert repr(text) in str(err.value)


def test_money_refuses_float():
    with pytest.raises(BadInput):
        parse_amount(0.1)  # type: ignore[arg-type]


def test_currency():
    assert parse_currency("cny") == "CNY"
    with pytest.raises(BadInput, match="XXX"):
        parse_currency("XXX")


def test_time_parsing():
    t = parse_instant("2026-11-28T22:30:00+08:00")
    assert t.tzinfo == UTC and t.hour == 14
    with pytest.raises(BadInput, match="no UTC offset"):
        parse_instant("2026-11-28T22:30:00")
    with pytest.raises(BadInput, match="Mars/Olympus"):
        zone("Mars/Olympus")
