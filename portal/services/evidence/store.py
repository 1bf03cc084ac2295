"""Batched persistence of the Merkle tree: one row per leaf holding its hash and the perfect subtrees it completes.

Appending n leaves hashes them, completes about n perfect nodes and writes n rows in one ``executemany`` with an
ever-increasing key; it reads only the right frontier (at most log2 n rows, one query). A proof or a root reads its
O(log n) rows in one query. Rows never change once written, so ``NodeCache`` may keep upper nodes in process.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.services.evidence import fastsql, merkle
from portal.services.evidence.models import EvidenceLogState, EvidenceTreeRow

TREE = EvidenceTreeRow.__table__
STATE_ID = 1
CACHED_MIN_LEVEL = 8  # nodes covering >= 256 leaves are few (n/256) and in every proof
_IN_CHUNK = 500  # keys per IN (...) list: far below every driver's parameter limit
_HASH = merkle.HASH_SIZE


class NodeCache:
    """A bounded, thread-safe LRU of immutable upper-level nodes, keyed by database URL and node id."""

    def __init__(self, capacity: int = 200_000):
        self.capacity = capacity
        self._data: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, scope: str, ids: Sequence[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
        """The cached hashes among ``ids``."""
        found = {}
        with self._lock:
            for level, idx in ids:
                value = self._data.get((scope, level, idx))
                if value is not None:
                    self._data.move_to_end((scope, level, idx))
                    found[(level, idx)] = value
        return found

    def put_many(self, scope: str, nodes: dict[merkle.NodeId, bytes]) -> None:
        """Remember the upper-level ones of ``nodes`` (lower levels are not worth the memory)."""
        with self._lock:
            for (level, idx), value in nodes.items():
                if level >= CACHED_MIN_LEVEL:
                    self._data[(scope, level, idx)] = value
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)

    def clear(self) -> None:
        """Forget everything (tests that rewrite the tree behind the store's back)."""
        with self._lock:
            self._data.clear()


CACHE = NodeCache()
_WRITES = "evidence.tree_writes"


def mark_written(session: Session) -> None:
    """Note that this transaction wrote to the tree or published a checkpoint: until it commits, what it reads may
    vanish with a rollback, so nothing it reads goes into the process-wide caches."""
    session.info[_WRITES] = session.get_transaction()


def may_cache(session: Session) -> bool:
    """Whether what this session reads was committed by someone (its current transaction wrote nothing)."""
    return session.info.get(_WRITES) is not session.get_transaction()


def ensure_state(session: Session) -> None:
    """Create the single state row if it is missing (two first-ever writers racing: one fails and retries)."""
    if session.get(EvidenceLogState, STATE_ID) is None:
        session.add(EvidenceLogState(id=STATE_ID, tree_size=0, integrations=0))
        session.flush()


def lock_state(session: Session) -> EvidenceLogState:
    """Take the log's write lock for this transaction (a row lock on PostgreSQL, the write lock on SQLite) and
    return the fresh state row: appends are serialised, so two writers never compute the same node."""
    ensure_state(session)
    bump = update(EvidenceLogState).where(EvidenceLogState.id == STATE_ID)
    session.execute(bump.values(integrations=EvidenceLogState.integrations + 1))
    state = session.get(EvidenceLogState, STATE_ID, populate_existing=True)
    assert state is not None
    return state


def tree_size(session: Session) -> int:
    """The integrated tree size (no lock)."""
    size = session.scalar(select(EvidenceLogState.tree_size).where(EvidenceLogState.id == STATE_ID))
    return int(size or 0)


def fetch_nodes(
    session: Session, ids: Sequence[merkle.NodeId], *, use_cache: bool = True
) -> dict[merkle.NodeId, bytes]:
    """The stored hashes of ``ids`` (absent ones are simply missing), in one query per 500 rows."""
    scope = str(session.get_bind().url)
    found = CACHE.get_many(scope, ids) if use_cache else {}
    slots = {node: merkle.row_of(node) for node in ids if node not in found}
    rows = sorted({row for row, _ in slots.values()})
    blobs: dict[int, bytes] = {}
    for i in range(0, len(rows), _IN_CHUNK):
        found_rows = fastsql.select_in(session, TREE, ("leaf_index", "hashes"), "leaf_index", rows[i : i + _IN_CHUNK])
        blobs.update((leaf, bytes(blob)) for leaf, blob in found_rows)
    fetched = {}
    for node, (row, slot) in slots.items():
        blob = blobs.get(row)
        if blob is not None and len(blob) >= (slot + 1) * _HASH:
            fetched[node] = blob[slot * _HASH : (slot + 1) * _HASH]
    if use_cache and may_cache(session):
        CACHE.put_many(scope, fetched)
    found.update(fetched)
    return found


def node_source(session: Session) -> merkle.NodeSource:
    """A merkle node source reading this session's store."""
    return lambda ids: fetch_nodes(session, ids)


def append_leaf_hashes(session: Session, size: int, leaf_hashes: Sequence[bytes]) -> int:
    """Store ``leaf_hashes`` after a tree of ``size`` leaves with every node they complete; returns the new size.

    The caller holds :func:`lock_state` and updates the state's ``tree_size``.
    """
    if not leaf_hashes:
        return size
    mark_written(session)
    wanted = merkle.frontier_nodes(size)
    known = fetch_nodes(session, wanted, use_cache=False)
    if len(known) != len(wanted):
        raise merkle.ProofError(f"the stored tree lacks its frontier at size {size}")
    rows = merkle.append_rows(size, [known[node] for node in wanted], leaf_hashes)
    fastsql.insert_tuples(session, TREE, ("leaf_index", "hashes"), rows)
    return size + len(leaf_hashes)


def append_leaves(session: Session, leaves: Sequence[bytes]) -> int:
    """Hash raw leaf inputs and append them under the log lock; returns the new tree size."""
    state = lock_state(session)
    sha, prefix = hashlib.sha256, merkle.LEAF_PREFIX
    state.tree_size = append_leaf_hashes(session, state.tree_size, [sha(prefix + leaf).digest() for leaf in leaves])
    session.flush()
    return state.tree_size


def iter_rows(session: Session, size: int, *, lo: int = 0, chunk: int = 20_000) -> Iterator[tuple[int, bytes]]:
    """The stored rows from ``lo`` to below ``size`` in leaf order (for the audit), read in chunks."""
    for start in range(lo, size, chunk):
        stmt = select(TREE.c.leaf_index, TREE.c.hashes).where(TREE.c.leaf_index >= start,
                                                              TREE.c.leaf_index < min(size, start + chunk))
        yield from ((leaf, bytes(blob)) for leaf, blob in session.execute(stmt.order_by(TREE.c.leaf_index)))


def root_hash(session: Session, size: int) -> bytes:
    """The root of the tree of ``size`` leaves (``size`` must be integrated)."""
    return merkle.root_hash(size, node_source(session))


def inclusion_path(session: Session, index: int, size: int) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return merkle.inclusion_proof(index, size, node_source(session))


def consistency_path(session: Session, old_size: int, new_size: int) -> list[bytes]:
    """The consistency proof between two integrated sizes."""
    return merkle.consistency_proof(old_size, new_size, node_source(session))
