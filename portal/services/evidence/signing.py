"""The log's Ed25519 signing keys: created on first use, sealed under the portal's data key, rotated on demand.

The key name is the log's origin (C2SP: the checkpoint origin names the key). Rotation retires the active key and
creates a new one under the same name (so a new key hash); retired keys stay published so old checkpoints verify.
"""

from __future__ import annotations

import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core.crypto import Keyring, decrypt_blob, encrypt_blob
from portal.core.keys import active_data_key, data_key
from portal.core.timeutil import utcnow
from portal.services.evidence.models import EvidenceSigningKey
from portal.services.evidence.note import Signer, Verifier, parse_verifier

DEFAULT_ORIGIN = "portal.example/evidence"
ORIGIN_SETTING = "PORTAL_EVIDENCE_ORIGIN"


def log_origin() -> str:
    """The origin line (and key name) of this deployment's log: ``PORTAL_EVIDENCE_ORIGIN`` or the default."""
    return os.environ.get(ORIGIN_SETTING) or DEFAULT_ORIGIN


def _aad(verifier_key: str) -> bytes:
    return b"evidence-signing-key:" + verifier_key.encode()


def active_key_row(session: Session) -> EvidenceSigningKey | None:
    """The key that signs new checkpoints, if any."""
    stmt = select(EvidenceSigningKey).where(EvidenceSigningKey.retired_at.is_(None))
    return session.scalars(stmt.order_by(EvidenceSigningKey.id.desc()).limit(1)).first()


def _create_key(session: Session, keyring: Keyring, name: str) -> EvidenceSigningKey:
    signer = Signer.generate(name)
    dek_id, dek = active_data_key(session, keyring, None)
    vkey = signer.verifier.text
    row = EvidenceSigningKey(
        name=name, verifier_key=vkey, data_key_id=dek_id, private_sealed=encrypt_blob(dek, signer.private_bytes(),
                                                                                       _aad(vkey))
    )
    session.add(row)
    session.flush()
    return row


def active_signer(session: Session, keyring: Keyring, origin: str | None = None) -> tuple[int, Signer]:
    """(row id, signer) of the active key, creating the first key (named ``origin``) when the log has none."""
    row = active_key_row(session) or _create_key(session, keyring, origin or log_origin())
    raw = decrypt_blob(data_key(session, keyring, row.data_key_id), row.private_sealed, _aad(row.verifier_key))
    return row.id, Signer.from_private_bytes(row.name, raw)


def rotate_key(session: Session, keyring: Keyring) -> Verifier:
    """Retire the active key and create its successor under the same name; returns the new verifier key."""
    current = active_key_row(session)
    name = current.name if current is not None else log_origin()
    if current is not None:
        current.retired_at = utcnow()
    return parse_verifier(_create_key(session, keyring, name).verifier_key)


def verifiers(session: Session) -> list[Verifier]:
    """Every key the log ever used (active first), for verifying old and new checkpoints."""
    rows = session.scalars(select(EvidenceSigningKey.verifier_key).order_by(EvidenceSigningKey.id.desc()))
    return [parse_verifier(text) for text in rows]
