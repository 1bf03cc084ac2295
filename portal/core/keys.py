"""Per-institution data keys: created on first use, unwrapped with the keyring, re-wrapped on master rotation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core.crypto import Keyring, WrappedKey
from portal.core.models import DataKey


def active_data_key(session: Session, keyring: Keyring, institution_id: int | None) -> tuple[int, bytes]:
    """(key id, plain key) of the institution's active data key, creating one when it has none."""
    stmt = select(DataKey).where(DataKey.active.is_(True))
    stmt = stmt.where(
        DataKey.institution_id.is_(None) if institution_id is None else DataKey.institution_id == institution_id
    )
    row = session.scalars(stmt.order_by(DataKey.id.desc()).limit(1)).first()
    if row is None:
        dek, wrapped = keyring.new_data_key()
        row = DataKey(institution_id=institution_id, master_kid=wrapped.kid, wrapped=wrapped.wrapped)
        session.add(row)
        session.flush()
        return row.id, dek
    return row.id, keyring.unwrap(WrappedKey(row.master_kid, row.wrapped))


def data_key(session: Session, keyring: Keyring, key_id: int) -> bytes:
    """The plain data key with id ``key_id`` (for decrypting something encrypted earlier)."""
    row = session.get(DataKey, key_id)
    if row is None:
        raise LookupError(f"data key {key_id} does not exist")
    return keyring.unwrap(WrappedKey(row.master_kid, row.wrapped))


def rewrap_all(session: Session, keyring: Keyring) -> int:
    """Re-wrap every data key under the keyring's current master key; returns how many changed."""
    changed = 0
    for row in session.scalars(select(DataKey)):
        if row.master_kid != keyring.current:
            new = keyring.rewrap(WrappedKey(row.master_kid, row.wrapped))
            row.master_kid, row.wrapped = new.kid, new.wrapped
            changed += 1
    return changed
