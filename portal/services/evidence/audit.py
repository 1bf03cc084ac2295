"""Tamper evidence: the audit recomputes the tree from storage; the monitor checks each new checkpoint extends the
previous one (fork detection) and records an alert when it does not.

Audit findings, each with the leaf index (or node, or checkpoint) concerned:
``changed`` (an entry no longer hashes to its committed leaf), ``reordered`` (an entry carries the committed leaf
of another index), ``removed`` (a committed leaf has no entry), ``unexpected`` (an entry claims an index beyond the
tree), ``missing-node`` / ``node`` (the stored tree lacks a node or a node disagrees with its children), ``root``
(the tree recomputed from the entries does not give a signed checkpoint's root), ``checkpoint`` (a stored
checkpoint does not verify), ``content`` (a file no longer matches its commitment; only with a keyring).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.core.crypto import CryptoError, Keyring, decrypt_blob
from portal.core.keys import data_key
from portal.services.evidence import merkle, signing, store
from portal.services.evidence.entry import commitment
from portal.services.evidence.models import EvidenceAlert, EvidenceCheckpoint, EvidenceEntry, EvidenceFile
from portal.services.evidence.note import NoteError, open_checkpoint

ENTRIES = EvidenceEntry.__table__
CHUNK = 20_000


@dataclass(frozen=True)
class Finding:
    """One problem the audit found."""

    problem: str
    leaf_index: int | None
    detail: str

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {"problem": self.problem, "leaf_index": self.leaf_index, "detail": self.detail}


@dataclass
class AuditReport:
    """What the audit checked and found."""

    tree_size: int
    entries_checked: int = 0
    checkpoints_checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """True when nothing was found."""
        return not self.findings


class _CompactRange:
    """The perfect subtrees of the leaves pushed so far (a stack), as in RFC 9162 appends."""

    def __init__(self) -> None:
        self.stack: list[bytes] = []
        self.count = 0

    def push(self, leaf: bytes) -> list[bytes]:
        """Add a leaf hash; return the hashes of the perfect subtrees it completes (levels 1, 2, …)."""
        self.count += 1
        completed, h = [], leaf
        for _ in range((self.count & -self.count).bit_length() - 1):
            h = merkle.node_hash(self.stack.pop(), h)
            completed.append(h)
        self.stack.append(h)
        return completed

    def root(self) -> bytes:
        """The root of the leaves pushed so far."""
        return merkle.fold(self.stack)


def _signed_roots(session: Session, report: AuditReport) -> dict[int, list[tuple[int, bytes]]]:
    """Checkpoint roots by size, read from the signed notes (not from the root column, which could be edited)."""
    keys = signing.verifiers(session)
    roots: dict[int, list[tuple[int, bytes]]] = {}
    for cp_id, note in session.execute(select(EvidenceCheckpoint.id, EvidenceCheckpoint.note)):
        report.checkpoints_checked += 1
        try:
            body = open_checkpoint(note, keys)
        except NoteError as exc:
            report.findings.append(Finding("checkpoint", None, f"checkpoint {cp_id} does not verify: {exc}"))
            continue
        roots.setdefault(body.tree_size, []).append((cp_id, body.root_hash))
    return roots


def _entries(session: Session, lo: int, hi: int) -> dict[int, bytes]:
    rows = session.execute(
        select(ENTRIES.c.leaf_index, ENTRIES.c.leaf).where(ENTRIES.c.leaf_index >= lo, ENTRIES.c.leaf_index < hi)
    )
    return {index: bytes(leaf) for index, leaf in rows}


def _check_row(index: int, blob: bytes | None, stored: _CompactRange, report: AuditReport) -> bytes | None:
    """Check one stored row against the stored tree so far; return its leaf hash (None when unusable)."""
    slots = ((index + 1) & -(index + 1)).bit_length()  # the leaf plus one node per trailing zero bit of index + 1
    if blob is None or len(blob) != slots * merkle.HASH_SIZE:
        report.findings.append(Finding("missing-node", index, "the tree row of this leaf is missing or truncated"))
        return None
    for level, expected in enumerate(stored.push(blob[: merkle.HASH_SIZE]), start=1):
        if blob[level * merkle.HASH_SIZE : (level + 1) * merkle.HASH_SIZE] != expected:
            report.findings.append(Finding("node", index, f"stored node at level {level} != hash of its children"))
    return blob[: merkle.HASH_SIZE]


def _walk(session: Session, size: int, roots: dict, report: AuditReport) -> list[tuple[int, bytes]]:
    """One pass over the tree rows and the entries; returns the entries whose leaf hash differs from the tree's."""
    stored, recomputed = _CompactRange(), _CompactRange()
    mismatches: list[tuple[int, bytes]] = []
    if 0 in roots:
        _compare_roots(roots[0], merkle.EMPTY_ROOT, 0, report)
    for lo in range(0, size, CHUNK):
        hi = min(size, lo + CHUNK)
        entries, rows = _entries(session, lo, hi), dict(store.iter_rows(session, hi, lo=lo))
        for index in range(lo, hi):
            committed = _check_row(index, rows.get(index), stored, report)
            if committed is None:
                stored.push(merkle.EMPTY_ROOT)  # keep the shape so later rows are still checked
            leaf = entries.get(index)
            if leaf is None:
                report.findings.append(Finding("removed", index, "a committed leaf has no entry any more"))
                recomputed.push(committed or merkle.EMPTY_ROOT)
            else:
                report.entries_checked += 1
                leaf_hash = merkle.leaf_hash(leaf)
                if committed is not None and leaf_hash != committed:
                    mismatches.append((index, leaf_hash))
                recomputed.push(leaf_hash)
            if recomputed.count in roots:
                _compare_roots(roots[recomputed.count], recomputed.root(), recomputed.count, report)
    return mismatches


