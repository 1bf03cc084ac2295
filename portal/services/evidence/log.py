"""Log keeping: integrating stored entries into the tree in batches, and publishing signed checkpoints.

Entries are stored without a leaf index; integration (under the log lock) gives the pending ones the next indices
in id order, hashes them and appends them to the tree in one batch. Publishing integrates first, then signs the new
tree head with the active key. These run for the log itself (the CLI, the beat task, a bundle request); they take
no principal because they disclose nothing: checkpoints are public.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core.crypto import Keyring
from portal.services.evidence import fastsql, merkle, store
from portal.services.evidence.models import EvidenceCheckpoint, EvidenceEntry
from portal.services.evidence.note import Checkpoint, sign_checkpoint
from portal.services.evidence.signing import active_signer

ENTRIES = EvidenceEntry.__table__
INTEGRATE_BATCH = 50_000


def integrate(session: Session, *, batch: int = INTEGRATE_BATCH) -> int:
    """Give every pending entry its leaf index and append it to the tree; returns the new tree size."""
    state = store.lock_state(session)
    session.flush()
    while True:
        pending = session.execute(
            select(ENTRIES.c.id, ENTRIES.c.leaf).where(ENTRIES.c.leaf_index.is_(None)).order_by(ENTRIES.c.id)
            .limit(batch)
        ).all()
        if not pending:
            break
        size = state.tree_size
        indices = [{"id": entry_id, "leaf_index": size + i} for i, (entry_id, _) in enumerate(pending)]
        fastsql.update_rows(session, ENTRIES, "id", indices)
        hashes = [merkle.leaf_hash(bytes(leaf)) for _, leaf in pending]
        state.tree_size = store.append_leaf_hashes(session, size, hashes)
        session.flush()
    return state.tree_size


def latest_checkpoint(session: Session) -> EvidenceCheckpoint | None:
    """The newest published checkpoint."""
    return session.scalars(select(EvidenceCheckpoint).order_by(EvidenceCheckpoint.id.desc()).limit(1)).first()


def publish_checkpoint(session: Session, keyring: Keyring) -> EvidenceCheckpoint:
    """Integrate pending entries and publish a checkpoint of the tree, unless the newest already states this size
    with the active key (then that one is returned)."""
    size = integrate(session)
    key_id, signer = active_signer(session, keyring)
    newest = latest_checkpoint(session)
    if newest is not None and newest.tree_size == size and newest.signing_key_id == key_id:
        return newest
    root = store.root_hash(session, size)
    note = sign_checkpoint(Checkpoint(signer.name, size, root), signer)
    row = EvidenceCheckpoint(tree_size=size, root_hash=root, signing_key_id=key_id, note=note)
    store.mark_written(session)
    session.add(row)
    session.flush()
    return row


def published_size(session: Session) -> int:
    """The tree size of the newest checkpoint (0 before the first)."""
    table = EvidenceCheckpoint.__table__
    size = int(fastsql.scalar(session, "evidence.published_size",
                              lambda: select(table.c.tree_size).order_by(table.c.id.desc()).limit(1)) or 0)
    if store.may_cache(session):
        scope = str(session.get_bind().url)
        _PUBLISHED[scope] = max(size, _PUBLISHED.get(scope, 0))
    return size


_PUBLISHED: dict[str, int] = {}


def is_published(session: Session, size: int) -> bool:
    """Whether a checkpoint of at least ``size`` was published. The newest published size only grows, so a size
    once seen published needs no query again (a proof request then costs one query, or none)."""
    return size <= _PUBLISHED.get(str(session.get_bind().url), 0) or size <= published_size(session)


def checkpoint_covering(session: Session, leaf_index: int) -> EvidenceCheckpoint | None:
    """The newest checkpoint whose tree contains ``leaf_index``."""
    stmt = select(EvidenceCheckpoint).where(EvidenceCheckpoint.tree_size > leaf_index)
    return session.scalars(stmt.order_by(EvidenceCheckpoint.id.desc()).limit(1)).first()


def forget_process_caches() -> None:
    """Drop the process-wide node cache and published sizes (a test database emptied behind the log's back)."""
    store.CACHE.clear()
    _PUBLISHED.clear()
