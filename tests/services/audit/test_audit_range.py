"""HTTP ranges on recordings: 206 with the exact bytes of the original audio (within a segment, across segment
boundaries, suffix, open-ended), 416 with ``bytes */size``, 200 without a usable Range; the same access checks and one
activity row per request; only the segments overlapping the range are decrypted; tampering still detected."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from audit_samples import bearer, big_wav
from sqlalchemy import select

from portal.core.crypto import CryptoError
from portal.core.models import ActivityLog
from portal.services.audit import storage
from portal.services.audit.models import Recording
from portal.services.audit.ranges import RangeSpec, parse_range
from portal.services.audit.storage import SEGMENT, LocalBlobStore, S3BlobStore, decrypt_range, encrypt_segments

SIZE = 2 * SEGMENT + 300_000  # three segments, the last one short


@pytest.fixture
def recorded(client, world, tokens):
    """A three-segment WAV uploaded by agency-a for attempt a1: (audio bytes, stream URL)."""
    audio = big_wav(SIZE)
    resp = client.post("/audit/recordings", headers=bearer(tokens["agency-a"]),
                       data={"attempt": "a1", "file": (io.BytesIO(audio), "call.wav")},
                       content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    return audio, f"/audit/recordings/{resp.get_json()['recording']['id']}/audio"


def _get(client, url, token, rng=None):
    headers = bearer(token)
    if rng is not None:
        headers["Range"] = rng
    return client.get(url, headers=headers)


def _streams(app) -> list[str]:
    with app.extensions["db"].unit_of_work() as s:
        return list(s.scalars(select(ActivityLog.detail).where(ActivityLog.action == "audit.recording.stream")
                              .order_by(ActivityLog.id)))


@pytest.mark.parametrize("rng, lo, hi", [
    ("bytes=0-99", 0, 100),                                         # the first bytes
    (f"bytes={SEGMENT - 50}-{SEGMENT + 49}", SEGMENT - 50, SEGMENT + 50),  # across the first segment boundary
    (f"bytes=100-{2 * SEGMENT + 100}", 100, 2 * SEGMENT + 101),     # across all three segments
    ("bytes=-500", SIZE - 500, SIZE),                               # suffix
    (f"bytes={2 * SEGMENT + 10}-", 2 * SEGMENT + 10, SIZE),         # open-ended, in the short last segment
    (f"bytes={SIZE - 1}-{SIZE - 1}", SIZE - 1, SIZE),               # the very last byte
    (f"bytes={SIZE - 10}-{SIZE + 1000}", SIZE - 10, SIZE),          # last beyond the end: clamped
    (f"bytes=-{SIZE + 5}", 0, SIZE),                                # suffix longer than the file: all of it
    (" bytes = 5 - 9 ", 5, 10),                                     # whitespace tolerated
])
def test_satisfiable_ranges_answer_206_with_the_original_bytes(client, tokens, recorded, rng, lo, hi):
    audio, url = recorded
    resp = _get(client, url, tokens["regulator"], rng)
    assert resp.status_code == 206, resp.get_data()[:200]
    assert resp.data == audio[lo:hi]
    assert resp.headers["Content-Range"] == f"bytes {lo}-{hi - 1}/{SIZE}"
    assert resp.headers["Content-Length"] == str(hi - lo)
    assert resp.headers["Accept-Ranges"] == "bytes" and resp.mimetype == "audio/wav"


@pytest.mark.parametrize("rng", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}", "bytes=-0"])
def test_unsatisfiable_range_is_416_with_the_size(client, tokens, recorded, rng, app):
    _audio, url = recorded
    resp = _get(client, url, tokens["bank-a"], rng)
    assert resp.status_code == 416
    assert resp.headers["Content-Range"] == f"bytes */{SIZE}" and resp.data == b""
    assert _streams(app)[-1].endswith("range not satisfiable")


@pytest.mark.parametrize("rng", [None, "bytes=0-1,5-6", "items=0-5", "bytes=abc", "bytes=9-3", "bytes=-",
                                 "bytes=" + "9" * 40 + "-"])
def test_without_a_usable_range_the_whole_recording_is_sent(client, tokens, recorded, rng):
    audio, url = recorded
    resp = _get(client, url, tokens["regulator"], rng)
    assert resp.status_code == 200 and resp.data == audio
    assert "Content-Range" not in resp.headers
    assert resp.headers["Accept-Ranges"] == "bytes" and resp.headers["Content-Length"] == str(SIZE)


def test_range_requests_are_checked_and_logged_like_full_streams(client, tokens, recorded, app, world):
    audio, url = recorded
    before = len(_streams(app))
    for code in ("bank-b", "agency-b", "mediator", "tracer"):
        assert _get(client, url, tokens[code], "bytes=0-9").status_code == 403, code
    assert client.get(url, headers={"Range": "bytes=0-9"}).status_code == 401
    assert len(_streams(app)) == before  # refusals stream nothing and log no stream
    assert _get(client, url, tokens["agency-a"], "bytes=0-9").data == audio[:10]
    assert _get(client, url, tokens["bank-a"], f"bytes={SEGMENT}-").data == audio[SEGMENT:]
    assert client.get(f"/audit/attempts/{world.attempts['a1']}/recording",
                      headers={**bearer(tokens["regulator"]), "Range": "bytes=-4"}).data == audio[-4:]
    details = _streams(app)[before:]
    assert details == [f"attempt {world.attempts['a1']}; bytes 0-9/{SIZE}",
                       f"attempt {world.attempts['a1']}; bytes {SEGMENT}-{SIZE - 1}/{SIZE}",
                       f"attempt {world.attempts['a1']}; bytes {SIZE - 4}-{SIZE - 1}/{SIZE}"]
    world.end_assignment("A")
    assert _get(client, url, tokens["agency-a"], "bytes=0-9").status_code == 403


_REAL_AESGCM = storage.AESGCM


class _CountingAESGCM:
    """AESGCM counting the segments it decrypts."""

    calls = 0

    def __init__(self, key):
        self.inner = _REAL_AESGCM(key)

    def decrypt(self, nonce, data, associated_data):
        type(self).calls += 1
        return self.inner.decrypt(nonce, data, associated_data)


@pytest.mark.parametrize("rng, segments", [
    (f"bytes={SEGMENT + 10}-{SEGMENT + 20}", 1), (f"bytes={SEGMENT - 1}-{SEGMENT}", 2), ("bytes=-10", 1),
    ("bytes=0-0", 1), (None, 3),
])
def test_only_the_overlapping_segments_are_decrypted(client, tokens, recorded, monkeypatch, rng, segments):
    audio, url = recorded
    monkeypatch.setattr(storage, "AESGCM", _CountingAESGCM)
    monkeypatch.setattr(_CountingAESGCM, "calls", 0)
    resp = _get(client, url, tokens["regulator"], rng)
    assert resp.status_code in (200, 206) and len(resp.data) > 0
    assert _CountingAESGCM.calls == segments


def test_a_tampered_segment_fails_only_the_ranges_that_read_it(client, tokens, recorded, app):
    audio, url = recorded
    with app.extensions["db"].unit_of_work() as s:
        key = s.scalar(select(Recording.blob_key))
    path = Path(app.config["SETTINGS"].var_dir, "recordings", key)
    blob = bytearray(path.read_bytes())
    blob[-100] ^= 0x01  # inside the last segment's ciphertext
    path.write_bytes(bytes(blob))
    assert _get(client, url, tokens["regulator"], "bytes=0-99").data == audio[:100]
    resp = _get(client, url, tokens["regulator"], "bytes=-100")
    assert resp.status_code == 500 and "integrity" in resp.get_json()["error"]


class _PlainStore:
    """A store with only ``get`` (no ``get_range``): the range is cut from the full blob, still decrypting little."""

    def __init__(self, blob: bytes):
        self.blob = blob

    def get(self, key):
        return iter([self.blob[i:i + 1000] for i in range(0, len(self.blob), 1000)])


class _RangeS3:
    """The S3 calls a ranged read makes (``get_object`` with boto3's ``Range``), recording the ranges asked."""

    def __init__(self, blob: bytes):
        self.blob, self.ranges = blob, []

    def get_object(self, *, Bucket, Key, Range=None):  # noqa: N803
        self.ranges.append(Range)
        lo, hi = (int(x) for x in Range.removeprefix("bytes=").split("-"))
        return {"Body": io.BytesIO(self.blob[lo:hi + 1])}


def test_decrypt_range_on_stores_with_and_without_ranged_reads(tmp_path, keyring):
    dek, uid, segment = b"k" * 32, "u" * 32, 64
    plain = bytes(range(256)) * 3 + b"tail"  # 772 bytes: 13 segments of 64, the last of 4
    blob = b"".join(encrypt_segments(dek, uid, [plain], segment))
    local = LocalBlobStore(tmp_path)
    local.put("r/x.pra", [blob])
    s3 = _RangeS3(blob)
    for store in (_PlainStore(blob), local, S3BlobStore(s3, "bucket")):
        for lo, hi in ((0, 1), (60, 70), (700, 772), (768, 772), (0, 772), (128, 192)):
            assert b"".join(decrypt_range(dek, uid, store, "r/x.pra", len(plain), lo, hi)) == plain[lo:hi]
    assert s3.ranges[:2] == ["bytes=0-7", f"bytes=8-{8 + 92 - 1}"]  # header, then only segment 0's record
    with pytest.raises(CryptoError):  # a wrong size moves the final flag: authentication fails
        b"".join(decrypt_range(dek, uid, local, "r/x.pra", len(plain) + 64, 770, 772))
    with pytest.raises(ValueError):
        b"".join(decrypt_range(dek, uid, local, "r/x.pra", len(plain), 10, 10))


@pytest.mark.parametrize("header, expected", [
    ("bytes=0-499", RangeSpec(0, 499)), ("bytes=500-", RangeSpec(500, None)),
    ("bytes=-200", RangeSpec(None, None, 200)),
    ("BYTES=1-2", RangeSpec(1, 2)), (None, None), ("", None), ("bytes=1-2,4-5", None), ("bytes=2-1", None),
    ("bytes 0-1", None), ("bytes=--1", None), ("bytes=٣-٤", None),
])
def test_parse_range(header, expected):
    assert parse_range(header) == expected


def test_resolve_against_the_size():
    assert RangeSpec(0, 9).resolve(5) == (0, 5)
    assert RangeSpec(5, None).resolve(5) is None
    assert RangeSpec(None, None, 3).resolve(10) == (7, 10)
    assert RangeSpec(None, None, 3).resolve(0) is None
    assert RangeSpec(0, 0).resolve(0) is None
