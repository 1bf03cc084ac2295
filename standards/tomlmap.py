"""Where keys sit in a TOML text, so schema errors can name a line (tomllib keeps no positions).

The map records, for each key line, its table (``""`` for the top level, ``standard``, ``columns``, ``rules``,
``rules.stages``...) and, inside ``[[rules]]`` and its sub-tables, the index of the rule it belongs to.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*(\"[^\"]+\"|[A-Za-z0-9_\-]+)(\.[A-Za-z0-9_\-]+)*\s*=")
_TOML_LINE = re.compile(r"at line (\d+)")


class TomlMap:
    """Line numbers of tables, rule entries and keys of one TOML text."""

    def __init__(self, text: str) -> None:
        self._keys: dict[tuple[str, int | None, str], int] = {}
        self._rule_headers: list[int] = []
        self._tables: dict[tuple[str, int | None], int] = {}
        table, rule_index = "", None
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header:
                table = header.group(2).replace('"', "").replace(" ", "")
                if header.group(1) == "[[" and table == "rules":
                    self._rule_headers.append(number)
                rule_index = len(self._rule_headers) - 1 if table.split(".")[0] == "rules" else None
                self._tables.setdefault((table, rule_index), number)
                continue
            key = _KEY.match(line)
            if key:
                self._keys.setdefault((table, rule_index, key.group(1).strip('"')), number)

    def key_line(self, table: str, key: str, rule_index: int | None = None) -> int | None:
        """The line of ``key`` in ``table`` (of rule ``rule_index``), or of its sub-table, or of the table."""
        sub_table = f"{table}.{key}" if table else key
        found = self._keys.get((table, rule_index, key)) or self._tables.get((sub_table, rule_index))
        return found or self.table_line(table, rule_index)

    def table_line(self, table: str, rule_index: int | None = None) -> int | None:
        """The header line of ``table`` (the ``[[rules]]`` line of rule ``rule_index`` for rules)."""
        if table == "rules" and rule_index is not None:
            return self._rule_headers[rule_index] if rule_index < len(self._rule_headers) else None
        return self._tables.get((table, rule_index))


def decode_error_line(message: str) -> int | None:
    """The line number tomllib put in a decoding error message."""
    found = _TOML_LINE.search(message)
    return int(found.group(1)) if found else None