def _classify(session: Session, size: int, mismatches: list[tuple[int, bytes]], report: AuditReport) -> None:
    """Tell entries moved to another index (their hash is committed elsewhere) from entries changed."""
    wanted = {h for _, h in mismatches}
    committed_at = {}
    if wanted:
        for index, blob in store.iter_rows(session, size):
            if blob[: merkle.HASH_SIZE] in wanted:
                committed_at[blob[: merkle.HASH_SIZE]] = index
    for index, h in mismatches:
        if committed_at.get(h, index) != index:
            moved = f"the entry here was committed at leaf {committed_at[h]}"
            report.findings.append(Finding("reordered", index, moved))
        else:
            report.findings.append(Finding("changed", index, "the entry does not hash to its committed leaf"))


def _check_content(session: Session, keyring: Keyring, report: AuditReport) -> None:
    rows = session.execute(
        select(EvidenceFile.id, EvidenceFile.data_key_id, EvidenceFile.commitment, EvidenceFile.salt,
               EvidenceFile.content_sealed, EvidenceEntry.leaf_index)
        .join(EvidenceEntry, EvidenceEntry.id == EvidenceFile.entry_id)
        .where(EvidenceFile.erased_at.is_(None)).execution_options(yield_per=1000)
    )
    keys: dict[int, bytes] = {}
    for file_id, key_id, commit, salt, sealed, leaf_index in rows:
        if key_id not in keys:
            keys[key_id] = data_key(session, keyring, key_id)
        try:
            content = decrypt_blob(keys[key_id], sealed, b"evidence-file:" + commit.encode())
        except CryptoError:
            report.findings.append(Finding("content", leaf_index, f"file {file_id} fails to decrypt (altered?)"))
            continue
        if commitment(bytes(salt), content) != commit:
            report.findings.append(Finding("content", leaf_index, f"file {file_id} differs from its commitment"))


def audit_log(session: Session, *, keyring: Keyring | None = None) -> AuditReport:
    """Recompute the whole tree from the stored entries and compare it with the stored tree and every checkpoint."""
    size = store.tree_size(session)
    report = AuditReport(size)
    roots = _signed_roots(session, report)
    for cp_size in sorted(s for s in roots if s > size):
        report.findings.append(Finding("root", None, f"a checkpoint states size {cp_size} beyond the tree ({size})"))
    _classify(session, size, _walk(session, size, roots, report), report)
    beyond = session.scalar(select(func.count()).select_from(ENTRIES).where(ENTRIES.c.leaf_index >= size))
    if beyond:
        report.findings.append(Finding("unexpected", None, f"{beyond} entries claim leaf indices beyond the tree"))
    if keyring is not None:
        _check_content(session, keyring, report)
    return report


def _compare_roots(signed: list[tuple[int, bytes]], recomputed: bytes, size: int, report: AuditReport) -> None:
    for cp_id, root in signed:
        if root != recomputed:
            report.findings.append(Finding("root", None, f"checkpoint {cp_id} (size {size}) signed another root"))


# -- monitor ----------------------------------------------------------------------------------------------------------
def monitor_checkpoints(session: Session) -> list[EvidenceAlert]:
    """Check every checkpoint published since the last run against the last one that passed; record and return an
    alert for each that fails (each checkpoint is examined once)."""
    state = store.lock_state(session)
    keys = signing.verifiers(session)
    trusted, alerts = None, []
    if state.trusted_checkpoint_id is not None:
        row = session.get(EvidenceCheckpoint, state.trusted_checkpoint_id)
        try:
            trusted = open_checkpoint(row.note, keys) if row is not None else None
        except NoteError as exc:  # the reference itself was altered after it was checked
            alerts.append(EvidenceAlert(problem="signature", checkpoint_id=row.id, detail=f"no longer verifies: {exc}"))
    stmt = select(EvidenceCheckpoint).order_by(EvidenceCheckpoint.id)
    if state.monitored_checkpoint_id is not None:
        stmt = stmt.where(EvidenceCheckpoint.id > state.monitored_checkpoint_id)
    for row in session.scalars(stmt):
        problem = _judge(session, row, trusted, keys)
        if problem is None:
            trusted = open_checkpoint(row.note, keys)
            state.trusted_checkpoint_id = row.id
        else:
            alerts.append(EvidenceAlert(problem=problem[0], checkpoint_id=row.id, detail=problem[1]))
        state.monitored_checkpoint_id = row.id
    session.add_all(alerts)
    session.flush()
    return alerts


def _judge(session: Session, row: EvidenceCheckpoint, previous, keys) -> tuple[str, str] | None:
    try:
        body = open_checkpoint(row.note, keys)
    except NoteError as exc:
        return "signature", f"checkpoint {row.id} does not verify: {exc}"
    if body.tree_size != row.tree_size or body.root_hash != bytes(row.root_hash):
        return "mismatch", f"checkpoint {row.id}: stored size or root differs from the signed note"
    if previous is None or previous.tree_size == 0:
        return None
    if body.tree_size < previous.tree_size:
        return "rollback", f"checkpoint {row.id} has size {body.tree_size} < {previous.tree_size}"
    try:
        grew = body.tree_size > previous.tree_size
        proof = store.consistency_path(session, previous.tree_size, body.tree_size) if grew else []
        merkle.verify_consistency(previous.tree_size, body.tree_size, previous.root_hash, body.root_hash, proof)
    except merkle.ProofError as exc:
        return "fork", f"checkpoint {row.id} is not consistent with size {previous.tree_size}: {exc}"
    return None
