"""The pure Merkle module against a naive recursive RFC 9162 implementation (sizes 0..200, random batches)."""

from __future__ import annotations

import pytest
from evidence_naive import naive_mth, naive_path, naive_subproof
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.services.evidence import merkle


class MemoryTree:
    """The rows of a tree built by merkle.append_rows, appended in the given batches."""

    def __init__(self, batches: list[list[bytes]]):
        self.rows: dict[int, bytes] = {}
        size = 0
        for batch in batches:
            frontier = self.source(merkle.frontier_nodes(size))
            rows = merkle.append_rows(size, [frontier[n] for n in merkle.frontier_nodes(size)],
                                      [merkle.leaf_hash(x) for x in batch])
            assert [row for row, _ in rows] == list(range(size, size + len(batch)))
            self.rows.update(rows)
            size += len(batch)
        self.size = size

    def source(self, ids):
        found = {}
        for node in ids:
            row, slot = merkle.row_of(node)
            blob = self.rows.get(row, b"")
            if len(blob) >= 32 * (slot + 1):
                found[node] = blob[32 * slot : 32 * (slot + 1)]
        return found

    @property
    def node_count(self) -> int:
        return sum(len(blob) // 32 for blob in self.rows.values())


LEAVES = [f"leaf {i}".encode() for i in range(201)]


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 200), cuts=st.lists(st.integers(0, 200), max_size=6))
def test_root_equals_naive_for_any_batching(size: int, cuts: list[int]) -> None:
    leaves = LEAVES[:size]
    bounds = sorted({0, size, *(c for c in cuts if c <= size)})
    tree = MemoryTree([leaves[a:b] for a, b in zip(bounds, bounds[1:], strict=False)])
    assert tree.size == size
    assert tree.node_count == sum(size >> level for level in range(max(size.bit_length(), 1)))
    assert merkle.root_hash(size, tree.source) == naive_mth(leaves)
    for smaller in {0, size // 2, max(size - 1, 0)}:
        assert merkle.root_hash(smaller, tree.source) == naive_mth(leaves[:smaller])


def test_every_size_up_to_200_matches_naive() -> None:
    tree = MemoryTree([LEAVES[:200]])
    for size in range(201):
        assert merkle.root_hash(size, tree.source) == naive_mth(LEAVES[:size])


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_proofs_equal_naive_and_verify(data) -> None:
    size = data.draw(st.integers(1, 200))
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size))
    tree = MemoryTree([LEAVES[:size]])
    leaves = LEAVES[:size]
    root, old_root = naive_mth(leaves), naive_mth(leaves[:old])

    path = merkle.inclusion_proof(index, size, tree.source)
    assert path == naive_path(index, leaves)
    merkle.verify_inclusion(index, size, merkle.leaf_hash(leaves[index]), path, root)

    proof = merkle.consistency_proof(old, size, tree.source)
    assert proof == naive_subproof(old, leaves, True)
    merkle.verify_consistency(old, size, old_root, root, proof)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_altered_proofs_are_refused(data) -> None:
    size = data.draw(st.integers(2, 200))
    index = data.draw(st.integers(0, size - 1))
    tree = MemoryTree([LEAVES[:size]])
    root = naive_mth(LEAVES[:size])
    path = merkle.inclusion_proof(index, size, tree.source)
    leaf = merkle.leaf_hash(LEAVES[index])
    if path:
        k = data.draw(st.integers(0, len(path) - 1))
        bad = [*path[:k], bytes([path[k][0] ^ 1]) + path[k][1:], *path[k + 1 :]]
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index, size, leaf, bad, root)
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index, size, leaf, path[:-1], root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(index, size, leaf, [*path, root], root)
    other = (index + 1) % size
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(other, size, leaf, path, root) if other != index else merkle.verify_inclusion(
            index, size, merkle.leaf_hash(b"x"), path, root)
    old = data.draw(st.integers(1, size - 1))
    proof = merkle.consistency_proof(old, size, tree.source)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(old, size, naive_mth(LEAVES[:old]), merkle.leaf_hash(b"other"), proof)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(old, size, merkle.leaf_hash(b"other"), root, proof)


def test_proof_requests_outside_the_tree_are_refused() -> None:
    tree = MemoryTree([LEAVES[:5]])
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(5, 5, tree.source)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(0, 5, tree.source)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(3, 2, tree.source)
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(0, 9, tree.source)  # nodes beyond the stored tree
