"""A malformed standard file is refused with its file, line and field named; one test per kind of malformation."""

from __future__ import annotations

from pathlib import Path

import pytest

from standards import CATALOGUE_DIR, MalformedStandard, load_catalogue, load_standard, parse_standard
from standards.kinds import COMMON_PARAMS, KINDS
from standards.schema import STANDARD_PARAMS

SHIPPED = (CATALOGUE_DIR / "cn-regional" / "2026.1.toml").read_text(encoding="utf-8")


def _line_of(text: str, marker: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{marker!r} not in the text")


def _rule_number(text: str, rule_id: str) -> int:
    blocks = text.split("\n[[rules]]\n")[1:]
    return next(i for i, block in enumerate(blocks, start=1) if block.startswith(f'id = "{rule_id}"'))


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


# (case, mutation, field, marker of the line named (None: no line expected), words of the reason)
CASES = [
    ("toml syntax", lambda t: _replace_once(t, "limit = 6", "limit = = 6"), None, "limit = = 6", "not valid TOML"),
    ("unknown top-level key", lambda t: "colour = 1\n" + t, "colour", "colour = 1", "unknown top-level"),
    (
        "missing [standard]",
        lambda t: t.replace("[standard]", "[standards]", 1),
        "standards",
        "[standards]",
        "unknown top-level",
    ),
    (
        "missing required head field",
        lambda t: _replace_once(t, 'title_zh = "区域', 'subtitle = "区域'),
        "standard.subtitle",
        'subtitle = "',
        "unknown field",
    ),
    (
        "effective_from without offset",
        lambda t: _replace_once(t, "2026-01-30T00:00:00+08:00", "2026-01-30T00:00:00"),
        "standard.effective_from",
        "effective_from =",
        "offset",
    ),
    (
        "code differs from folder",
        lambda t: _replace_once(t, 'code = "cn-regional"', 'code = "cn-other"'),
        "standard.code",
        'code = "cn-other"',
        "folder",
    ),
    (
        "version differs from file",
        lambda t: _replace_once(t, 'version = "2026.1"', 'version = "2026.2"'),
        "standard.version",
        'version = "2026.2"',
        "file name",
    ),
    (
        "unknown rule field",
        lambda t: _replace_once(t, "limit = 6", "limt = 6"),
        "rules[2].limt",
        "limt = 6",
        "unknown field",
    ),
    (
        "missing required rule field",
        lambda t: _replace_once(t, "limit = 6\n", ""),
        "rules[2].limit",
        ("[[rules]]", 2),
        "required field is missing",
    ),
    (
        "unknown kind",
        lambda t: _replace_once(t, 'kind = "cap"', 'kind = "capped"'),
        "rules[2].kind",
        'kind = "capped"',
        "not one of",
    ),
    (
        "wrong value type",
        lambda t: _replace_once(t, "limit = 6", 'limit = "six"'),
        "rules[2].limit",
        'limit = "six"',
        "whole number",
    ),
    (
        "bad clock time",
        lambda t: _replace_once(t, 'start = "22:00"', 'start = "25:00"'),
        "rules[1].start",
        'start = "25:00"',
        "clock time",
    ),
    (
        "bad window",
        lambda t: _replace_once(t, 'type = "calendar_days", days = 1', 'type = "monthly"'),
        "rules[2].window",
        'type = "monthly"',
        "not one of",
    ),
    (
        "unknown channel",
        lambda t: _replace_once(t, '"call", "ai_voice", "sms", "visit"', '"call", "fax"'),
        "rules[1].channels",
        '"call", "fax"',
        "'fax'",
    ),
    (
        "unknown severity",
        lambda t: _replace_once(t, 'severity = "high"', 'severity = "severe"'),
        "rules[1].severity",
        'severity = "severe"',
        "not one of",
    ),
    (
        "duplicate rule id",
        lambda t: _replace_once(t, 'id = "CS-FREQ-04"', 'id = "CS-FREQ-03"'),
        "rules[3].id",
        ('id = "CS-FREQ-03"', 2),
        "used twice",
    ),
    (
        "overlapping stages",
        lambda t: _replace_once(t, "min_dpd = 31", "min_dpd = 30"),
        "rules[13].stages",
        "[[rules.stages]]",
        "overlap",
    ),
    (
        "undeclared exempting column",
        lambda t: _replace_once(t, '["debtor_agreed_time"]', '["agreed_time"]'),
        "rules[1].exempt_when",
        '["agreed_time"]',
        "not a declared column",
    ),
    (
        "bad column type",
        lambda t: _replace_once(t, 'agreed_frequency = "bool"', 'agreed_frequency = "boolean"'),
        "columns.agreed_frequency",
        'agreed_frequency = "boolean"',
        "not one of",
    ),
    (
        "rule version after standard version",
        lambda t: _replace_once(t, 'id = "CS-FREQ-03"\nversion = "2026.1"', 'id = "CS-FREQ-03"\nversion = "2027.1"'),
        "rules[2].version",
        'version = "2027.1"',
        "later than",
    ),
    (
        "inconsistent parameters",
        lambda t: _replace_once(t, 'end = "08:00"', 'end = "22:00"'),
        "rules[1]",
        ("[[rules]]", 1),
        "start and end must differ",
    ),
    (
        "counting key without identity",
        lambda t: _replace_once(t, 'per = ["number"]', 'per = ["channel"]'),
        "rules[2].per",
        'per = ["channel"]',
        "at least one of",
    ),
    (
        "bad rule id",
        lambda t: _replace_once(t, 'id = "CS-TIME-01"', 'id = "quiet"'),
        "rules[1].id",
        'id = "quiet"',
        "rule id",
    ),
    ("no rules", lambda t: t.split("\n[[rules]]\n")[0], "rules", None, "at least one [[rules]]"),
]


@pytest.mark.parametrize(("mutate", "field", "marker", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_standard_names_file_line_and_field(tmp_path: Path, mutate, field, marker, reason):
    text = mutate(SHIPPED)
    path = tmp_path / "cn-regional" / "2026.1.toml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MalformedStandard) as caught:
        load_standard(path)
    error = caught.value
    assert error.file == str(path)
    assert error.field == field
    assert reason in error.reason
    if marker is not None:
        expected = _line_of(text, *marker) if isinstance(marker, tuple) else _line_of(text, marker)
        assert error.line == expected
    assert str(path) in str(error) and (field is None or field in str(error))


def test_rule_numbers_in_the_cases_match_the_shipped_file():
    assert _rule_number(SHIPPED, "CS-TIME-01") == 1
    assert _rule_number(SHIPPED, "CS-FREQ-03") == 2
    assert _rule_number(SHIPPED, "CS-FREQ-04") == 3
    assert _rule_number(SHIPPED, "CS-ESC-01") == 13


def test_unreadable_file(tmp_path: Path):
    path = tmp_path / "cn-regional" / "2026.1.toml"
    path.parent.mkdir()
    path.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(MalformedStandard, match="cannot read"):
        load_standard(path)
    with pytest.raises(MalformedStandard, match="cannot read"):
        load_standard(tmp_path / "missing" / "2026.1.toml")


def test_same_rule_version_must_mean_the_same_rule(catalogue_copy: Path):
    older = catalogue_copy / "cn-regional" / "2025.1.toml"
    older.write_text(
        _replace_once(older.read_text(encoding="utf-8"), 'start = "22:00"', 'start = "21:30"'), encoding="utf-8"
    )
    with pytest.raises(MalformedStandard, match="CS-TIME-01 version 2025.1 differs") as caught:
        load_catalogue(catalogue_copy)
    assert caught.value.field == "CS-TIME-01.version"
    assert "start" in caught.value.reason


def test_two_versions_cannot_take_effect_together(catalogue_copy: Path):
    newer = catalogue_copy / "cn-regional" / "2026.1.toml"
    newer.write_text(
        _replace_once(newer.read_text(encoding="utf-8"), "2026-01-30T00:00:00+08:00", "2025-02-28T00:00:00+08:00"),
        encoding="utf-8",
    )
    with pytest.raises(MalformedStandard, match="same instant") as caught:
        load_catalogue(catalogue_copy)
    assert caught.value.field == "effective_from"


def test_shipped_catalogue_is_valid_and_cites_sources():
    catalogue = load_catalogue()
    assert set(catalogue) >= {"cn-regional", "us-regf"}
    assert [s.version for s in catalogue["cn-regional"].versions] == ["2025.1", "2026.1"]
    for versions in catalogue.values():
        for standard in versions.versions:
            for rule in standard.rules:
                assert rule.source.startswith("RULES.md §"), (standard.ref, rule.id)
                assert rule.title_en and rule.title_zh


def test_every_kind_is_used_by_a_shipped_standard():
    used = {rule.kind for versions in load_catalogue().values() for s in versions.versions for rule in s.rules}
    assert used == set(KINDS)


def test_parse_from_text_without_a_file_name():
    standard = parse_standard(SHIPPED)
    assert standard.ref == "cn-regional@2026.1"
    with pytest.raises(MalformedStandard) as caught:
        parse_standard(SHIPPED.replace("limit = 6", "limit = 0"))
    assert caught.value.file == "<text>" and caught.value.field == "rules[2].limit"


def test_docs_describe_every_kind_and_field():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "standards.md").read_text(encoding="utf-8")
    for name in [*STANDARD_PARAMS, *COMMON_PARAMS]:
        assert f"`{name}`" in docs, name
    for kind, rule_class in KINDS.items():
        assert f"**`{kind}`**" in docs, kind
        for name in rule_class.PARAMS:
            assert f"`{name}`" in docs, (kind, name)
