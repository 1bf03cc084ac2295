"""Recordings over HTTP: upload by the working agency, streaming only to those ACCESS.md allows (every stream
logged), idempotency by sha256, content checks, encryption at rest, tamper detection and master-key rotation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from audit_samples import bearer, mp3, ogg, wav
from sqlalchemy import func, select

from portal.core.crypto import Keyring
from portal.core.keys import rewrap_all
from portal.core.models import ActivityLog
from portal.services.audit.models import Recording
from tests.conftest import sign_in


def _upload(client, token, attempt, data, name="call.wav"):
    return client.post("/audit/recordings", headers=bearer(token),
                       data={"attempt": attempt, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _streams(app) -> int:
    with app.extensions["db"].unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(ActivityLog)
                        .where(ActivityLog.action == "audit.recording.stream"))


def test_only_creditor_working_agency_and_regulator_stream(client, world, tokens, app):
    audio = wav(1.0)
    resp = _upload(client, tokens["agency-a"], "a1", audio)
    assert resp.status_code == 201, resp.get_json()
    rec = resp.get_json()["recording"]
    assert (rec["format"], rec["durationMs"], rec["sizeBytes"]) == ("wav", 1000, len(audio))
    url = f"/audit/recordings/{rec['id']}/audio"
    for code in ("agency-b", "bank-b", "bank-c", "mediator", "tracer"):
        r = client.get(url, headers=bearer(tokens[code]))
        assert r.status_code == 403, (code, r.status_code)
    for code in ("bank-a", "regulator", "agency-a"):
        r = client.get(url, headers=bearer(tokens[code]))
        assert r.status_code == 200 and r.data == audio and r.mimetype == "audio/wav", code
    assert client.get(f"/audit/attempts/{world.attempts['a1']}/recording",
                      headers=bearer(tokens["bank-a"])).data == audio
    assert client.get(url).status_code == 401
    assert _streams(app) == 4  # every allowed stream, and only those, is in the activity log
    world.end_assignment("A")  # the agency no longer works the debt
    assert client.get(url, headers=bearer(tokens["agency-a"])).status_code == 403
    assert client.get(url, headers=bearer(tokens["bank-a"])).status_code == 200


def test_upload_is_for_the_agency_working_the_debt(client, world, tokens):
    audio = wav(0.2)
    assert _upload(client, tokens["agency-b"], world.attempts["a1"], audio).status_code == 403
    assert _upload(client, tokens["bank-a"], world.attempts["a1"], audio).status_code == 403
    assert _upload(client, tokens["agency-a"], "no-such-key", audio).status_code == 404
    world.end_assignment("A")
    r = _upload(client, tokens["agency-a"], "a1", audio)
    assert r.status_code == 403 and "assigned" in r.get_json()["error"]


def test_same_bytes_twice_is_a_no_op_different_bytes_conflict(client, world, tokens, app):
    audio = mp3(30)
    first = _upload(client, tokens["agency-a"], "a1", audio, "x.mp3")
    again = _upload(client, tokens["agency-a"], "a1", audio, "renamed.bin")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["created"] is False and again.get_json()["recording"]["id"] == first.get_json()[
        "recording"]["id"]
    other = _upload(client, tokens["agency-a"], "a1", ogg("opus"), "x.ogg")
    assert other.status_code == 409 and other.get_json()["code"] == "CONFLICT"
    with app.extensions["db"].unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Recording)) == 1
    blobs = [p for p in Path(app.config["SETTINGS"].var_dir, "recordings").rglob("*") if p.is_file()]
    assert len(blobs) == 1  # the refused upload left no blob behind


@pytest.mark.parametrize("data, message", [
    (b"%PDF-1.4 definitely not audio " * 20, "not a WAV, MP3 or Ogg"),
    (wav(1.0)[:30], "truncated"),
    (wav(1.0)[:4000], "truncated"),
])
def test_corrupt_audio_is_refused_by_content(client, world, tokens, app, data, message):
    r = _upload(client, tokens["agency-a"], "a1", data, "call.wav")
    assert r.status_code == 400 and message in r.get_json()["error"], r.get_json()
    assert not any(p.is_file() for p in Path(app.config["SETTINGS"].var_dir, "recordings").rglob("*"))


def test_raw_body_upload_and_encryption_at_rest_and_tamper(client, world, tokens, app):
    audio = wav(2.0, freq=1234.5)
    r = client.post(f"/audit/recordings?attempt={world.attempts['a1']}", data=audio,
                    headers={**bearer(tokens["agency-a"]), "Content-Type": "audio/wav"})
    assert r.status_code == 201
    with app.extensions["db"].unit_of_work() as s:
        rec = s.scalar(select(Recording))
        path = Path(app.config["SETTINGS"].var_dir, "recordings", rec.blob_key)
    stored = path.read_bytes()
    assert audio[1000:1064] not in stored and b"RIFF" not in stored and b"WAVE" not in stored
    assert len(stored) == rec.stored_bytes > len(audio)
    tampered = bytearray(stored)
    tampered[100] ^= 0x01
    path.write_bytes(bytes(tampered))
    bad = client.get(f"/audit/recordings/{rec.id}/audio", headers=bearer(tokens["bank-a"]))
    assert bad.status_code == 500 and "integrity" in bad.get_json()["error"]
    path.write_bytes(stored)
    assert client.get(f"/audit/recordings/{rec.id}/audio", headers=bearer(tokens["bank-a"])).data == audio


def test_master_key_rotation_keeps_recordings_readable(client, world, tokens, app):
    audio = wav(0.5)
    rid = _upload(client, tokens["agency-a"], "a1", audio).get_json()["recording"]["id"]
    old: Keyring = app.extensions["keyring"]
    rotated, kid = old.with_new_master()
    with app.extensions["db"].unit_of_work() as s:
        assert rewrap_all(s, rotated) >= 1
    only_new = Keyring({kid: rotated._keys[kid]}, kid, rotated._lookup)  # the old master key is gone
    app.extensions["keyring"] = only_new
    r = client.get(f"/audit/recordings/{rid}/audio", headers=bearer(tokens["regulator"]))
    assert r.status_code == 200 and r.data == audio


def test_upload_page_with_browser_session_and_csrf(client, world, region):
    token = sign_in(client, region["agency-a"]["email"])
    page = client.get("/audit/upload")
    assert page.status_code == 200 and 'id="recording-form"' in page.get_data(as_text=True)
    form = {"attempt": "a1", "page": "1", "file": (io.BytesIO(wav(0.3)), "call.wav")}
    refused = client.post("/audit/recordings", data=form, content_type="multipart/form-data")
    assert refused.status_code == 403  # no CSRF token
    form = {"attempt": "a1", "page": "1", "csrf_token": token, "file": (io.BytesIO(wav(0.3)), "call.wav")}
    ok = client.post("/audit/recordings", data=form, content_type="multipart/form-data")
    assert ok.status_code == 201 and 'id="audit-recording"' in ok.get_data(as_text=True)
    form = {"attempt": "a1", "page": "1", "csrf_token": token, "file": (io.BytesIO(b"not audio" * 9), "x.wav")}
    bad = client.post("/audit/recordings", data=form, content_type="multipart/form-data")
    assert bad.status_code == 400 and 'id="audit-error"' in bad.get_data(as_text=True)
