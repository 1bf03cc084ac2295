"""The schema of a standard version file, written in code: every malformation names file, line and field.

A file ``catalogue/<code>/<version>.toml`` holds a ``[standard]`` table, an optional ``[columns]`` table
(optional attempt columns the standard defines, name = type) and one ``[[rules]]`` entry per rule. The fields of
a rule entry are the common ones (``COMMON_PARAMS``) plus those of its kind (``KINDS[kind].PARAMS``).
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from standards.errors import MalformedStandard
from standards.kinds import COMMON_PARAMS, KINDS, Rule
from standards.kinds.params import Param, pattern, string_list, text
from standards.records import ATTEMPT_COLUMNS, ATTEMPT_OPTIONAL_CORE
from standards.tomlmap import TomlMap, decode_error_line
from standards.versions import Standard
from standards.vocabulary import BUILTIN_OPTIONAL_COLUMNS, COLUMN_TYPES

CODE = r"[a-z][a-z0-9]*(-[a-z0-9]+)*"
_COLUMN_NAME = re.compile(r"[a-z][a-z0-9_]*")
STANDARD_PARAMS: dict[str, Param] = {
    "code": Param(pattern(CODE, "a code such as cn-regional"), "the standard's code (its folder)", required=True),
    "version": Param(pattern(r"\d{4}\.\d+", "a version such as 2026.1"), "the version (file name)", required=True),
    "effective_from": Param(lambda v, _c: v, "date-time with offset the version takes effect", required=True),
    "jurisdiction": Param(text, "jurisdiction profile: CN, US, UK...", required=True),
    "title_en": Param(text, "English title", required=True),
    "title_zh": Param(text, "Chinese title", required=True),
    "sources": Param(string_list, "the sources the version encodes", default=()),
    "note": Param(text, "free remark"),
}


def load_standard(path: str | Path) -> Standard:
    """Read and validate ``<code>/<version>.toml``; the code and version must match the folder and file names."""
    path = Path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MalformedStandard(f"cannot read the file: {exc}", file=str(path)) from None
    return parse_standard(content, file=str(path), expect_code=path.parent.name, expect_version=path.stem)


def parse_standard(
    content: str, *, file: str = "<text>", expect_code: str | None = None, expect_version: str | None = None
) -> Standard:
    """Validate the TOML text of one standard version and compile its rules."""
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError as exc:
        raise MalformedStandard(f"not valid TOML: {exc}", file=file, line=decode_error_line(str(exc))) from None
    places = TomlMap(content)

    def fail(reason: str, *, table: str = "", key: str | None = None, rule_index: int | None = None) -> None:
        line = places.key_line(table, key, rule_index) if key else places.table_line(table, rule_index)
        raise MalformedStandard(reason, file=file, line=line, field=_field_path(table, key, rule_index))

    for key in data:
        if key not in ("standard", "columns", "rules"):
            fail(f"unknown top-level field {key!r} (expected [standard], [columns], [[rules]])", key=key)
    head = data.get("standard")
    if not isinstance(head, dict):
        fail("a [standard] table is needed", table="standard", key="standard")
    meta = _validated(head, STANDARD_PARAMS, {}, lambda reason, key: fail(reason, table="standard", key=key))
    _check_head(meta, expect_code, expect_version, lambda reason, key: fail(reason, table="standard", key=key))
    columns = _columns(data.get("columns", {}), lambda reason, key: fail(reason, table="columns", key=key))
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        fail("at least one [[rules]] entry is needed", key="rules")
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        rule = _compile_rule(entry, index, columns, meta, fail)
        if rule.id in seen:
            fail(
                f"rule id {rule.id!r} is used twice (rules {seen[rule.id] + 1} and {index + 1})",
                table="rules",
                key="id",
                rule_index=index,
            )
        seen[rule.id] = index
        rules.append(rule)
    return Standard(
        code=meta["code"],
        version=meta["version"],
        effective_from=meta["effective_from"],
        jurisdiction=meta["jurisdiction"],
        title_en=meta["title_en"],
        title_zh=meta["title_zh"],
        rules=tuple(rules),
        columns=columns,
        sources=meta["sources"],
        note=meta["note"],
        path=file,
    )


def version_key(version: str) -> tuple[int, ...]:
    """A version such as 2026.1 as a comparable tuple (2026, 1)."""
    return tuple(int(part) for part in version.split("."))


def _check_head(meta: dict[str, Any], code: str | None, version: str | None, fail: Any) -> None:
    moment = meta["effective_from"]
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        fail(f"must be a date-time with an offset such as 2026-01-30T00:00:00+08:00, got {moment!r}", "effective_from")
    if code is not None and meta["code"] != code:
        fail(f"code {meta['code']!r} does not match the folder name {code!r}", "code")
    if version is not None and meta["version"] != version:
        fail(f"version {meta['version']!r} does not match the file name {version!r}", "version")


def _columns(table: Any, fail: Any) -> dict[str, str]:
    if not isinstance(table, dict):
        fail("[columns] must be a table of name = type", "columns")
    columns = dict(BUILTIN_OPTIONAL_COLUMNS)
    for name, type_name in table.items():
        if not _COLUMN_NAME.fullmatch(name) or name in ATTEMPT_COLUMNS or name in ATTEMPT_OPTIONAL_CORE:
            fail(f"{name!r} cannot be declared as an optional column", name)
        if type_name not in COLUMN_TYPES:
            fail(f"type {type_name!r} is not one of {sorted(COLUMN_TYPES)}", name)
        if columns.get(name, type_name) != type_name:
            fail(f"built-in column {name!r} is {columns[name]}, not {type_name}", name)
        columns[name] = type_name
    return columns


def _compile_rule(entry: Any, index: int, columns: dict[str, str], meta: dict[str, Any], fail: Any) -> Rule:
    def rule_fail(reason: str, key: str | None) -> None:
        fail(reason, table="rules", key=key, rule_index=index)

    if not isinstance(entry, dict):
        rule_fail("each rule must be a table", None)
    kind = entry.get("kind")
    if kind not in KINDS:
        rule_fail(f"kind {kind!r} is not one of {sorted(KINDS)}", "kind")
    rule_class = KINDS[kind]
    values = _validated(entry, COMMON_PARAMS | rule_class.PARAMS, columns, rule_fail)
    if version_key(values["version"]) > version_key(meta["version"]):
        rule_fail(f"rule version {values['version']} is later than the standard's version {meta['version']}", "version")
    try:
        return rule_class(values, meta["code"], meta["version"])
    except ValueError as exc:
        rule_fail(f"rule {values['id']}: {exc}", None)
        raise  # unreachable: rule_fail raises


def _validated(table: dict[str, Any], params: dict[str, Param], columns: dict[str, str], fail: Any) -> dict[str, Any]:
    for key in table:
        if key not in params:
            fail(f"unknown field {key!r}", key)
    values: dict[str, Any] = {}
    for name, param in params.items():
        if name not in table:
            if param.required:
                fail("required field is missing", name)
            values[name] = param.default
            continue
        try:
            values[name] = param.check(table[name], columns)
        except ValueError as exc:
            fail(str(exc), name)
    return values


def _field_path(table: str, key: str | None, rule_index: int | None) -> str | None:
    if table == "rules" and rule_index is not None:
        return f"rules[{rule_index + 1}]" + (f".{key}" if key else "")
    if not key:
        return table or None
    return f"{table}.{key}" if table else key
