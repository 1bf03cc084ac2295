"""Envelope encryption and keyed hashing, shared by the registry, audit recordings and evidence content.

- Master keys (key-encryption keys) come from settings (``PORTAL_MASTER_KEYS``: ``kid:base64key,...``, the first is
  current) or, embedded, from ``var/keys/master.json`` created on first use. They never appear in code or logs.
- Each institution has data keys (DEKs) wrapped under a master key (AES-256-GCM with the kid as associated data).
  Rotation re-wraps DEKs under the new master key without touching the ciphertexts.
- Blobs are encrypted with AES-256-GCM; the associated data binds a ciphertext to its owner and purpose.
- Look-ups of encrypted identifiers use an HMAC-SHA256 keyed by a key derived from the current master key's
  *lookup* secret, so the hash is stable across master-key rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.core.errors import BadInput

NONCE_BYTES = 12
_BLOB_VERSION = 1


class CryptoError(Exception):
    """A ciphertext failed to authenticate or a key is missing."""


@dataclass(frozen=True)
class WrappedKey:
    """A data key wrapped under the master key ``kid``."""

    kid: str
    wrapped: bytes


class Keyring:
    """Master keys by id (the first is current) plus the lookup secret for keyed hashes."""

    def __init__(self, master_keys: dict[str, bytes], current: str, lookup_secret: bytes):
        if current not in master_keys:
            raise BadInput(f"current master key id {current!r} is not among the configured keys")
        for kid, key in master_keys.items():
            if len(key) != 32:
                raise BadInput(f"master key {kid!r} must be 32 bytes, got {len(key)}")
        self._keys = dict(master_keys)
        self.current = current
        self._lookup = lookup_secret

    # -- construction ---------------------------------------------------------------------------------------------
    @classmethod
    def from_setting(cls, text: str, lookup_secret_b64: str) -> Keyring:
        """Parse ``kid:base64,kid:base64`` (first is current) and a base64 lookup secret."""
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            kid, sep, b64 = part.partition(":")
            if not sep or not kid:
                raise BadInput("PORTAL_MASTER_KEYS entries must read kid:base64key")
            try:
                keys[kid] = base64.b64decode(b64, validate=True)
            except ValueError as exc:
                raise BadInput(f"PORTAL_MASTER_KEYS: key {kid!r} is not valid base64") from exc
            order.append(kid)
        if not order:
            raise BadInput("PORTAL_MASTER_KEYS is empty")
        try:
            lookup = base64.b64decode(lookup_secret_b64, validate=True)
        except ValueError as exc:
            raise BadInput("PORTAL_LOOKUP_SECRET is not valid base64") from exc
        if len(lookup) < 32:
            raise BadInput("PORTAL_LOOKUP_SECRET must decode to at least 32 bytes")
        return cls(keys, order[0], lookup)

    @classmethod
    def from_file(cls, path: Path) -> Keyring:
        """Load (creating on first use, mode 0600) the embedded key file used by the pilot set-up."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            kid = "k" + secrets.token_hex(4)
            data = {
                "current": kid,
                "keys": {kid: base64.b64encode(secrets.token_bytes(32)).decode()},
                "lookup": base64.b64encode(secrets.token_bytes(32)).decode(),
            }
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh)
        data = json.loads(path.read_text())
        keys = {k: base64.b64decode(v) for k, v in data["keys"].items()}
        return cls(keys, data["current"], base64.b64decode(data["lookup"]))

    @classmethod
    def generate(cls) -> Keyring:
        """A throw-away keyring (tests, benchmarks)."""
        kid = "k" + secrets.token_hex(4)
        return cls({kid: secrets.token_bytes(32)}, kid, secrets.token_bytes(32))

    def with_new_master(self) -> tuple[Keyring, str]:
        """A keyring whose current master key is freshly generated (old keys kept for unwrapping)."""
        kid = "k" + secrets.token_hex(4)
        keys = dict(self._keys)
        keys[kid] = secrets.token_bytes(32)
        return Keyring(keys, kid, self._lookup), kid

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Configured master key ids."""
        return tuple(self._keys)

    # -- data keys --------------------------------------------------------------------------------------------------
    def new_data_key(self) -> tuple[bytes, WrappedKey]:
        """A fresh 256-bit data key and its wrapped form under the current master key."""
        dek = AESGCM.generate_key(bit_length=256)
        return dek, self.wrap(dek)

    def wrap(self, dek: bytes) -> WrappedKey:
        """Wrap ``dek`` under the current master key."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self._keys[self.current]).encrypt(nonce, dek, self.current.encode())
        return WrappedKey(self.current, nonce + sealed)

    def unwrap(self, key: WrappedKey) -> bytes:
        """The plain data key; CryptoError if the master key is unknown or the wrapping was altered."""
        master = self._keys.get(key.kid)
        if master is None:
            raise CryptoError(f"master key {key.kid!r} is not configured")
        try:
            return AESGCM(master).decrypt(key.wrapped[:NONCE_BYTES], key.wrapped[NONCE_BYTES:], key.kid.encode())
        except Exception as exc:  # cryptography raises InvalidTag
            raise CryptoError("wrapped data key failed to authenticate") from exc

    def rewrap(self, key: WrappedKey) -> WrappedKey:
        """The same data key wrapped under the current master key (rotation without re-encrypting data)."""
        return self.wrap(self.unwrap(key))

    # -- keyed hashes -----------------------------------------------------------------------------------------------
    def lookup_hash(self, purpose: str, value: str) -> str:
        """HMAC-SHA256 hex of ``value`` under a key derived for ``purpose``; stable across master rotation."""
        key = hmac.new(self._lookup, b"portal-lookup:" + purpose.encode(), hashlib.sha256).digest()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def encrypt_blob(dek: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """AES-256-GCM: version byte, nonce, ciphertext+tag. ``aad`` binds the blob to its owner and purpose."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return struct.pack("B", _BLOB_VERSION) + nonce + AESGCM(dek).encrypt(nonce, plaintext, aad)


def decrypt_blob(dek: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    """Inverse of :func:`encrypt_blob`; CryptoError when the blob or its associated data was altered."""
    if not blob or blob[0] != _BLOB_VERSION:
        raise CryptoError("unknown ciphertext version")
    nonce = blob[1 : 1 + NONCE_BYTES]
    try:
        return AESGCM(dek).decrypt(nonce, blob[1 + NONCE_BYTES :], aad)
    except Exception as exc:
        raise CryptoError("ciphertext failed to authenticate") from exc
