"""Secure aggregation by pairwise masking (Bonawitz et al. 2017, the single-mask variant with seed recovery).

Set-up: every bank makes an X25519 key pair and publishes the public key through the coordinator. Each pair (i, j)
agrees a shared secret; HKDF-SHA256 (salt = the federation's session id, info = the two party indices) turns it into
a 32-byte pair seed known to i and j only.

Round r: the pair's round key is HKDF-SHA256(pair seed, info = "round" ‖ r), and the mask m_ij is the ChaCha20
keystream of that key read as unsigned 64-bit integers (a PRG of any length). Bank i sends

    y_i = x_i + Σ_{j>i} m_ij − Σ_{j<i} m_ji   (mod 2^64)

where x_i is its vector in fixed point (value · 2^frac_bits rounded, two's complement). Every mask appears once with
each sign, so Σ y_i = Σ x_i exactly (mod 2^64) and the coordinator decodes the true aggregate.

Drop-out: if bank d sends nothing in round r, the coordinator declares it dropped *for that round* and asks every
survivor i for its round key with d; it regenerates m_id and removes it. Only round keys are revealed (HKDF is one
way), so the pair seeds, and every other round's masks, stay secret.

Threat model: honest-but-curious coordinator and banks, authentic public keys (distributed by the portal, which
does not substitute keys), no collusion between the coordinator and banks beyond n − 2 of them (the coordinator
plus k colluding banks learn only the sum of the others). Revealed: the aggregate of each round, and who took part.
The coordinator must refuse a dropped bank's late vector for that round, or it could unmask that vector with the
revealed round keys; Bonawitz's double masking (self-masks shared by Shamir) removes that requirement and is not
implemented. With only two survivors, each survivor can subtract its own input from the aggregate and learn the
other's (inherent to any sum).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from portal.core.errors import BadInput, Conflict

FRAC_BITS = 24
_LIMIT = 2.0**62


def encode(values: np.ndarray, frac_bits: int = FRAC_BITS) -> np.ndarray:
    """Fixed-point encoding: round(v · 2^frac_bits) as two's-complement uint64."""
    v = np.asarray(values, dtype=np.float64).ravel() * (2.0**frac_bits)
    if not np.all(np.isfinite(v)) or np.any(np.abs(v) >= _LIMIT):
        raise BadInput("a value is too large (or not finite) for fixed-point secure aggregation")
    return np.rint(v).astype(np.int64).view(np.uint64)


def decode(values: np.ndarray, frac_bits: int = FRAC_BITS) -> np.ndarray:
    """Inverse of :func:`encode` on a (summed) uint64 vector."""
    return np.asarray(values, dtype=np.uint64).view(np.int64).astype(np.float64) / (2.0**frac_bits)


def _hkdf(secret: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


def prg(key: bytes, length: int) -> np.ndarray:
    """``length`` pseudo-random uint64 values: the ChaCha20 keystream of ``key`` (zero nonce; keys are single-use)."""
    enc = Cipher(algorithms.ChaCha20(key, b"\x00" * 16), mode=None).encryptor()
    return np.frombuffer(enc.update(b"\x00" * (8 * length)), dtype=np.uint64).copy()


class Participant:
    """One bank's side of secure aggregation: its key pair, its pair seeds, its masking."""

    def __init__(self, index: int, session_id: bytes):
        self.index = index
        self.session_id = session_id
        self._key = X25519PrivateKey.generate()
        self._seeds: dict[int, bytes] = {}

    @property
    def public_key(self) -> bytes:
        """Raw 32-byte X25519 public key, published through the coordinator."""
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def agree(self, public_keys: dict[int, bytes]) -> None:
        """Derive a pair seed with every other participant from their public keys."""
        for j, pub in public_keys.items():
            if j == self.index:
                continue
            shared = self._key.exchange(X25519PublicKey.from_public_bytes(pub))
            lo, hi = sorted((self.index, j))
            self._seeds[j] = _hkdf(shared, self.session_id, f"portal-secagg/pair/{lo}/{hi}".encode())

    def round_key(self, other: int, round_id: int) -> bytes:
        """The round key shared with ``other`` (revealed only when ``other`` dropped out of that round)."""
        return _hkdf(self._seeds[other], b"", f"portal-secagg/round/{round_id}".encode())

    def mask(self, vector: np.ndarray, round_id: int, peers: Sequence[int]) -> np.ndarray:
        """``vector`` (uint64) plus the pairwise masks with every peer in the round's roster."""
        out = np.asarray(vector, dtype=np.uint64).copy()
        for j in peers:
            if j == self.index:
                continue
            m = prg(self.round_key(j, round_id), out.size)
            out = out + m if self.index < j else out - m
        return out


class Coordinator:
    """Collects masked vectors and returns only their sum; handles one or more drop-outs per round."""

    def __init__(self, participants: Sequence[Participant]):
        self.participants = {p.index: p for p in participants}
        keys = {p.index: p.public_key for p in participants}
        for p in participants:
            p.agree(keys)
        self.round_id = 0
        self.dropped: dict[int, set[int]] = {}
        self.transcript: list[dict] = []

    def aggregate(self, contributions: dict[int, Callable[[], np.ndarray] | None], frac_bits: int = FRAC_BITS,
                  keep_transcript: bool = False) -> np.ndarray:
        """One round: each participant's vector is masked by its owner; ``None`` marks a drop-out.

        ``contributions`` maps every participant to a function computing its plain vector (run on the owner's side)
        or to None when that participant does not answer this round.
        """
        self.round_id += 1
        r = self.round_id
        roster = sorted(self.participants)
        masked: dict[int, np.ndarray] = {}
        for i in roster:
            fn = contributions.get(i)
            if fn is not None:
                masked[i] = self.participants[i].mask(encode(fn(), frac_bits), r, roster)
        survivors = sorted(masked)
        if len(survivors) < 2:
            raise Conflict(f"secure aggregation round {r} needs at least two participants, {len(survivors)} answered")
        lengths = {v.size for v in masked.values()}
        if len(lengths) != 1:
            raise BadInput(f"secure aggregation round {r}: participants sent vectors of different lengths")
        total = np.zeros(lengths.pop(), dtype=np.uint64)
        for v in masked.values():
            total = total + v
        dropped = set(roster) - set(survivors)
        self.dropped[r] = dropped
        for d in dropped:
            for i in survivors:
                m = prg(self.participants[i].round_key(d, r), total.size)  # revealed by survivor i
                total = total - m if i < d else total + m
        if keep_transcript:
            self.transcript.append({"round": r, "masked": masked, "dropped": sorted(dropped)})
        return decode(total, frac_bits)

    def late_vector(self, index: int, round_id: int) -> None:
        """A vector arriving after its sender was declared dropped: always refused (its round keys were revealed)."""
        if index in self.dropped.get(round_id, set()):
            raise Conflict(f"participant {index} was declared dropped in round {round_id}; its vector is refused")
        raise Conflict(f"round {round_id} is closed")


def new_session(n: int, session_id: bytes | None = None) -> Coordinator:
    """A coordinator with ``n`` freshly keyed participants (indices 0..n−1)."""
    import secrets

    sid = session_id or secrets.token_bytes(16)
    return Coordinator([Participant(i, sid) for i in range(n)])
