"""Tamper evidence: the audit reports entries changed, removed or reordered; the monitor detects forks."""

from __future__ import annotations

import pytest
from evidence_tamper import rewrite_leaf, set_node
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portal.services.evidence import audit, log, merkle, operations, store
from portal.services.evidence.models import EvidenceAlert, EvidenceEntry, EvidenceFile, EvidenceParty

ENTRIES = EvidenceEntry.__table__


@pytest.fixture
def logged(session: Session, region, keyring) -> list[int]:
    """Twelve entries, checkpoints at sizes 5 and 12, committed."""
    ids = []
    for i in range(12):
        stored = operations.store_evidence(region["bank-a"], [(f"d{i}", f"doc {i}".encode())], "contract",
                                           ["bank-b"], session=session, keyring=keyring)
        ids.append(stored.entry_id)
        if i == 4:
            log.publish_checkpoint(session, keyring)
    log.publish_checkpoint(session, keyring)
    session.commit()
    return ids


def _problems(session: Session, **kw) -> list[tuple[str, int | None]]:
    return [(f.problem, f.leaf_index) for f in audit.audit_log(session, **kw).findings]


def _leaf_index(session: Session, entry_id: int) -> int:
    return session.scalar(select(ENTRIES.c.leaf_index).where(ENTRIES.c.id == entry_id))


def test_clean_log_audits_clean(session: Session, logged, keyring) -> None:
    report = audit.audit_log(session, keyring=keyring)
    assert report.clean, report.findings
    assert (report.tree_size, report.entries_checked, report.checkpoints_checked) == (12, 12, 2)


def test_changed_entry_is_reported(session: Session, logged) -> None:
    entry = session.get(EvidenceEntry, logged[7])
    entry.leaf = entry.leaf.replace(b'"contract"', b'"receipt"')
    session.commit()
    # the entry is named, and so is the one checkpoint (size 12, not size 5) whose signed root it breaks
    assert sorted(_problems(session), key=str) == [("changed", 7), ("root", None)]


def test_removed_entry_is_reported(session: Session, logged) -> None:
    index = _leaf_index(session, logged[3])
    session.execute(delete(EvidenceFile).where(EvidenceFile.entry_id == logged[3]))
    session.execute(delete(EvidenceParty).where(EvidenceParty.entry_id == logged[3]))
    session.execute(delete(EvidenceEntry).where(EvidenceEntry.id == logged[3]))
    session.commit()
    assert _problems(session) == [("removed", index)]


def test_reordered_entries_are_reported(session: Session, logged) -> None:
    a, b = _leaf_index(session, logged[2]), _leaf_index(session, logged[9])
    session.execute(update(EvidenceEntry).where(EvidenceEntry.id == logged[2]).values(leaf_index=-1))
    session.execute(update(EvidenceEntry).where(EvidenceEntry.id == logged[9]).values(leaf_index=a))
    session.execute(update(EvidenceEntry).where(EvidenceEntry.id == logged[2]).values(leaf_index=b))
    session.commit()
    findings = audit.audit_log(session).findings
    assert sorted((f.problem, f.leaf_index) for f in findings if f.problem != "root") == [("reordered", a),
                                                                                          ("reordered", b)]
    assert sum(f.problem == "root" for f in findings) == 2  # both checkpoints cover leaf 2
    assert f"committed at leaf {b}" in next(f.detail for f in findings if f.leaf_index == a)


def test_rewritten_tree_is_caught_by_the_signed_roots(session: Session, logged) -> None:
    """An attacker edits an entry and recomputes its leaf and every node above it: the checkpoints still tell."""
    entry = session.get(EvidenceEntry, logged[1])
    entry.leaf = entry.leaf.replace(b'"contract"', b'"receipt"')
    rewrite_leaf(session, entry.leaf_index, merkle.leaf_hash(entry.leaf))
    session.commit()
    assert _problems(session) == [("root", None), ("root", None)]  # both checkpoints cover leaf 1


def test_altered_content_is_reported_with_a_keyring(session: Session, logged, keyring) -> None:
    row = session.scalars(select(EvidenceFile).where(EvidenceFile.entry_id == logged[5])).one()
    row.salt = bytes(32)
    session.commit()
    assert _problems(session) == []
    assert _problems(session, keyring=keyring) == [("content", _leaf_index(session, logged[5]))]


def test_tampered_node_is_reported(session: Session, logged) -> None:
    set_node(session, 2, 1, bytes(32))  # the node over leaves 4..7, stored in row 7
    session.commit()
    assert _problems(session) == [("node", 7)]


def test_monitor_accepts_consistent_checkpoints(session: Session, logged, region, keyring) -> None:
    assert audit.monitor_checkpoints(session) == []
    operations.store_evidence(region["bank-a"], [("late", b"late")], "contract", [], session=session, keyring=keyring)
    log.publish_checkpoint(session, keyring)
    assert audit.monitor_checkpoints(session) == []


def test_monitor_detects_a_fork(session: Session, logged, region, keyring) -> None:
    assert audit.monitor_checkpoints(session) == []
    # history is rewritten: leaf 3 replaced and its stored ancestors recomputed, then the log grows and signs again
    rewrite_leaf(session, 3, merkle.leaf_hash(b"forged"))
    store.CACHE.clear()
    operations.store_evidence(region["bank-a"], [("late", b"late")], "contract", [], session=session, keyring=keyring)
    forked = log.publish_checkpoint(session, keyring)
    alerts = audit.monitor_checkpoints(session)
    assert [(a.problem, a.checkpoint_id) for a in alerts] == [("fork", forked.id)]
    assert session.scalars(select(EvidenceAlert)).all() == alerts
    assert audit.monitor_checkpoints(session) == []  # each checkpoint is examined once
    operations.store_evidence(region["bank-a"], [("later", b"x")], "contract", [], session=session, keyring=keyring)
    later = log.publish_checkpoint(session, keyring)
    # still compared with the last good checkpoint, so the fork is reported again for the new one
    assert [(a.problem, a.checkpoint_id) for a in audit.monitor_checkpoints(session)] == [("fork", later.id)]


def test_monitor_detects_a_stored_checkpoint_that_does_not_verify(session: Session, logged, keyring) -> None:
    row = log.latest_checkpoint(session)
    row.note = row.note.replace("\n12\n", "\n13\n")
    session.flush()
    assert [a.problem for a in audit.monitor_checkpoints(session)] == ["signature"]


def test_monitor_detects_a_rollback(session: Session, logged, keyring) -> None:
    from portal.services.evidence import signing
    from portal.services.evidence.models import EvidenceCheckpoint
    from portal.services.evidence.note import Checkpoint, sign_checkpoint

    assert audit.monitor_checkpoints(session) == []
    key_id, signer = signing.active_signer(session, keyring)
    root = store.root_hash(session, 7)
    smaller = EvidenceCheckpoint(tree_size=7, root_hash=root, signing_key_id=key_id,
                                 note=sign_checkpoint(Checkpoint(signer.name, 7, root), signer))
    session.add(smaller)
    session.flush()
    assert [(a.problem, a.checkpoint_id) for a in audit.monitor_checkpoints(session)] == [("rollback", smaller.id)]
