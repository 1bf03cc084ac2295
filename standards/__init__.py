"""Collection-service standards as versioned data, and the pure-Python engine that enforces them.

Nothing here imports ``portal``, Flask or a database: an agency can check itself offline. A standard version is a
TOML file ``standards/catalogue/<code>/<version>.toml`` validated against the schema in ``standards.schema``.

    from standards import Engine, resolve, read_attempts
    engine = Engine(resolve("cn-regional"))          # every version, each judging its own period
    decision = engine.check_planned(attempt, history)  # before a contact: allowed, or refused with rule ids
    verdicts = engine.evaluate(read_attempts("log.csv", columns=engine.columns))  # after the fact: every rule broken
"""

from __future__ import annotations

from standards.engine import Engine
from standards.errors import MalformedRecord, MalformedStandard, NoVersionInForce, StandardError, UnknownStandard
from standards.loader import CATALOGUE_DIR, load_catalogue, resolve
from standards.reading import read_attempts, read_events
from standards.records import CaseEvent, ContactAttempt
from standards.schema import load_standard, parse_standard
from standards.verdicts import Decision, Verdict
from standards.versions import Standard, StandardSet

__all__ = [
    "CATALOGUE_DIR",
    "CaseEvent",
    "ContactAttempt",
    "Decision",
    "Engine",
    "MalformedRecord",
    "MalformedStandard",
    "NoVersionInForce",
    "Standard",
    "StandardError",
    "StandardSet",
    "UnknownStandard",
    "Verdict",
    "load_catalogue",
    "load_standard",
    "parse_standard",
    "read_attempts",
    "read_events",
    "resolve",
]
