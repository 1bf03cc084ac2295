"""C2SP signed notes, tlog checkpoints and verifier keys with Ed25519 (stdlib + ``cryptography`` only).

- A note is UTF-8 text ending in a newline, a blank line, then signature lines ``— <name> base64(keyhash || sig)``.
- A key hash is the first 4 bytes (big-endian) of ``SHA-256(name || 0x0A || 0x01 || public key)``.
- A verifier key is ``<name>+<8 hex digits of the key hash>+base64(0x01 || public key)``.
- A checkpoint's text is ``<origin>\\n<tree size>\\n<base64 root hash>\\n`` followed by optional extension lines.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # em dash and a space
MAX_SIGNATURES = 100
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class NoteError(ValueError):
    """A note, checkpoint or key that is malformed or does not verify; the message says which."""


def valid_key_name(name: str) -> bool:
    """Key names are non-empty, without whitespace and without '+'."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def key_hash(name: str, public_key: bytes) -> int:
    """The signed-note key hash of an Ed25519 public key under ``name``."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key, as published in the verifier-key form."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> int:
        """The key hash (4 bytes as an int)."""
        return key_hash(self.name, self.public_key)

    @property
    def text(self) -> str:
        """``name+hash+base64(0x01 || key)``."""
        blob = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{blob}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


def parse_verifier(text: str) -> Verifier:
    """Parse a verifier key; NoteError naming what is wrong."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError("a verifier key reads name+hash+key")
    name, hash_hex, blob = parts
    if not valid_key_name(name):
        raise NoteError(f"invalid key name {name!r}")
    if not re.fullmatch(r"[0-9a-f]{8}", hash_hex):
        raise NoteError("the key hash must be 8 lowercase hex digits")
    try:
        raw = base64.b64decode(blob, validate=True)
    except binascii.Error as exc:
        raise NoteError("the key is not valid base64") from exc
    if base64.b64encode(raw).decode() != blob:
        raise NoteError("the key is not in canonical base64")
    if not raw or raw[0] != ALG_ED25519:
        raise NoteError("unknown signature algorithm (only Ed25519, 0x01, is supported)")
    if len(raw) != 33:
        raise NoteError("an Ed25519 key is 32 bytes")
    verifier = Verifier(name, raw[1:])
    if verifier.key_id != int(hash_hex, 16):
        raise NoteError("the key hash does not match the key")
    return verifier


