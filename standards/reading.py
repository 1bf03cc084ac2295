"""Reading contact attempts and case events from CSV (header row) or JSONL files.

Every bad row raises ``MalformedRecord`` naming the file, the line and the field; nothing is skipped silently.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from standards.errors import MalformedRecord
from standards.records import ATTEMPT_COLUMNS, CaseEvent, ContactAttempt
from standards.vocabulary import BUILTIN_OPTIONAL_COLUMNS

T = TypeVar("T")
_JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


def read_attempts(path: str | Path, *, columns: Mapping[str, str] | None = None) -> list[ContactAttempt]:
    """Logged attempts from ``path``; ``columns`` are the optional columns to read (built-in ones by default)."""
    wanted = dict(columns) if columns is not None else dict(BUILTIN_OPTIONAL_COLUMNS)
    seen: dict[str, int] = {}

    def build(row: Mapping[str, Any], line: int) -> ContactAttempt:
        attempt = ContactAttempt.from_mapping(row, columns=wanted, require_outcome=True)
        first = seen.setdefault(attempt.attempt_id, line)
        if first != line:
            raise MalformedRecord(
                f"duplicate attempt_id {attempt.attempt_id!r} (first on line {first})", field="attempt_id"
            )
        return attempt

    return _read(Path(path), build, required=ATTEMPT_COLUMNS)


def read_events(path: str | Path) -> list[CaseEvent]:
    """Case events (disputes, mediation, representation, cease requests, agency licences...) from ``path``."""
    return _read(Path(path), lambda row, _line: CaseEvent.from_mapping(row), required=("kind", "at"))


def _read(path: Path, build: Callable[[Mapping[str, Any], int], T], *, required: tuple[str, ...]) -> list[T]:
    name = str(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise MalformedRecord(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    records: list[T] = []
    with handle:
        rows = _json_rows(handle, name) if _is_json(path, handle) else _csv_rows(handle, name, required)
        try:
            for line, row in rows:
                try:
                    records.append(build(row, line))
                except MalformedRecord as exc:
                    raise exc.located(file=name, line=line) from None
        except UnicodeDecodeError as exc:
            raise MalformedRecord(f"not UTF-8 text ({exc.reason})", file=name) from None
    return records


def _is_json(path: Path, handle: Any) -> bool:
    if path.suffix.lower() in _JSON_SUFFIXES:
        return True
    if path.suffix.lower() == ".csv":
        return False
    try:
        start = handle.read(256)
    except UnicodeDecodeError:
        return False
    handle.seek(0)
    return start.lstrip().startswith("{")


def _json_rows(handle: Any, name: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for line_number, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MalformedRecord(f"not valid JSON ({exc.msg})", file=name, line=line_number) from None
        if not isinstance(row, dict):
            raise MalformedRecord("each line must be a JSON object", file=name, line=line_number)
        yield line_number, row


def _csv_rows(handle: Any, name: str, required: tuple[str, ...]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        raise MalformedRecord("the file is empty; a header row is needed", file=name, line=1) from None
    except csv.Error as exc:
        raise MalformedRecord(f"not valid CSV ({exc})", file=name, line=1) from None
    header = [column.strip() for column in header]
    for column in required:
        if column not in header:
            raise MalformedRecord("required column is missing from the header", file=name, line=1, field=column)
    width = len(header)
    try:
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != width:
                raise MalformedRecord(f"{len(cells)} cells but the header has {width}", file=name, line=reader.line_num)
            yield reader.line_num, dict(zip(header, cells, strict=True))
    except csv.Error as exc:
        raise MalformedRecord(f"not valid CSV ({exc})", file=name, line=reader.line_num) from None
