"""Reading a compliance report uploaded as CSV: ``figure,value`` rows; errors name the file, line and field."""

from __future__ import annotations

import csv
import io
from typing import Any

from portal.core.errors import BadInput
from portal.services.compliance.operations.reports import DECLARED_FIELDS, read_declared

MAX_BYTES = 64 * 1024


def parse_report_csv(data: bytes, filename: str) -> dict[str, Any]:
    """The declared figures of an uploaded CSV (header ``figure,value``), validated; BadInput names file and line."""
    if len(data) > MAX_BYTES:
        raise BadInput(f"{filename}: {len(data)} bytes is larger than a report can be ({MAX_BYTES} bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{filename}: not UTF-8 text (byte {exc.start})") from exc
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != ["figure", "value"]:
        raise BadInput(f"{filename}, line 1: the header must be 'figure,value', not {','.join(header or [])!r}")
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for line_no, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 2:
            raise BadInput(f"{filename}, line {line_no}: expected 2 columns, found {len(row)}")
        name, value = row[0].strip(), row[1].strip()
        if name not in DECLARED_FIELDS:
            raise BadInput(f"{filename}, line {line_no}, field {name!r}: unknown figure; "
                           f"expected {', '.join(DECLARED_FIELDS)}", field=name)
        if name in values:
            raise BadInput(f"{filename}, line {line_no}, field {name!r}: given twice (first on line {lines[name]})")
        values[name], lines[name] = value, line_no
    try:
        return read_declared(values, source=filename)
    except BadInput as exc:
        line = lines.get(exc.field or "")
        if line is None:
            raise
        raise BadInput(exc.message.replace(f"{filename}:", f"{filename}, line {line}:", 1), field=exc.field) from exc
