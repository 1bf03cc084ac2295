"""What the evidence service does for its callers: store evidence, anchor digests, read content, export bundles,
erase content; plus the public read functions behind ``/evidence/*`` (checkpoint, public key, proofs).

Other services store evidence through :func:`store_evidence` only. Operations never commit; the edge does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.crypto import Keyring, decrypt_blob, encrypt_blob
from portal.core.errors import BadInput, NotFound
from portal.core.keys import active_data_key, data_key
from portal.core.models import ActivityLog
from portal.core.timeutil import utcnow
from portal.services.evidence import fastsql, log, store
from portal.services.evidence import policy as _policy  # noqa: F401 - registers this package's policies
from portal.services.evidence.bundle import BundleFile, build_bundle, safe_file_name
from portal.services.evidence.entry import build_entry, canonical_json, commitment, is_hex_digest, new_salt
from portal.services.evidence.models import EvidenceEntry, EvidenceFile, EvidenceParty, EvidenceSigningKey
from portal.services.evidence.note import parse_checkpoint, unsigned_text
from portal.tenancy.models import Institution

ENTRIES, PARTIES, FILES = EvidenceEntry.__table__, EvidenceParty.__table__, EvidenceFile.__table__
_KIND = re.compile(r"[a-z][a-z0-9_.-]{0,39}")
_CODES_CACHE, _DEK_CACHE = "evidence.institution_ids", "evidence.data_keys"


@dataclass(frozen=True)
class StoredEvidence:
    """What a caller learns of a stored entry: its id, leaf index (None until integrated) and each file's SHA-256."""

    entry_id: int
    leaf_index: int | None
    sha256: tuple[str, ...]


def _transaction_cache(session: Session, name: str) -> dict:
    """A dict that lives as long as the session's current transaction (a rollback forgets what it held)."""
    transaction = session.get_transaction() or session.begin()
    owner, cache = session.info.get(name, (None, {}))
    if owner is not transaction:
        cache = {}
        session.info[name] = (transaction, cache)
    return cache


def _institution_ids(session: Session, codes: Sequence[str]) -> dict[str, int]:
    """Ids of institution ``codes`` (cached for the transaction); NotFound naming an unknown code."""
    cache: dict[str, int] = _transaction_cache(session, _CODES_CACHE)
    missing = [c for c in codes if c not in cache]
    if missing:
        rows = session.execute(select(Institution.code, Institution.id).where(Institution.code.in_(missing)))
        cache.update({code: iid for code, iid in rows})
    unknown = [c for c in codes if c not in cache]
    if unknown:
        raise NotFound(f"unknown institution {unknown[0]!r}", field="parties")
    return {c: cache[c] for c in codes}


def _data_key(session: Session, keyring: Keyring, institution_id: int) -> tuple[int, bytes]:
    cache: dict[int, tuple[int, bytes]] = _transaction_cache(session, _DEK_CACHE)
    if institution_id not in cache:
        cache[institution_id] = active_data_key(session, keyring, institution_id)
    return cache[institution_id]


def _file_aad(commit: str) -> bytes:
    return b"evidence-file:" + commit.encode()


def _validate(kind: str, files: Sequence[tuple[str, bytes]]) -> None:
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        raise BadInput(f"evidence kind {kind!r} must be lowercase letters, digits, '.', '_' or '-'", field="kind")
    names = [name for name, _ in files]
    for name in names:
        if not isinstance(name, str) or not safe_file_name(name):
            raise BadInput(f"file name {name!r} is not a plain file name", field="files")
    if len(set(names)) != len(names):
        raise BadInput("two files have the same name", field="files")


def _submit(principal: Principal, parties: Sequence[str], institution: str | None) -> tuple[str, list[str]]:
    submitter = institution if principal.operator else principal.institution_code
    codes = sorted({*parties, submitter}) if submitter else sorted(parties)
    check_access("evidence.entry.store", principal, codes, institution_code=submitter)
    if not submitter or (institution is not None and institution != submitter):
        raise BadInput(f"cannot submit as institution {institution!r}", field="institution")
    return submitter, codes


def _insert_entry(session: Session, principal: Principal, kind: str, codes: list[str], submitter: str,
                  entry: dict, stored_at: datetime, files: Sequence[dict] = ()) -> int:
    """The entry row, its parties and its ``files`` rows (without ``entry_id``): one statement on PostgreSQL."""
    ids = _institution_ids(session, codes)
    row = {"kind": kind, "institution_id": ids[submitter], "submitted_by": principal.user_id,
           "stored_at": stored_at, "leaf": canonical_json(entry)}
    parties = [{"institution_id": ids[c]} for c in codes]
    return fastsql.insert_with_children(session, ENTRIES, row, "id",
                                        [(PARTIES, "entry_id", parties), (FILES, "entry_id", files)])


