"""Where recordings live, and how they are sealed: blob stores plus segmented AES-256-GCM.

**Segmented encryption** (the STREAM construction): the plaintext is cut into ``SEGMENT`` (1 MiB) pieces, each sealed
with AES-256-GCM under the institution's data key with its own random 96-bit nonce and the associated data
``audit.recording:<uid>`` ‖ segment index (8 bytes) ‖ final flag (1 byte). The last segment carries the flag (an
empty one only for an empty plaintext), so reordering, dropping or appending
segments, truncating the blob or moving it to another recording all fail authentication. Memory stays at one segment
whichever the size of the file. Blob layout: ``b"PRA1"`` ‖ segment size (4 bytes, big-endian) ‖ records of
``nonce (12) ‖ ciphertext+tag (len+16)``.

**Blob stores**: the :class:`BlobStore` protocol (``put`` from an iterator of byte chunks, ``get`` as an iterator,
``delete``, ``exists``). :class:`LocalBlobStore` writes under ``var_dir/recordings`` (atomically, via a temporary file
and rename); :class:`S3BlobStore` speaks to any client with the few S3 calls it uses (``put_object``,
``create_multipart_upload``, ``upload_part``, ``complete_multipart_upload``, ``abort_multipart_upload``,
``get_object`` (with ``Range`` for byte ranges), ``delete_object``, ``head_object`` — boto3's names and keyword
arguments), with parts of at least 5 MiB as S3 requires.

**Byte ranges** (:func:`decrypt_range`): the record of segment *i* starts at ``8 + i·(12 + segment + 16)``, so a range
of the plaintext is served by reading (``get_range`` of the store, when it has one) and decrypting only the segments
that overlap it. No S3 service exists here: the S3 store is tested against an in-process fake of those calls.
"""

from __future__ import annotations

import os
import secrets
import struct
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.core.crypto import NONCE_BYTES, CryptoError
from portal.core.errors import BadInput, NotFound

MAGIC = b"PRA1"
SEGMENT = 1024 * 1024
TAG = 16
S3_MIN_PART = 5 * 1024 * 1024
READ_CHUNK = 256 * 1024


# -- segmented encryption ---------------------------------------------------------------------------------------------
def segment_aad(uid: str, index: int, final: bool) -> bytes:
    """Associated data of one segment: the recording, the segment's position and whether it is the last."""
    return b"audit.recording:" + uid.encode() + struct.pack(">QB", index, 1 if final else 0)


def encrypt_segments(dek: bytes, uid: str, chunks: Iterable[bytes], segment: int = SEGMENT) -> Iterator[bytes]:
    """Yield the sealed blob of the plaintext ``chunks``: a header, then one record per segment (bounded memory)."""
    aead = AESGCM(dek)
    yield MAGIC + struct.pack(">I", segment)
    buf = bytearray()
    index = 0
    for chunk in chunks:
        buf += chunk
        while len(buf) > segment:  # keep at least one byte back: only the last segment may be final
            piece = bytes(buf[:segment])
            del buf[:segment]
            nonce = secrets.token_bytes(NONCE_BYTES)
            yield nonce + aead.encrypt(nonce, piece, segment_aad(uid, index, False))
            index += 1
    nonce = secrets.token_bytes(NONCE_BYTES)
    yield nonce + aead.encrypt(nonce, bytes(buf), segment_aad(uid, index, True))


def decrypt_segments(dek: bytes, uid: str, blob: Iterable[bytes]) -> Iterator[bytes]:
    """Yield the plaintext of a sealed blob segment by segment; CryptoError on any alteration or truncation."""
    aead = AESGCM(dek)
    reader = _Reader(iter(blob))
    segment = _segment_size(reader.read(8))
    record = NONCE_BYTES + segment + TAG
    index = 0
    current = reader.read(record)
    while True:
        if len(current) < NONCE_BYTES + TAG:
            raise CryptoError("recording blob is truncated")
        following = reader.read(record) if len(current) == record else b""
        final = not following
        plain = _open_segment(aead, uid, index, final, current)
        if plain:
            yield plain
        if final:
            return
        current, index = following, index + 1


def _segment_size(header: bytes) -> int:
    """The segment size a blob's 8-byte header declares; CryptoError when the header is not ours or the size absurd."""
    if len(header) < 8 or header[:4] != MAGIC:
        raise CryptoError("recording blob has no valid header")
    segment = struct.unpack(">I", header[4:])[0]
    if not 0 < segment <= 64 * SEGMENT:
        raise CryptoError("recording blob declares an invalid segment size")
    return segment


