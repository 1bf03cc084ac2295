"""The API contract files: the SDL snapshot matches the code, operations validate, graphql/ shadows nothing."""

from __future__ import annotations

from pathlib import Path

import graphql as graphql_core
from graphql import parse, specified_rules, validate
from portal.api.persisted import OPERATIONS_DIR, persisted_operations
from portal.api.schema import build_schema, schema_sdl
from portal.api.snapshot import SNAPSHOT

ROOT = Path(__file__).resolve().parents[2]


def test_schema_snapshot_is_current():
    assert SNAPSHOT.read_text(encoding="utf-8") == schema_sdl(), "run: .venv/bin/python -m portal.api.snapshot"


def test_graphql_folder_holds_no_python():
    assert not list((ROOT / "graphql").rglob("*.py"))
    assert "site-packages" in graphql_core.__file__ or "graphql" in Path(graphql_core.__file__).parts[-2]
    assert Path(graphql_core.__file__).resolve().parent != (ROOT / "graphql").resolve()


def test_every_persisted_operation_is_valid():
    schema = build_schema().graphql_schema
    ops = persisted_operations()
    assert len(ops) == len(list(OPERATIONS_DIR.glob("*.graphql"))) > 0
    for text in ops.values():
        assert validate(schema, parse(text), specified_rules) == []


def test_stable_root_fields_present():
    sdl = schema_sdl()
    for field in ("me: Viewer!", "regionMetrics(from: Date!, to: Date!, district: String): RegionMetrics!"):
        assert field in sdl
