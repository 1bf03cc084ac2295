"""The one parser of ids from outside: whole positive 64-bit numbers only, and the error names field and value."""

from __future__ import annotations

import pytest

from portal.core.errors import BadInput
from portal.core.ids import MAX_ID, parse_id


@pytest.mark.parametrize("value,expected", [(7, 7), ("42", 42), (" 9 ", 9), (MAX_ID, MAX_ID)])
def test_ids_accepted(value, expected):
    assert parse_id(value, "id") == expected


@pytest.mark.parametrize("value", [True, None, "", "abc", "4.5", 0, -3, "-1", MAX_ID + 1, [1]])
def test_bad_ids_name_the_field_and_the_value(value):
    with pytest.raises(BadInput, match=r"caseId: .* is not a case id") as err:
        parse_id(value, "caseId", "a case id")
    assert err.value.field == "caseId"
