"""The stored tree, checkpoints, rotation and the public read functions, on the test database."""

from __future__ import annotations

import pytest
from evidence_naive import naive_mth, naive_path, naive_subproof
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.core.errors import BadInput, NotFound
from portal.services.evidence import log, merkle, operations, signing, store
from portal.services.evidence.models import EvidenceTreeRow
from portal.services.evidence.note import NoteError, open_checkpoint, parse_verifier

LEAVES = [f"entry {i}".encode() for i in range(70)]


def test_stored_tree_matches_naive_for_every_proof(session: Session) -> None:
    for a, b in [(0, 1), (1, 2), (2, 7), (7, 33), (33, 64), (64, 70)]:
        assert store.append_leaves(session, LEAVES[a:b]) == b
    session.commit()
    nodes = session.scalar(select(func.count()).select_from(EvidenceTreeRow))
    assert nodes == 70  # one row per leaf
    for size in (1, 2, 3, 7, 8, 33, 64, 70):
        leaves = LEAVES[:size]
        assert store.root_hash(session, size) == naive_mth(leaves)
        for index in range(size):
            assert store.inclusion_path(session, index, size) == naive_path(index, leaves)
        for old in range(1, size + 1):
            assert store.consistency_path(session, old, size) == naive_subproof(old, leaves, True)


def _publish(session: Session, keyring) -> tuple[int, bytes]:
    row = log.publish_checkpoint(session, keyring)
    body = open_checkpoint(row.note, signing.verifiers(session))
    return body.tree_size, body.root_hash


def _store(session: Session, principal, n: int, *, parties=("bank-b",), keyring) -> list[int]:
    return [
        operations.store_evidence(principal, [(f"doc{i}.txt", f"content {i}".encode())], "contract", list(parties),
                                  session=session, keyring=keyring).entry_id
        for i in range(n)
    ]


def test_checkpoints_before_and_after_appends_are_consistent(session: Session, region, keyring) -> None:
    empty_size, empty_root = _publish(session, keyring)
    assert (empty_size, empty_root) == (0, merkle.EMPTY_ROOT)
    sizes = []
    for n in (3, 1, 9, 16):
        _store(session, region["bank-a"], n, keyring=keyring)
        sizes.append(_publish(session, keyring))
    session.commit()
    assert [s for s, _ in sizes] == [3, 4, 13, 29]
    for i, (old, old_root) in enumerate(sizes):
        for new, new_root in sizes[i:]:
            proof = operations.consistency_proof(session, old, new)
            assert proof["old_size"] == old and proof["new_size"] == new
            merkle.verify_consistency(old, new, old_root, new_root, [bytes.fromhex(h) for h in proof["proof"]])
    # a checkpoint is only re-issued when the tree grew (or the key changed)
    assert log.publish_checkpoint(session, keyring).tree_size == 29
    assert operations.latest_checkpoint_text(session) == log.latest_checkpoint(session).note


def test_inclusion_proof_of_every_entry_verifies_against_the_checkpoint(session: Session, region, keyring) -> None:
    ids = _store(session, region["bank-a"], 11, keyring=keyring)
    size, root = _publish(session, keyring)
    from portal.services.evidence.models import EvidenceEntry

    for entry_id in ids:
        entry = session.get(EvidenceEntry, entry_id)
        proof = operations.inclusion_proof(session, entry.leaf_index, size)
        merkle.verify_inclusion(entry.leaf_index, size, merkle.leaf_hash(entry.leaf),
                                [bytes.fromhex(h) for h in proof["inclusion"]], root)


def test_public_functions_refuse_bad_sizes(session: Session, region, keyring) -> None:
    with pytest.raises(NotFound):
        operations.latest_checkpoint_text(session)
    with pytest.raises(NotFound):
        operations.public_key_text(session)
    _store(session, region["bank-a"], 4, keyring=keyring)
    _publish(session, keyring)
    _store(session, region["bank-a"], 2, keyring=keyring)
    log.integrate(session)  # integrated but not yet published: size 6 is not offered
    for old, new in [(0, 3), (3, 2), (1, 6), ("x", 2), (-1, 2)]:
        with pytest.raises(BadInput):
            operations.consistency_proof(session, old, new)
    with pytest.raises(BadInput):
        operations.inclusion_proof(session, 4, 4)
    assert operations.consistency_proof(session, "2", "4")["proof"]
    assert operations.consistency_proof(session, 4, 4)["proof"] == []


def test_rotation_keeps_old_checkpoints_verifiable(session: Session, region, keyring) -> None:
    _store(session, region["bank-a"], 5, keyring=keyring)
    old_note = log.publish_checkpoint(session, keyring).note
    old_key = parse_verifier(operations.public_key_text(session).strip())
    new_key = signing.rotate_key(session, keyring)
    assert new_key.name == old_key.name and new_key.key_id != old_key.key_id
    rotated = log.publish_checkpoint(session, keyring)
    assert rotated.tree_size == 5 and rotated.note != old_note  # same tree, now signed by the new key
    _store(session, region["bank-a"], 3, keyring=keyring)
    new_note = log.publish_checkpoint(session, keyring).note
    session.commit()

    assert open_checkpoint(old_note, [old_key]).tree_size == 5
    assert open_checkpoint(new_note, [new_key]).tree_size == 8
    with pytest.raises(NoteError):
        open_checkpoint(old_note, [new_key])
    with pytest.raises(NoteError):
        open_checkpoint(new_note, [old_key])
    published = [parse_verifier(line) for line in operations.public_key_text(session, include_retired=True).split()]
    assert published == [new_key, old_key]
    assert operations.public_key_text(session).strip() == new_key.text
    old = open_checkpoint(old_note, published)
    new = open_checkpoint(new_note, published)
    proof = [bytes.fromhex(h) for h in operations.consistency_proof(session, 5, 8)["proof"]]
    merkle.verify_consistency(5, 8, old.root_hash, new.root_hash, proof)


def test_signing_key_is_stored_sealed(session: Session, keyring) -> None:
    _, signer = signing.active_signer(session, keyring)
    row = signing.active_key_row(session)
    assert signer.private_bytes() not in row.private_sealed
    assert row.verifier_key == signer.verifier.text
    _, again = signing.active_signer(session, keyring)
    assert again.private_bytes() == signer.private_bytes()


def test_nodes_read_in_a_rolled_back_append_are_not_cached(session: Session) -> None:
    """A transaction that appends, serves a proof, then rolls back must not leave its nodes in the process cache."""
    first = [f"first {i}".encode() for i in range(300)]
    second = [f"second {i}".encode() for i in range(300)]
    store.append_leaves(session, first)
    assert store.inclusion_path(session, 299, 300) == naive_path(299, first)  # reads node (8, 0) of `first`
    session.rollback()
    store.append_leaves(session, second)
    session.commit()
    assert store.inclusion_path(session, 299, 300) == naive_path(299, second)
    assert store.inclusion_path(session, 299, 300) == naive_path(299, second)  # now cached, still right