def _open_segment(aead: AESGCM, uid: str, index: int, final: bool, record: bytes) -> bytes:
    """Decrypt one record (nonce + ciphertext + tag) bound to its index and final flag."""
    try:
        return aead.decrypt(record[:NONCE_BYTES], record[NONCE_BYTES:], segment_aad(uid, index, final))
    except Exception as exc:  # InvalidTag
        raise CryptoError(f"recording segment {index} failed to authenticate") from exc


def decrypt_range(dek: bytes, uid: str, store: BlobStore, key: str, size: int, start: int, end: int) -> Iterator[bytes]:
    """Yield plaintext bytes ``[start, end)`` of the sealed blob ``key`` (``size`` plaintext bytes), reading and
    decrypting only the segments that overlap the range; each one still authenticates with its index and final flag,
    so a blob that does not hold exactly ``size`` bytes fails (CryptoError) like a tampered one."""
    if not 0 <= start < end <= size:
        raise ValueError(f"range [{start}, {end}) is not within 0..{size}")
    segment = _segment_size(b"".join(read_range(store, key, 0, 8)))
    aead, record = AESGCM(dek), NONCE_BYTES + segment + TAG
    count = max(1, -(-size // segment))
    first, last = start // segment, (end - 1) // segment
    tail = NONCE_BYTES + (size - (count - 1) * segment) + TAG  # the final record is shorter
    reader = _Reader(read_range(store, key, 8 + first * record, 8 + last * record + (
        tail if last == count - 1 else record)))
    for index in range(first, last + 1):
        final = index == count - 1
        current = reader.read(tail if final else record)
        if len(current) < (tail if final else record):
            raise CryptoError("recording blob is truncated")
        plain = _open_segment(aead, uid, index, final, current)
        base = index * segment
        yield plain[max(start - base, 0):min(end - base, len(plain))]


def read_range(store: BlobStore, key: str, start: int, end: int) -> Iterator[bytes]:
    """Stored bytes ``[start, end)`` of ``key``: the store's ``get_range`` when it has one, else its full ``get``
    with the bytes outside the range skipped (read, never decrypted)."""
    ranged = getattr(store, "get_range", None)
    if ranged is not None:
        return ranged(key, start, end)
    return _slice(store.get(key), start, end)


def _slice(chunks: Iterator[bytes], start: int, end: int) -> Iterator[bytes]:
    pos = 0
    for chunk in chunks:
        lo, hi = max(start - pos, 0), min(end - pos, len(chunk))
        pos += len(chunk)
        if lo < hi:
            yield chunk[lo:hi]
        if pos >= end:
            return


class _Reader:
    """Exact-size reads over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.buf = bytearray()

    def read(self, n: int) -> bytes:
        while len(self.buf) < n:
            nxt = next(self.chunks, None)
            if nxt is None:
                break
            self.buf += nxt
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


# -- blob stores ------------------------------------------------------------------------------------------------------
class BlobStore(Protocol):
    """Where sealed blobs are kept; keys are relative paths like ``recordings/12/ab12….pra``. A store may also offer
    ``get_range(key, start, end)`` (bytes ``[start, end)``); :func:`read_range` falls back to ``get`` without it."""

    name: str

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        """Store the concatenation of ``chunks`` under ``key``; returns its size."""

    def get(self, key: str) -> Iterator[bytes]:
        """The stored bytes, in chunks; NotFound when absent."""

    def delete(self, key: str) -> None:
        """Remove ``key`` (no error when absent)."""

    def exists(self, key: str) -> bool:
        """Whether ``key`` is stored."""


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise BadInput(f"invalid blob key {key!r}")
    return key


class LocalBlobStore:
    """Blobs as files under ``root`` (default ``var_dir/recordings``); writes are atomic (temporary file, rename)."""

    name = "local"

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        """Write to a temporary file beside the target, fsync, rename."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        size = 0
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
                    size += len(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return size

    def get(self, key: str) -> Iterator[bytes]:
        """Read the file in chunks."""
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"recording blob {key} is missing from the store")
        fh = path.open("rb")

        def chunks() -> Iterator[bytes]:
            with fh:
                while block := fh.read(READ_CHUNK):
                    yield block

        return chunks()

    def get_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """Read bytes ``[start, end)`` of the file in chunks (a seek, not a read from the start)."""
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"recording blob {key} is missing from the store")
        fh = path.open("rb")
        fh.seek(start)

        def chunks() -> Iterator[bytes]:
            left = end - start
            with fh:
                while left > 0 and (block := fh.read(min(READ_CHUNK, left))):
                    left -= len(block)
                    yield block

        return chunks()

    def delete(self, key: str) -> None:
        """Unlink the file."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether the file exists."""
        return self._path(key).is_file()


class S3Client(Protocol):
    """The subset of an S3 client (boto3's method names and keyword arguments) that :class:`S3BlobStore` uses."""

    def put_object(self, *, Bucket: str, Key: str, Body: bytes) -> Any: ...  # noqa: N803 - boto3's names
    def create_multipart_upload(self, *, Bucket: str, Key: str) -> dict: ...  # noqa: N803
    def upload_part(self, *, Bucket: str, Key: str, UploadId: str, PartNumber: int, Body: bytes) -> dict: ...  # noqa: N803
    def complete_multipart_upload(self, *, Bucket: str, Key: str, UploadId: str, MultipartUpload: dict) -> Any: ...  # noqa: N803
    def abort_multipart_upload(self, *, Bucket: str, Key: str, UploadId: str) -> Any: ...  # noqa: N803
    def get_object(self, *, Bucket: str, Key: str, Range: str = ...) -> dict: ...  # noqa: N803 - Range optional
    def delete_object(self, *, Bucket: str, Key: str) -> Any: ...  # noqa: N803
    def head_object(self, *, Bucket: str, Key: str) -> dict: ...  # noqa: N803


class S3BlobStore:
    """Blobs in an S3-compatible bucket: one ``put_object`` below 5 MiB, a multipart upload above (bounded memory)."""

    name = "s3"

    def __init__(self, client: S3Client, bucket: str, prefix: str = "", part_size: int = S3_MIN_PART):
        if part_size < S3_MIN_PART:
            raise BadInput(f"S3 parts must be at least {S3_MIN_PART} bytes")
        self.client, self.bucket, self.prefix, self.part_size = client, bucket, prefix.strip("/"), part_size

    def _key(self, key: str) -> str:
        _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        """Buffer up to one part; upload parts as they fill; abort the multipart upload on any error."""
        k = self._key(key)
        buf = bytearray()
        size = 0
        upload_id: str | None = None
        parts: list[dict] = []
        try:
            for chunk in chunks:
                buf += chunk
                size += len(chunk)
                while len(buf) >= self.part_size + 1:  # keep a remainder so the last part is never empty
                    if upload_id is None:
                        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=k)["UploadId"]
                    self._part(k, upload_id, parts, bytes(buf[: self.part_size]))
                    del buf[: self.part_size]
            if upload_id is None:
                self.client.put_object(Bucket=self.bucket, Key=k, Body=bytes(buf))
                return size
            self._part(k, upload_id, parts, bytes(buf))
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=k, UploadId=upload_id,
                                                  MultipartUpload={"Parts": parts})
            return size
        except BaseException:
            if upload_id is not None:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=k, UploadId=upload_id)
            raise

    def _part(self, key: str, upload_id: str, parts: list[dict], body: bytes) -> None:
        number = len(parts) + 1
        reply = self.client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body)
        parts.append({"PartNumber": number, "ETag": reply["ETag"]})

    def get(self, key: str) -> Iterator[bytes]:
        """Stream the object's body in chunks."""
        return self._body(key)

    def get_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """Stream bytes ``[start, end)`` of the object (``get_object`` with ``Range``, as boto3 takes it)."""
        return self._body(key, Range=f"bytes={start}-{end - 1}")

    def _body(self, key: str, **extra: str) -> Iterator[bytes]:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key), **extra)["Body"]
        except Exception as exc:
            if _missing(exc):
                raise NotFound(f"recording blob {key} is missing from the store") from None
            raise

        def chunks() -> Iterator[bytes]:
            try:
                while block := body.read(READ_CHUNK):
                    yield block
            finally:
                body.close()

        return chunks()

    def delete(self, key: str) -> None:
        """Delete the object."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        """HEAD the object."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except Exception as exc:
            if _missing(exc):
                return False
            raise


def _missing(exc: Exception) -> bool:
    """Whether an S3 client error means 'no such key' (boto3's ClientError codes, or a KeyError from a fake)."""
    if isinstance(exc, KeyError | FileNotFoundError):
        return True
    code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    return code in {"NoSuchKey", "404", "NotFound"}


_STORES: dict[str, BlobStore] = {}


def blob_store(settings: Any) -> BlobStore:
    """The configured store: ``settings.extra['audit_blob_store']`` (a BlobStore object, e.g. an S3BlobStore built
    with a boto3 client by the deployment's wsgi.py), else a LocalBlobStore under ``var_dir/recordings``."""
    configured = (getattr(settings, "extra", None) or {}).get("audit_blob_store")
    if configured is not None:
        return configured
    root = str(Path(settings.var_dir) / "recordings")
    store = _STORES.get(root)
    if store is None:
        store = _STORES[root] = LocalBlobStore(root)
    return store
