"""Reading attempts and events from CSV and JSONL: good files, and bad rows naming file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from standards import MalformedRecord, read_attempts, read_events

HEADER = "attempt_id,debt_ref,debtor_ref,number,counterparty,channel,started_at,outcome,duration_s,debtor_tz"
GOOD = "a1,D1,P1,N1,debtor,call,2026-03-03T10:00:00+08:00,unanswered,0,"


def _csv(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_csv_with_optional_columns_and_defaults(tmp_path: Path):
    header = HEADER + ",days_past_due,disputed,disclosures,retain_until,debtor_agreed_time,unknown_column"
    path = _csv(
        tmp_path,
        GOOD + ",45,yes,debt_collector;mini_miranda,2028-01-01,true,whatever",
        "a2,D1,P1,N1,debtor,sms,2026-03-03T11:00:00Z,connected,,America/New_York,,,,,,",
        header=header,
    )
    first, second = read_attempts(
        path,
        columns={
            "days_past_due": "int",
            "disputed": "bool",
            "disclosures": "list",
            "retain_until": "date",
            "debtor_agreed_time": "bool",
        },
    )
    assert first.debtor_tz == "Asia/Shanghai" and first.duration_s == 0.0
    assert first.extra == {
        "days_past_due": 45,
        "disputed": True,
        "disclosures": ("debt_collector", "mini_miranda"),
        "retain_until": first.extra["retain_until"],
        "debtor_agreed_time": True,
    }
    assert str(first.extra["retain_until"]) == "2028-01-01"
    assert second.debtor_tz == "America/New_York" and second.duration_s is None and second.extra == {}
    assert second.started_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_builtin_columns_are_read_by_default(tmp_path: Path):
    path = _csv(tmp_path, GOOD + ",true", header=HEADER + ",recorded")
    assert read_attempts(path)[0].extra == {"recorded": True}


def test_csv_with_a_byte_order_mark(tmp_path: Path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + HEADER + "\n" + GOOD + "\n").encode("utf-8"))
    assert read_attempts(path)[0].attempt_id == "a1"


def test_jsonl(tmp_path: Path):
    path = tmp_path / "log.jsonl"
    rows = [
        {
            "attempt_id": "a1",
            "debt_ref": "D1",
            "debtor_ref": "P1",
            "number": 13800000000,
            "counterparty": "debtor",
            "channel": "call",
            "started_at": "2026-03-03T10:00:00+08:00",
            "outcome": "busy",
            "duration_s": 0,
            "disputed": False,
            "disclosures": ["debt_collector"],
        },
        {},
    ]
    path.write_text(json.dumps(rows[0]) + "\n\n", encoding="utf-8")
    (only,) = read_attempts(path)
    assert only.number == "13800000000" and only.extra == {"disputed": False, "disclosures": ("debt_collector",)}


BAD_ROWS = [
    ("no offset", GOOD.replace("+08:00", ""), "started_at", "no UTC offset"),
    ("not a time", GOOD.replace("2026-03-03T10:00:00+08:00", "yesterday"), "started_at", "'yesterday'"),
    ("unknown channel", GOOD.replace(",call,", ",pigeon,"), "channel", "'pigeon'"),
    ("unknown counterparty", GOOD.replace(",debtor,", ",neighbour,"), "counterparty", "'neighbour'"),
    ("unknown outcome", GOOD.replace("unanswered", "maybe"), "outcome", "'maybe'"),
    ("no outcome", GOOD.replace("unanswered", ""), "outcome", "needs an outcome"),
    ("negative duration", GOOD.replace(",0,", ",-5,"), "duration_s", "'-5'"),
    ("unknown zone", GOOD + "Europe/Atlantis", "debtor_tz", "Europe/Atlantis"),
    ("empty id", GOOD.replace("a1,", ",", 1), "attempt_id", "missing or empty"),
    ("too many cells", GOOD + ",extra", None, "cells but the header"),
]


@pytest.mark.parametrize(("row", "field", "reason"), [c[1:] for c in BAD_ROWS], ids=[c[0] for c in BAD_ROWS])
def test_bad_csv_row_names_file_line_and_field(tmp_path: Path, row: str, field: str | None, reason: str):
    good_second = GOOD.replace("a1,", "a0,", 1)
    path = _csv(tmp_path, good_second, row)
    with pytest.raises(MalformedRecord) as caught:
        read_attempts(path)
    error = caught.value
    assert (error.file, error.line, error.field) == (str(path), 3, field)
    assert reason in error.reason
    assert f"{path}:3" in str(error)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("disputed", "perhaps", "not a boolean"),
        ("days_past_due", "4.5", "whole number"),
        ("retain_until", "next year", "not a date"),
        ("plausible_tz", "Asia/Shanghai;Nowhere/Land", "Nowhere/Land"),
    ],
)
def test_bad_optional_value(tmp_path: Path, column: str, value: str, reason: str):
    path = _csv(tmp_path, GOOD + f",{value}", header=HEADER + f",{column}")
    with pytest.raises(MalformedRecord) as caught:
        read_attempts(path)
    assert (caught.value.line, caught.value.field) == (2, column)
    assert reason in caught.value.reason


def test_duplicate_attempt_id(tmp_path: Path):
    path = _csv(tmp_path, GOOD, GOOD, GOOD.replace("a1,", "a2,", 1))
    with pytest.raises(MalformedRecord, match="duplicate attempt_id 'a1' \\(first on line 2\\)") as caught:
        read_attempts(path)
    assert (caught.value.line, caught.value.field) == (3, "attempt_id")


def test_missing_header_column(tmp_path: Path):
    path = _csv(tmp_path, "a1,D1", header="attempt_id,debt_ref")
    with pytest.raises(MalformedRecord) as caught:
        read_attempts(path)
    assert (caught.value.line, caught.value.field) == (1, "debtor_ref")


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ('{"attempt_id": "a1"\n', 1, "not valid JSON"),
        ("\n[1, 2]\n", 2, "JSON object"),
        ('{"attempt_id": "a1"}\n', 1, "missing or empty"),
    ],
)
def test_bad_jsonl_line(tmp_path: Path, content: str, line: int, reason: str):
    path = tmp_path / "log.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(MalformedRecord) as caught:
        read_attempts(path)
    assert caught.value.line == line and reason in caught.value.reason


def test_unreadable_files(tmp_path: Path):
    with pytest.raises(MalformedRecord, match="cannot read"):
        read_attempts(tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(MalformedRecord, match="empty"):
        read_attempts(empty)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"attempt_id\n\xff\xfe\x00")
    with pytest.raises(MalformedRecord, match="UTF-8"):
        read_attempts(binary)


def test_events(tmp_path: Path):
    path = tmp_path / "events.csv"
    path.write_text(
        "kind,at,debt_ref,debtor_ref,number,agency_ref,creditor_ref,valid_until\n"
        "dispute_opened,2026-03-01T10:00:00+08:00,D1,,,,,\n"
        "licence_granted,2026-01-01T00:00:00+08:00,,,,AG1,,2026-12-31\n",
        encoding="utf-8",
    )
    dispute, licence = read_events(path)
    assert dispute.kind == "dispute_opened" and dispute.debt_ref == "D1" and dispute.debtor_ref is None
    assert licence.valid_until is not None and licence.valid_until.isoformat() == "2026-12-31T16:00:00+00:00"


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ("court_order,2026-03-01T10:00:00+08:00,D1,,,,,", "kind", "'court_order'"),
        ("dispute_opened,2026-03-01T10:00:00+08:00,,,,,,", "debt_ref", "needs debt_ref"),
        ("licence_granted,2026-03-01T10:00:00+08:00,,,,AG1,,", "valid_until", "needs valid_until"),
        ("licence_granted,2026-03-01T10:00:00+08:00,,,,AG1,,2026-13-01", "valid_until", "not a date"),
        ("whitelisted,2026-03-01,,,,AG1,B,", "at", "no UTC offset"),
    ],
)
def test_bad_event_row(tmp_path: Path, row: str, field: str, reason: str):
    path = tmp_path / "events.csv"
    path.write_text(
        "kind,at,debt_ref,debtor_ref,number,agency_ref,creditor_ref,valid_until\n" + row + "\n", encoding="utf-8"
    )
    with pytest.raises(MalformedRecord) as caught:
        read_events(path)
    assert (caught.value.file, caught.value.line, caught.value.field) == (str(path), 2, field)
    assert reason in caught.value.reason