@guarded("evidence.entry.store")
def store_evidence(
    principal: Principal, files: Sequence[tuple[str, bytes]], kind: str, parties: Sequence[str], *,
    session: Session, keyring: Keyring, institution: str | None = None, integrate: bool = False,
) -> StoredEvidence:
    """Store ``files`` (name, bytes) as one evidence entry of ``kind`` among ``parties`` (institution codes; the
    submitter is always one). Content is encrypted under the submitter's data key; the log commits to salted hashes.
    The entry joins the tree at the next integration (a checkpoint, a bundle, or now with ``integrate=True``)."""
    submitter, codes = _submit(principal, parties, institution)
    _validate(kind, files)
    if not files:
        raise BadInput("evidence needs at least one file", field="files")
    ids = _institution_ids(session, codes)
    key_id, dek = _data_key(session, keyring, ids[submitter])
    salts = [new_salt() for _ in files]
    commits = [commitment(salt, content) for salt, (_, content) in zip(salts, files, strict=True)]
    now = utcnow()
    entry = build_entry(kind=kind, institution=submitter, parties=codes, stored_at=now, commitments=commits)
    rows = []
    for position, ((name, content), salt, commit) in enumerate(zip(files, salts, commits, strict=True)):
        aad = _file_aad(commit)
        rows.append({"position": position, "commitment": commit, "salt": salt,
                     "data_key_id": key_id, "name_sealed": encrypt_blob(dek, name.encode(), aad),
                     "content_sealed": encrypt_blob(dek, content, aad), "size": len(content)})
    entry_id = _insert_entry(session, principal, kind, codes, submitter, entry, now, rows)
    return StoredEvidence(entry_id, _leaf_index(session, entry_id) if integrate else None,
                          tuple(hashlib.sha256(content).hexdigest() for _, content in files))


def _leaf_index(session: Session, entry_id: int) -> int:
    log.integrate(session)
    return int(session.scalar(select(ENTRIES.c.leaf_index).where(ENTRIES.c.id == entry_id)))


@guarded("evidence.entry.store")
def anchor_digest(
    principal: Principal, digest: str, *, label: str, session: Session, parties: Sequence[str] = (),
    institution: str | None = None, integrate: bool = False,
) -> StoredEvidence:
    """Commit a SHA-256 ``digest`` (hex) of something kept elsewhere (e.g. a period of the registry's inquiry
    log, named by ``label``) to the evidence log; later anyone can prove the digest was logged by then."""
    if not is_hex_digest(digest):
        raise BadInput("digest must be 64 lowercase hex digits (SHA-256)", field="digest")
    if not isinstance(label, str) or not 0 < len(label) <= 200:
        raise BadInput("label must be 1 to 200 characters", field="label")
    submitter, codes = _submit(principal, parties, institution)
    now = utcnow()
    entry = build_entry(kind="anchor", institution=submitter, parties=codes, stored_at=now, commitments=[],
                        digest=digest, label=label)
    entry_id = _insert_entry(session, principal, "anchor", codes, submitter, entry, now)
    return StoredEvidence(entry_id, _leaf_index(session, entry_id) if integrate else None, ())


def _entry_and_parties(session: Session, entry_id: int) -> tuple[EvidenceEntry, list[int]]:
    entry = session.get(EvidenceEntry, entry_id)
    if entry is None:
        raise NotFound(f"no evidence entry {entry_id}")
    party_ids = list(session.scalars(select(PARTIES.c.institution_id).where(PARTIES.c.entry_id == entry_id)))
    return entry, party_ids


def _open_files(session: Session, keyring: Keyring, entry_id: int) -> list[BundleFile]:
    stmt = select(EvidenceFile).where(EvidenceFile.entry_id == entry_id).order_by(EvidenceFile.position)
    rows = session.scalars(stmt)
    opened = []
    for row in rows:
        if row.erased_at is not None or row.content_sealed is None or row.salt is None:
            raise NotFound(f"the content of evidence entry {entry_id} was erased")
        dek, aad = data_key(session, keyring, row.data_key_id), _file_aad(row.commitment)
        name = decrypt_blob(dek, row.name_sealed or b"", aad).decode()
        opened.append(BundleFile(name, decrypt_blob(dek, row.content_sealed, aad), row.salt))
    return opened


@guarded("evidence.content.read")
def read_content(principal: Principal, entry_id: int, *, session: Session, keyring: Keyring) -> list[tuple[str, bytes]]:
    """The files of an entry, for its parties and the regulator."""
    _, party_ids = _entry_and_parties(session, entry_id)
    check_access("evidence.content.read", principal, party_ids)
    return [(f.name, f.content) for f in _open_files(session, keyring, entry_id)]


