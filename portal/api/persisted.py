"""Persisted operations: ``graphql/operations/*.graphql`` addressed by the sha256 of their text."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

OPERATIONS_DIR = Path(__file__).resolve().parents[2] / "graphql" / "operations"


@lru_cache(maxsize=1)
def persisted_operations() -> dict[str, str]:
    """Map of sha256 hex → operation text for every file in graphql/operations/."""
    ops: dict[str, str] = {}
    if OPERATIONS_DIR.is_dir():
        for path in sorted(OPERATIONS_DIR.glob("*.graphql")):
            text = path.read_text(encoding="utf-8")
            ops[hashlib.sha256(text.encode()).hexdigest()] = text
    return ops


def operation_id(text: str) -> str:
    """The id (sha256 hex) of an operation's text."""
    return hashlib.sha256(text.encode()).hexdigest()
