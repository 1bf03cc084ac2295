"""The log entry: what one leaf commits to, and its canonical bytes (pure: stdlib only).

An entry commits to the kind, the submitting institution, the parties (institution codes), the time it was stored
and, for each file, only the salted commitment ``sha256(salt || bytes)``. Erasing a file's content and its salt
leaves the log intact while nothing about the content can be confirmed any more. Anchored digests (periodic digests
of other logs) are committed as a plain ``digest`` with a ``label``.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import datetime
from typing import Any

SALT_BYTES = 32
ENTRY_VERSION = 1
_HEX64 = re.compile(r"[0-9a-f]{64}")


def canonical_json(value: Any) -> bytes:
    """UTF-8 JSON with keys sorted and no spaces: the exact leaf input of an entry."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def new_salt() -> bytes:
    """A fresh random salt for one file."""
    return secrets.token_bytes(SALT_BYTES)


def commitment(salt: bytes, content: bytes) -> str:
    """``sha256(salt || content)`` as lowercase hex."""
    return hashlib.sha256(salt + content).hexdigest()


def is_hex_digest(value: Any) -> bool:
    """Whether ``value`` is 64 lowercase hex digits."""
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


def build_entry(
    *,
    kind: str,
    institution: str,
    parties: list[str],
    stored_at: datetime,
    commitments: list[str],
    digest: str | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    """The entry dict for a submission (parties sorted and unique; time as ISO 8601 UTC with offset)."""
    entry: dict[str, Any] = {
        "v": ENTRY_VERSION,
        "kind": kind,
        "institution": institution,
        "parties": sorted(set(parties)),
        "stored_at": stored_at.isoformat(timespec="microseconds"),
        "files": [{"commitment": c} for c in commitments],
    }
    if digest is not None:
        entry["digest"] = digest
        entry["label"] = label or ""
    return entry