class Signer:
    """A named Ed25519 private key that signs notes."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey):
        if not valid_key_name(name):
            raise NoteError(f"invalid key name {name!r}")
        self.name = name
        self._key = private_key
        self.verifier = Verifier(name, private_key.public_key().public_bytes_raw())

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A signer with a fresh key."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, name: str, raw: bytes) -> Signer:
        """A signer from a raw 32-byte Ed25519 private key."""
        return cls(name, Ed25519PrivateKey.from_private_bytes(raw))

    def private_bytes(self) -> bytes:
        """The raw private key (to be stored encrypted, never in the clear)."""
        return self._key.private_bytes_raw()

    def signature_line(self, text: str) -> str:
        """The signature line of this key over ``text``."""
        sig = self._key.sign(text.encode())
        blob = base64.b64encode(self.verifier.key_id.to_bytes(4, "big") + sig).decode()
        return f"{SIGNATURE_PREFIX}{self.name} {blob}\n"


def sign_note(text: str, *signers: Signer) -> str:
    """The signed note of ``text`` (which must end with a newline) by every signer."""
    _check_text(text)
    return text + "\n" + "".join(signer.signature_line(text) for signer in signers)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    for ch in text:
        if ch != "\n" and (ord(ch) < 0x20 or unicodedata.category(ch) == "Cc"):
            raise NoteError("note text holds a control character")


@dataclass
class OpenedNote:
    """A note whose signatures were checked: its text, who verified it, and signatures by unknown keys."""

    text: str
    verified_by: list[str] = field(default_factory=list)
    unknown_signers: list[tuple[str, int]] = field(default_factory=list)


def open_note(note: str | bytes, verifiers: list[Verifier]) -> OpenedNote:
    """Check a signed note; NoteError unless it is well formed and signed by at least one of ``verifiers``.

    Signatures by keys not in ``verifiers`` are ignored (kept in ``unknown_signers``); a signature by a known key
    that does not verify rejects the note.
    """
    raw = note if isinstance(note, bytes) else note.encode()
    try:
        msg = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError("note is not valid UTF-8") from exc
    if any(ord(ch) < 0x20 and ch != "\n" for ch in msg):
        raise NoteError("note holds a control character")
    split = msg.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no signature block (no blank line)")
    text, sigs = msg[: split + 1], msg[split + 2 :]
    if not sigs or not sigs.endswith("\n"):
        raise NoteError("note's signature block is empty or lacks its final newline")
    known = {(v.name, v.key_id): v for v in verifiers}
    opened = OpenedNote(text)
    seen: set[tuple[str, int]] = set()
    lines = sigs[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("note has too many signatures")
    for line in lines:
        name, blob = _parse_signature_line(line)
        key_id, sig = int.from_bytes(blob[:4], "big"), blob[4:]
        verifier = known.get((name, key_id))
        if verifier is None:
            opened.unknown_signers.append((name, key_id))
            continue
        if (name, key_id) in seen:
            raise NoteError(f"note repeats the signature of {name}")
        seen.add((name, key_id))
        if not verifier.verify(text.encode(), sig):
            raise NoteError(f"signature of {name}+{key_id:08x} does not verify")
        opened.verified_by.append(name)
    if not opened.verified_by:
        raise NoteError("note is not signed by any known key")
    return opened


def unsigned_text(note: str) -> str:
    """The text part of a signed note (everything before the signature block), without checking anything."""
    split = note.rfind("\n\n")
    return note[: split + 1] if split >= 0 else note


def _parse_signature_line(line: str) -> tuple[str, bytes]:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError("a line of the signature block does not start with '\u2014 '")
    name, sep, b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not sep or not valid_key_name(name) or not b64:
        raise NoteError("malformed signature line")
    try:
        blob = base64.b64decode(b64, validate=True)
    except binascii.Error as exc:
        raise NoteError("signature is not valid base64") from exc
    if len(blob) < 5:
        raise NoteError("signature is too short")
    if base64.b64encode(blob).decode() != b64:  # unused low bits set: the same signature spelled another way
        raise NoteError("signature is not in canonical base64")
    return name, blob


# -- checkpoints ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Checkpoint:
    """The body of a C2SP tlog checkpoint."""

    origin: str
    tree_size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The note text of this checkpoint."""
        lines = [self.origin, str(self.tree_size), base64.b64encode(self.root_hash).decode(), *self.extensions]
        return "\n".join(lines) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint's note text (the part before the signatures)."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint has an origin, a size and a root hash line, each ending in a newline")
    origin, size, root_b64, *extensions = lines[:-1]
    if not origin:
        raise NoteError("checkpoint origin is empty")
    if not _DECIMAL.fullmatch(size):
        raise NoteError(f"checkpoint tree size {size!r} is not a decimal number")
    try:
        root = base64.b64decode(root_b64, validate=True)
    except binascii.Error as exc:
        raise NoteError("checkpoint root hash is not valid base64") from exc
    if len(root) != 32 or base64.b64encode(root).decode() != root_b64:
        raise NoteError("checkpoint root hash is not 32 bytes in canonical base64")
    if any(not line for line in extensions):
        raise NoteError("checkpoint has an empty extension line")
    return Checkpoint(origin, int(size), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, *signers: Signer) -> str:
    """The signed-note text of ``checkpoint``."""
    return sign_note(checkpoint.text(), *signers)


def open_checkpoint(note: str | bytes, verifiers: list[Verifier]) -> Checkpoint:
    """Verify a signed checkpoint and return its body; NoteError when it is malformed, unsigned or the origin is
    not the name of a key that verified it."""
    opened = open_note(note, verifiers)
    checkpoint = parse_checkpoint(opened.text)
    if checkpoint.origin not in opened.verified_by:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the name of the key that signed it")
    return checkpoint
