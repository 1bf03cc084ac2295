"""Test helpers that rewrite stored tree nodes behind the log's back, as an attacker with database access would."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.services.evidence import merkle
from portal.services.evidence.models import EvidenceTreeRow


def get_node(session: Session, level: int, idx: int) -> bytes | None:
    """The stored hash of node (level, idx), or None."""
    row, slot = merkle.row_of((level, idx))
    stored = session.get(EvidenceTreeRow, row)
    if stored is None or len(stored.hashes) < (slot + 1) * 32:
        return None
    return stored.hashes[slot * 32 : (slot + 1) * 32]


def set_node(session: Session, level: int, idx: int, value: bytes) -> None:
    """Overwrite the stored hash of node (level, idx)."""
    row, slot = merkle.row_of((level, idx))
    stored = session.get(EvidenceTreeRow, row)
    stored.hashes = stored.hashes[: slot * 32] + value + stored.hashes[(slot + 1) * 32 :]
    session.flush()


def rewrite_leaf(session: Session, index: int, leaf_hash: bytes) -> None:
    """Replace leaf ``index`` and recompute every stored ancestor, so the stored tree is consistent again."""
    level, idx, h = 0, index, leaf_hash
    while True:
        set_node(session, level, idx, h)
        sibling = get_node(session, level, idx ^ 1)
        parent = get_node(session, level + 1, idx // 2)
        if sibling is None or parent is None:
            return
        h = merkle.node_hash(h, sibling) if idx % 2 == 0 else merkle.node_hash(sibling, h)
        level, idx = level + 1, idx // 2
