"""Segmented AES-256-GCM (tamper, truncation, reordering detected) and the blob stores (local; S3 against a fake)."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from portal.core.crypto import CryptoError
from portal.core.errors import NotFound
from portal.services.audit.storage import (
    MAGIC,
    S3_MIN_PART,
    LocalBlobStore,
    S3BlobStore,
    decrypt_segments,
    encrypt_segments,
)

DEK = bytes(range(32))
SEG = 64


def _seal(data: bytes, uid: str = "u1", chunk: int = 50) -> bytes:
    return b"".join(encrypt_segments(DEK, uid, (data[i:i + chunk] for i in range(0, len(data), chunk)), SEG))


def _open(blob: bytes, uid: str = "u1") -> bytes:
    return b"".join(decrypt_segments(DEK, uid, [blob[i:i + 33] for i in range(0, len(blob), 33)]))


@pytest.mark.parametrize("size", [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG, 10 * SEG + 7])
def test_round_trip_every_boundary(size):
    data = os.urandom(size)
    blob = _seal(data)
    assert blob.startswith(MAGIC)
    assert _open(blob) == data


def test_ciphertext_hides_plaintext_and_alterations_fail():
    data = b"SECRET-AUDIO-" * 40
    blob = _seal(data)
    assert b"SECRET-AUDIO" not in blob
    record = 12 + SEG + 16
    for mutate in (
        lambda b: b[:20] + bytes([b[20] ^ 1]) + b[21:],  # flipped bit
        lambda b: b[: 8 + 2 * record],  # truncated at a segment boundary (final flag missing)
        lambda b: b[:-5],  # truncated inside the last record
        lambda b: b[:8] + b[8 + record: 8 + 2 * record] + b[8: 8 + record] + b[8 + 2 * record:],  # reordered
        lambda b: b + b[8: 8 + record],  # a segment appended
    ):
        with pytest.raises(CryptoError):
            _open(mutate(blob))
    with pytest.raises(CryptoError):
        _open(blob, uid="another-recording")


def test_local_store(tmp_path):
    store = LocalBlobStore(tmp_path)
    assert store.put("recordings/1/ab/x.pra", [b"abc", b"def"]) == 6
    assert b"".join(store.get("recordings/1/ab/x.pra")) == b"abcdef"
    assert store.exists("recordings/1/ab/x.pra")
    store.delete("recordings/1/ab/x.pra")
    with pytest.raises(NotFound):
        store.get("recordings/1/ab/x.pra")
    with pytest.raises(Exception, match="invalid blob key"):
        store.put("../escape", [b"x"])


class FakeS3:
    """In-process stand-in for the few S3 calls S3BlobStore uses (boto3's names); enforces the 5 MiB part minimum."""

    def __init__(self):
        self.objects: dict[tuple[str, str], bytes] = {}
        self.uploads: dict[str, dict] = {}
        self.calls: list[str] = []

    def put_object(self, *, Bucket, Key, Body):  # noqa: N803
        self.calls.append("put_object")
        self.objects[(Bucket, Key)] = bytes(Body)

    def create_multipart_upload(self, *, Bucket, Key):  # noqa: N803
        self.calls.append("create_multipart_upload")
        uid = f"up{len(self.uploads)}"
        self.uploads[uid] = {"key": (Bucket, Key), "parts": {}}
        return {"UploadId": uid}

    def upload_part(self, *, Bucket, Key, UploadId, PartNumber, Body):  # noqa: N803
        self.calls.append("upload_part")
        self.uploads[UploadId]["parts"][PartNumber] = bytes(Body)
        return {"ETag": hashlib.md5(Body).hexdigest()}  # noqa: S324 - S3's ETag

    def complete_multipart_upload(self, *, Bucket, Key, UploadId, MultipartUpload):  # noqa: N803
        self.calls.append("complete_multipart_upload")
        up = self.uploads.pop(UploadId)
        numbers = [p["PartNumber"] for p in MultipartUpload["Parts"]]
        parts = [up["parts"][n] for n in numbers]
        assert all(len(p) >= S3_MIN_PART for p in parts[:-1]), "EntityTooSmall"
        self.objects[up["key"]] = b"".join(parts)

    def abort_multipart_upload(self, *, Bucket, Key, UploadId):  # noqa: N803
        self.calls.append("abort_multipart_upload")
        self.uploads.pop(UploadId, None)

    def get_object(self, *, Bucket, Key):  # noqa: N803
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

    def delete_object(self, *, Bucket, Key):  # noqa: N803
        self.objects.pop((Bucket, Key), None)

    def head_object(self, *, Bucket, Key):  # noqa: N803
        return {"ContentLength": len(self.objects[(Bucket, Key)])}


def test_s3_store_small_and_multipart_against_fake():
    fake = FakeS3()
    store = S3BlobStore(fake, "recordings-bucket", prefix="portal")
    store.put("a/small.pra", [b"x" * 1000])
    assert fake.calls == ["put_object"] and fake.objects[("recordings-bucket", "portal/a/small.pra")] == b"x" * 1000
    big = os.urandom(S3_MIN_PART * 2 + 12345)
    assert store.put("a/big.pra", (big[i:i + 1_000_000] for i in range(0, len(big), 1_000_000))) == len(big)
    assert fake.calls.count("upload_part") == 3 and "complete_multipart_upload" in fake.calls
    assert b"".join(store.get("a/big.pra")) == big
    assert store.exists("a/big.pra") and not store.exists("a/none.pra")
    with pytest.raises(NotFound):
        store.get("a/none.pra")
    store.delete("a/big.pra")
    assert not store.exists("a/big.pra")


def test_s3_store_aborts_a_failed_upload():
    fake = FakeS3()
    store = S3BlobStore(fake, "b")

    def chunks():
        yield os.urandom(S3_MIN_PART + 10)
        raise ValueError("client went away")

    with pytest.raises(ValueError):
        store.put("x.pra", chunks())
    assert "abort_multipart_upload" in fake.calls and not fake.uploads and not fake.objects


def test_sealed_recording_through_s3(tmp_path):
    fake = FakeS3()
    store = S3BlobStore(fake, "b")
    data = os.urandom(3 * 1024 * 1024 + 5)
    store.put("r.pra", encrypt_segments(DEK, "rid", iter([data])))
    assert b"".join(decrypt_segments(DEK, "rid", store.get("r.pra"))) == data
