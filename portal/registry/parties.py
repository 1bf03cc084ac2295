"""Debtors (and guarantors) by keyed hash: look-up, creation and update with their identifiers encrypted.

On PostgreSQL the hashes being looked up are announced in ``app.debtor_lookup`` (transaction-local) so that the
row-level security policy on ``debtors`` lets exactly those rows through besides the ones the institution is linked
to (see rls.py). Set-based: one query finds every party of a report, whatever their number.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portal.core.crypto import Keyring, decrypt_blob, encrypt_blob
from portal.core.errors import BadInput
from portal.core.identifiers import mask_id_number
from portal.core.keys import active_data_key
from portal.core.timeutil import utcnow
from portal.registry.inputs import Party
from portal.registry.models import DEBTOR_ID_PURPOSE, Debtor, identifier_aad
from portal.registry.views import Keys
from portal.registry.vocab import DebtorKind

SUMMARY_FUNCTION = "registry_shared_summary(bigint,date)"
DISPUTE_TARGET_FUNCTION = "registry_dispute_target(bigint,bigint)"


def is_postgres(session: Session) -> bool:
    """Whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def definer_available(session: Session, signature: str) -> bool:
    """Whether the SECURITY DEFINER function ``signature`` of rls.py is installed (PostgreSQL only)."""
    if not is_postgres(session):
        return False
    return bool(session.scalar(text("SELECT to_regprocedure(:s) IS NOT NULL"), {"s": signature}))


def announce_lookup(session: Session, hashes: Sequence[str]) -> None:
    """Tell PostgreSQL row-level security which debtor hashes this transaction looks up (no-op elsewhere)."""
    if hashes and is_postgres(session):
        session.execute(text("SELECT set_config('app.debtor_lookup', :h, true)"), {"h": ",".join(hashes)})


def debtor_hash(keyring: Keyring, number: str) -> str:
    """The keyed hash that finds a debtor by its (normalised) identifier."""
    return keyring.lookup_hash(DEBTOR_ID_PURPOSE, number)


def find_debtor(session: Session, keyring: Keyring, kind: DebtorKind, number: str) -> Debtor | None:
    """The debtor with this identifier, or None; BadInput when the number belongs to a debtor of the other kind."""
    id_hash = debtor_hash(keyring, number)
    announce_lookup(session, [id_hash])
    debtor = session.scalar(select(Debtor).where(Debtor.id_hash == id_hash))
    if debtor is not None and debtor.kind != kind.value:
        raise BadInput(f"identifier {mask_id_number(number)!r} is registered for a {debtor.kind}, not a {kind.value}")
    return debtor


def _seal(dek: bytes, id_hash: str, field: str, value: str | None) -> bytes | None:
    return None if value is None else encrypt_blob(dek, value.encode(), identifier_aad(id_hash, field))


def upsert_parties(session: Session, keyring: Keyring, parties: Sequence[Party]) -> list[Debtor]:
    """The debtor rows of ``parties`` (in order), created when new; a changed name, phone, address or district
    updates the shared row (absent phone/address/district keep theirs). Identical input writes nothing."""
    hashes = [debtor_hash(keyring, p.number) for p in parties]
    announce_lookup(session, hashes)
    found = {d.id_hash: d for d in session.scalars(select(Debtor).where(Debtor.id_hash.in_(hashes)))}
    keys = Keys(session, keyring)
    key_id: int | None = None
    dek = b""
    rows: list[Debtor] = []
    for party, id_hash in zip(parties, hashes, strict=True):
        row = found.get(id_hash)
        if row is not None and row.kind != party.kind.value:
            raise BadInput(
                f"identifier {mask_id_number(party.number)!r} is registered for a {row.kind}, not a {party.kind.value}"
            )
        if row is not None and not _differs(row, party, keys):
            rows.append(row)
            continue
        if key_id is None:
            key_id, dek = active_data_key(session, keyring, None)
        if row is None:
            row = Debtor(kind=party.kind.value, id_hash=id_hash, key_id=key_id, name=party.name,
                         id_cipher=_seal(dek, id_hash, "id", party.number),
                         phone_cipher=_seal(dek, id_hash, "phone", party.phone),
                         address_cipher=_seal(dek, id_hash, "address", party.address), district=party.district)
            session.add(row)
            found[id_hash] = row
        else:
            phone = party.phone if party.phone is not None else _open(keys, row, "phone")
            address = party.address if party.address is not None else _open(keys, row, "address")
            row.name = party.name
            row.district = party.district if party.district is not None else row.district
            row.key_id = key_id  # every ciphertext of the row re-sealed under the active key
            row.id_cipher = _seal(dek, id_hash, "id", party.number)
            row.phone_cipher = _seal(dek, id_hash, "phone", phone)
            row.address_cipher = _seal(dek, id_hash, "address", address)
            row.updated_at = utcnow()
        rows.append(row)
    session.flush()
    return rows


def _open(keys: Keys, row: Debtor, field: str) -> str | None:
    blob = getattr(row, f"{field}_cipher")
    if blob is None:
        return None
    return decrypt_blob(keys[row.key_id], blob, identifier_aad(row.id_hash, field)).decode()


def _differs(row: Debtor, party: Party, keys: Keys) -> bool:
    if row.name != party.name or (party.district is not None and party.district != row.district):
        return True
    if party.phone is not None and party.phone != _open(keys, row, "phone"):
        return True
    return party.address is not None and party.address != _open(keys, row, "address")