@guarded("evidence.bundle.export")
def export_bundle(principal: Principal, entry_id: int, *, session: Session, keyring: Keyring) -> bytes:
    """The zip bundle of an entry (CONTRACT.md), publishing a checkpoint first when none covers it yet."""
    entry, party_ids = _entry_and_parties(session, entry_id)
    check_access("evidence.bundle.export", principal, party_ids)
    files = _open_files(session, keyring, entry_id)
    if entry.leaf_index is None:
        log.integrate(session)
        session.refresh(entry)
    assert entry.leaf_index is not None
    checkpoint = log.checkpoint_covering(session, entry.leaf_index) or log.publish_checkpoint(session, keyring)
    path = store.inclusion_path(session, entry.leaf_index, checkpoint.tree_size)
    session.add(ActivityLog(user_id=principal.user_id, institution_id=principal.institution_id,
                            action="evidence.bundle.export", object_type="evidence_entry", object_id=str(entry_id)))
    return build_bundle(leaf=bytes(entry.leaf), files=files, leaf_index=entry.leaf_index,
                        tree_size=checkpoint.tree_size, inclusion=path, checkpoint_note=checkpoint.note,
                        origin=parse_checkpoint(unsigned_text(checkpoint.note)).origin)


@guarded("evidence.content.erase")
def erase_content(principal: Principal, entry_id: int, *, session: Session) -> int:
    """Erase the names, content and salts of an entry's files; the log entry and its proofs stay valid."""
    _entry_and_parties(session, entry_id)
    check_access("evidence.content.erase", principal, entry_id)
    result = session.execute(
        update(FILES).where(FILES.c.entry_id == entry_id, FILES.c.erased_at.is_(None))
        .values(name_sealed=None, content_sealed=None, salt=None, erased_at=utcnow())
    )
    return result.rowcount


# -- public: what /evidence/* and GraphQL serve (checkpoints, keys and proofs are public) -----------------------------
@guarded("evidence.log.read")
def newest_checkpoint(principal: Principal, *, session: Session):
    """The newest published checkpoint row (public); NotFound before the first one."""
    check_access("evidence.log.read", principal)
    checkpoint = log.latest_checkpoint(session)
    if checkpoint is None:
        raise NotFound("no checkpoint has been published yet")
    return checkpoint


@guarded("evidence.log.read")
def public_log_read(principal: Principal, what: str, *, session: Session, **args: object) -> object:
    """One public read of the log — ``checkpoint``, ``public-key``, ``consistency`` or ``inclusion`` — for anyone."""
    check_access("evidence.log.read", principal)
    if what == "checkpoint":
        return latest_checkpoint_text(session)
    if what == "public-key":
        return public_key_text(session, include_retired=bool(args.get("include_retired")))
    if what == "consistency":
        return consistency_proof(session, args.get("old"), args.get("new"))
    if what == "inclusion":
        return inclusion_proof(session, args.get("leaf_index"), args.get("tree_size"))
    raise BadInput(f"unknown public log read {what!r}")


@guarded("evidence.checkpoint.publish")
def publish_checkpoint(principal: Principal, *, session: Session, keyring: Keyring):
    """Integrate pending entries and publish a signed checkpoint now; returns the checkpoint row."""
    check_access("evidence.checkpoint.publish", principal)
    return log.publish_checkpoint(session, keyring)


def latest_checkpoint_text(session: Session) -> str:
    """The newest signed checkpoint; NotFound before the first one."""
    checkpoint = log.latest_checkpoint(session)
    if checkpoint is None:
        raise NotFound("no checkpoint has been published yet")
    return checkpoint.note


def public_key_text(session: Session, *, include_retired: bool = False) -> str:
    """The log's verifier key (``name+hash+base64``), or every key it ever used, one per line, active first."""
    stmt = select(EvidenceSigningKey.verifier_key).order_by(EvidenceSigningKey.id.desc())
    if not include_retired:
        stmt = stmt.where(EvidenceSigningKey.retired_at.is_(None)).limit(1)
    keys = list(session.scalars(stmt))
    if not keys:
        raise NotFound("the evidence log has no signing key yet")
    return "\n".join(keys) + "\n"


def _size_arg(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value), 10)
        except ValueError as exc:
            raise BadInput(f"{name} must be an integer, not {value!r}", field=name) from exc
    return value


def consistency_proof(session: Session, old: object, new: object) -> dict:
    """``{"old_size", "new_size", "proof": [hex…]}`` between two sizes up to the newest published checkpoint."""
    old_size, new_size = _size_arg(old, "old"), _size_arg(new, "new")
    if not (0 < old_size <= new_size and log.is_published(session, new_size)):
        raise BadInput(f"need 0 < old <= new <= {log.published_size(session)} (the newest checkpoint), "
                       f"got old={old_size} new={new_size}")
    proof = store.consistency_path(session, old_size, new_size)
    return {"old_size": old_size, "new_size": new_size, "proof": [h.hex() for h in proof]}


def inclusion_proof(session: Session, leaf_index: object, tree_size: object) -> dict:
    """``{"leaf_index", "tree_size", "inclusion": [hex…]}`` for a size up to the newest published checkpoint."""
    index, size = _size_arg(leaf_index, "leaf_index"), _size_arg(tree_size, "tree_size")
    if not (0 <= index < size and log.is_published(session, size)):
        raise BadInput(f"need 0 <= leaf_index < tree_size <= {log.published_size(session)} (the newest checkpoint), "
                       f"got {index} and {size}")
    path = store.inclusion_path(session, index, size)
    return {"leaf_index": index, "tree_size": size, "inclusion": [h.hex() for h in path]}
