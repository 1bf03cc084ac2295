"""Builders shared by the standards tests (imported by name: this folder has no __init__.py)."""

from __future__ import annotations

import itertools
from typing import Any

from standards import CaseEvent, ContactAttempt, Engine, resolve

_ids = itertools.count(1)
CN = Engine(resolve("cn-regional"))
US = Engine(resolve("us-regf"))
COLUMNS = CN.columns | US.columns


def attempt(started_at: str, **fields: Any) -> ContactAttempt:
    """A logged call to debtor P1 about debt D1 on number N1, unanswered, unless ``fields`` say otherwise."""
    row: dict[str, Any] = {
        "attempt_id": f"t{next(_ids)}",
        "debt_ref": "D1",
        "debtor_ref": "P1",
        "number": "N1",
        "counterparty": "debtor",
        "channel": "call",
        "started_at": started_at,
        "outcome": "unanswered",
        "duration_s": 0,
    }
    row.update(fields)
    return ContactAttempt.from_mapping(row, columns=COLUMNS)


def planned(started_at: str, **fields: Any) -> ContactAttempt:
    """A planned attempt (no outcome yet)."""
    return attempt(started_at, outcome=None, **fields)


def event(kind: str, at: str, **fields: Any) -> CaseEvent:
    """A case event."""
    return CaseEvent.from_mapping({"kind": kind, "at": at, **fields})


def rules_broken(engine: Engine, attempts: list[ContactAttempt], events: Any = ()) -> dict[str, list[str]]:
    """attempt_id -> rule ids broken, from a batch evaluation."""
    found: dict[str, list[str]] = {}
    for verdict in engine.evaluate(attempts, events):
        found.setdefault(verdict.attempt_id, []).append(verdict.rule)
    return found
