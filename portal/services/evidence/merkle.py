"""RFC 9162 Merkle tree hashing, proof layout and proof verification (pure: stdlib only).

Nodes are addressed as ``(level, index)``: the perfect subtree of ``2**level`` leaves starting at leaf
``index * 2**level``. Only perfect subtrees are ever stored; any other subtree hash a proof needs (the right edge of
a tree whose size is not a power of two) is folded from the perfect subtrees that tile it, so a proof needs
O(log n) stored nodes. Proof generation takes a *node source* (a callable returning the hashes of a list of node
ids), so the same code serves an in-memory tree, the database store or a test's naive tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeId = tuple[int, int]
NodeSource = Callable[[Sequence[NodeId]], dict[NodeId, bytes]]


class ProofError(ValueError):
    """A proof does not verify, or a proof was asked for impossible sizes."""


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_tiling(begin: int, end: int) -> list[NodeId]:
    """The perfect subtrees that tile ``[begin, end)`` left to right, as RFC 9162 splits that range.

    ``begin`` must be a multiple of the largest power of two not above ``end - begin`` (true of every range a
    proof or a root asks for).
    """
    nodes: list[NodeId] = []
    start, remaining = begin, end - begin
    while remaining:
        level = remaining.bit_length() - 1
        nodes.append((level, start >> level))
        start += 1 << level
        remaining -= 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from the hashes of its perfect tiling (right to left)."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_nodes(size: int) -> list[NodeId]:
    """The stored nodes whose fold is the root of the tree of ``size`` leaves."""
    return perfect_tiling(0, size)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """RFC 9162 PATH(index, D[size]) as leaf ranges, leaf side first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not inside a tree of size {size}")
    ranges = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split_point(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """RFC 9162 PROOF(old_size, D[new_size]) as leaf ranges, in proof order."""
    if not 0 < old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    ranges = []
    lo, hi, complete = 0, new_size, True
    while old_size != hi:
        k = _split_point(hi - lo)
        if old_size - lo <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            complete = False
    if not complete:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def nodes_for(ranges: Iterable[tuple[int, int]]) -> list[list[NodeId]]:
    """For each range, the stored perfect nodes that tile it."""
    return [perfect_tiling(lo, hi) for lo, hi in ranges]


def resolve(tilings: list[list[NodeId]], source: NodeSource) -> list[bytes]:
    """Fetch every node of ``tilings`` from ``source`` in one call and fold each tiling into one hash."""
    wanted = sorted({node for tiling in tilings for node in tiling})
    found = source(wanted) if wanted else {}
    missing = [node for node in wanted if node not in found]
    if missing:
        raise ProofError(f"the store lacks nodes {missing[:3]} (tree not integrated that far?)")
    return [fold([found[node] for node in tiling]) for tiling in tilings]


def inclusion_proof(index: int, size: int, source: NodeSource) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves."""
    return resolve(nodes_for(inclusion_ranges(index, size)), source)


def consistency_proof(old_size: int, new_size: int, source: NodeSource) -> list[bytes]:
    """The consistency proof between the trees of ``old_size`` and ``new_size`` leaves."""
    return resolve(nodes_for(consistency_ranges(old_size, new_size)), source)


def root_hash(size: int, source: NodeSource) -> bytes:
    """The root of the tree of ``size`` leaves."""
    return resolve([root_nodes(size)], source)[0] if size else EMPTY_ROOT


# -- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) --------------------------------------------------------------------
def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root implied by an inclusion proof; ProofError when the proof cannot belong to these sizes."""
    if index >= size or index < 0:
        raise ProofError(f"leaf index {index} is beyond tree size {size}")
    if len(leaf) != HASH_SIZE:
        raise ProofError(f"a leaf hash is {HASH_SIZE} bytes, not {len(leaf)}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is deep")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf`` (a leaf hash) is at ``index`` in the tree of ``size`` leaves with ``root``."""
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree of ``new_size`` leaves (``new_root``) extends the one of ``old_size`` (``old_root``).

    Policy shared with transparency-dev/merkle: a proof from the empty tree is refused; equal sizes need an empty
    proof and byte-equal roots.
    """
    if old_size > new_size:
        raise ProofError(f"old size {old_size} is larger than new size {new_size}")
    if old_size == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if old_size == new_size:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if old_root != new_root:
            raise ProofError("equal sizes but different roots")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than needed")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than needed")
    if fr != old_root:
        raise ProofError("consistency proof does not lead to the old root")
    if sr != new_root:
        raise ProofError("consistency proof does not lead to the new root")


# -- appending --------------------------------------------------------------------------------------------------------
def frontier_nodes(size: int) -> list[NodeId]:
    """The perfect subtrees on the right edge of a tree of ``size`` leaves, left to right: all an append needs."""
    return root_nodes(size)


def row_of(node: NodeId) -> tuple[int, int]:
    """(leaf, slot): node (level, idx) is the ``slot``-th hash completed when leaf ``((idx+1) << level) - 1`` is
    appended (slot 0 is the leaf hash itself)."""
    level, idx = node
    return ((idx + 1) << level) - 1, level


def append_rows(size: int, frontier: Sequence[bytes], leaf_hashes: Sequence[bytes]) -> list[tuple[int, bytes]]:
    """For each appended leaf j: (j, leaf hash || the hashes of the perfect subtrees leaf j completes).

    ``frontier`` holds the hashes of :func:`frontier_nodes` of ``size`` (left to right).
    """
    stack = list(frontier)
    rows = []
    sha, prefix = hashlib.sha256, NODE_PREFIX
    count = size
    for h in leaf_hashes:
        blob = h
        count += 1
        for _ in range((count & -count).bit_length() - 1):  # one merge per trailing zero bit of the new size
            h = sha(prefix + stack.pop() + h).digest()
            blob += h
        stack.append(h)
        rows.append((count - 1, blob))
    return rows
