"""Set-based entity resolution of signals to registry debtors: identifiers by keyed hash (one query per chunk),
name-only signals by normalised name and place (one query for candidates, one for their addresses), and the
maintenance of the name index it reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from portal.core.crypto import Keyring, decrypt_blob
from portal.core.timeutil import utcnow
from portal.registry.models import Debtor, identifier_aad
from portal.registry.parties import announce_lookup
from portal.registry.views import Keys
from portal.services.tracing.matching import Candidate, block_key, normalize_name, score_candidates
from portal.services.tracing.models import TracingNameKey

INDEX_CHUNK = 5_000


@dataclass
class ParsedSignal:
    """A validated signal, its identifier only as keyed hash (and masked form)."""

    key: str
    kind: str
    subject_kind: str | None
    subject_hash: str | None
    subject_masked: str | None
    name: str | None
    name_key: str | None
    address: str | None
    district: str | None
    observed_at: datetime
    severity: str
    source: str | None
    details: dict[str, Any]
    sha: str


@dataclass
class Resolution:
    """Where a signal went: status, debtor, method, score, explanation."""

    status: str
    debtor_id: int | None = None
    method: str | None = None
    score: float | None = None
    explain: dict[str, Any] = field(default_factory=dict)


def refresh_name_index(session: Session) -> int:
    """Index enterprise debtors that are new or renamed since they were indexed; returns how many rows changed.
    Set-based: one anti-join query, then bulk delete and insert in chunks."""
    stmt = (select(Debtor.id, Debtor.name, Debtor.district)
            .outerjoin(TracingNameKey, TracingNameKey.debtor_id == Debtor.id)
            .where(Debtor.kind == "enterprise",
                   or_(TracingNameKey.debtor_id.is_(None), Debtor.updated_at > TracingNameKey.indexed_at)))
    changed = 0
    batch: list[dict[str, Any]] = []
    now = utcnow()

    def flush() -> None:
        session.execute(delete(TracingNameKey).where(TracingNameKey.debtor_id.in_([r["debtor_id"] for r in batch])))
        session.execute(insert(TracingNameKey.__table__), batch)

    for debtor_id, name, district in session.execute(stmt).all():
        key = normalize_name(name)
        batch.append({"debtor_id": debtor_id, "name_key": key, "block": block_key(key), "district": district,
                      "indexed_at": now})
        if len(batch) >= INDEX_CHUNK:
            flush()
            changed += len(batch)
            batch = []
    if batch:
        flush()
        changed += len(batch)
    return changed


def _by_identifier(session: Session, signals: Sequence[ParsedSignal]) -> dict[str, tuple[int, str]]:
    hashes = sorted({s.subject_hash for s in signals if s.subject_hash})
    if not hashes:
        return {}
    announce_lookup(session, hashes)
    rows = session.execute(select(Debtor.id_hash, Debtor.id, Debtor.kind).where(Debtor.id_hash.in_(hashes)))
    return {h: (i, k) for h, i, k in rows}


def _candidates(session: Session, keyring: Keyring, signals: Sequence[ParsedSignal]) -> dict[str, list[Candidate]]:
    """Candidates by blocking key for the name-only signals of a chunk (addresses decrypted only where a signal
    carries one to compare)."""
    blocks = sorted({block_key(s.name_key) for s in signals if s.name_key})
    if not blocks:
        return {}
    rows = session.execute(select(TracingNameKey.debtor_id, TracingNameKey.name_key, TracingNameKey.block,
                                  TracingNameKey.district).where(TracingNameKey.block.in_(blocks))).all()
    with_address = {block_key(s.name_key) for s in signals if s.name_key and s.address}
    addresses: dict[int, str] = {}
    wanted = [r[0] for r in rows if r[2] in with_address]
    if wanted:
        keys = Keys(session, keyring)
        found = session.execute(select(Debtor.id, Debtor.id_hash, Debtor.key_id, Debtor.address_cipher)
                                .where(Debtor.id.in_(wanted), Debtor.address_cipher.is_not(None))).all()
        keys.load({k for _i, _h, k, _c in found})
        for debtor_id, id_hash, key_id, cipher in found:
            addresses[debtor_id] = decrypt_blob(keys[key_id], cipher, identifier_aad(id_hash, "address")).decode()
    out: dict[str, list[Candidate]] = {}
    for debtor_id, name_key, block, district in rows:
        out.setdefault(block, []).append(Candidate(debtor_id, name_key, district, addresses.get(debtor_id)))
    return out


def resolve(session: Session, keyring: Keyring, signals: Sequence[ParsedSignal]) -> list[Resolution]:
    """The resolution of each signal of a chunk, in order (three queries at most, whatever the chunk's size)."""
    by_hash = _by_identifier(session, signals)
    cands = _candidates(session, keyring, [s for s in signals if not s.subject_hash])
    out: list[Resolution] = []
    for s in signals:
        if s.subject_hash:
            hit = by_hash.get(s.subject_hash)
            if hit is not None and hit[1] == s.subject_kind:
                out.append(Resolution("resolved", hit[0], "identifier", 1.0, {"method": "identifier"}))
            else:
                out.append(Resolution("unmatched", explain={"method": "identifier",
                                                            "reason": "no registry debtor has this identifier"}))
            continue
        match = score_candidates(s.name_key or "", s.district, s.address, cands.get(block_key(s.name_key or ""), []))
        if match.debtor_id is not None:
            out.append(Resolution("resolved", match.debtor_id, "name", match.score, match.explain))
        else:
            out.append(Resolution("unresolved", None, None, match.score, match.explain))
    return out
