"""Envelope encryption: data keys wrapped by master keys, rotation by re-wrapping, tamper detection."""

from __future__ import annotations

import pytest

from portal.core.crypto import CryptoError, Keyring, decrypt_blob, encrypt_blob
from portal.core.keys import active_data_key, data_key, rewrap_all
from portal.core.models import DataKey


def test_blob_round_trip_and_tamper(keyring):
    dek, _wrapped = keyring.new_data_key()
    blob = encrypt_blob(dek, b"secret recording", b"inst:1")
    assert decrypt_blob(dek, blob, b"inst:1") == b"secret recording"
    with pytest.raises(CryptoError):
        decrypt_blob(dek, blob, b"inst:2")  # bound to its owner
    flipped = bytearray(blob)
    flipped[-1] ^= 1
    with pytest.raises(CryptoError):
        decrypt_blob(dek, bytes(flipped), b"inst:1")


def test_rotation_rewraps_without_reencrypting(session, keyring):
    key_id, dek = active_data_key(session, keyring, None)
    blob = encrypt_blob(dek, b"payload")
    rotated, new_kid = keyring.with_new_master()
    assert rewrap_all(session, rotated) == 1
    assert session.get(DataKey, key_id).master_kid == new_kid
    assert decrypt_blob(data_key(session, rotated, key_id), blob) == b"payload"


def test_lookup_hash_is_keyed_and_stable(keyring):
    other = Keyring.generate()
    assert keyring.lookup_hash("debtor", "x") == keyring.lookup_hash("debtor", "x")
    assert keyring.lookup_hash("debtor", "x") != other.lookup_hash("debtor", "x")
    assert keyring.lookup_hash("debtor", "x") != keyring.lookup_hash("other", "x")
    rotated, _ = keyring.with_new_master()
    assert rotated.lookup_hash("debtor", "x") == keyring.lookup_hash("debtor", "x")


def test_bad_master_key_setting_is_named():
    with pytest.raises(Exception, match="kid:base64key"):
        Keyring.from_setting("nocolon", "A" * 44)
