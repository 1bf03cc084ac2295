"""Audit over HTTP (blueprint ``audit``, under ``/audit``): recording upload and streaming (with HTTP ranges),
transcript batches, the real-time monitor and the upload page; the auditors' review pages are in ``review_views``.

Authentication: ``Authorization: Bearer <token>``, or the browser session — then every POST needs the CSRF token
(``X-CSRFToken`` header, or the form's ``csrf_token``). Errors answer JSON ``{"error", "code"}`` with the domain
error's status (the page's own forms get the page back with the message). Bodies above ``max_upload_mb`` get 413
from Flask; a recording above the per-recording limit (``audit_recording_max_mb``, default 48) gets 400.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from flask_login import login_required
from flask_wtf.csrf import generate_csrf

from portal.core.errors import BadInput, PortalError
from portal.core.runtime import keyring, request_session, settings
from portal.services.audit import operations
from portal.services.audit.ranges import content_range, parse_range
from portal.services.audit.review_views import reviews
from portal.services.audit.storage import blob_store
from portal.services.audit.webauth import request_principal as _principal

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")
bp.register_blueprint(reviews)  # the auditors' review pages, /audit/reviews (review_views.py)
log = logging.getLogger("portal.audit")
READ = 256 * 1024
DEFAULT_RECORDING_MAX_MB = 48


@bp.record_once
def _exempt_from_global_csrf(state: Any) -> None:
    """Bearer-token clients send no CSRF token: the views check it themselves for browser sessions."""
    state.app.extensions["csrf"].exempt(bp)


def recording_limit() -> int:
    """The per-recording size limit in bytes (``audit_recording_max_mb`` or PORTAL_AUDIT_RECORDING_MAX_MB)."""
    cfg = settings()
    raw = cfg.extra.get("audit_recording_max_mb") or os.environ.get("PORTAL_AUDIT_RECORDING_MAX_MB")
    try:
        mb = float(raw) if raw else DEFAULT_RECORDING_MAX_MB
    except ValueError:
        raise BadInput(f"audit_recording_max_mb={raw!r} is not a number") from None
    return int(mb * 1024 * 1024)


def _body() -> tuple[Iterator[bytes], str | None]:
    """The uploaded file as chunks: the multipart field ``file``, else the raw request body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise BadInput("attach the file in the form field 'file'", field="file")
        return iter(lambda: upload.stream.read(READ), b""), upload.filename
    stream = request.stream
    return iter(lambda: stream.read(READ), b""), None


def _lines() -> tuple[Iterator[bytes], str | None]:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise BadInput("attach the JSONL file in the form field 'file'", field="file")
        return iter(upload.stream.readline, b""), upload.filename
    return iter(request.stream.readline, b""), None


def _from_page() -> bool:
    return request.mimetype == "multipart/form-data" and request.form.get("page") == "1"


def _page(status: int = 200, **result: Any):
    return render_template("audit/upload.html", csrf=generate_csrf(), **result), status


def _recording_json(rec) -> dict:
    return {"id": rec.id, "attemptId": rec.attempt_id, "format": rec.format, "mime": rec.mime, "codec": rec.codec,
            "channels": rec.channels, "sampleRate": rec.sample_rate, "durationMs": rec.duration_ms,
            "sizeBytes": rec.size_bytes, "sha256": rec.sha256, "uploadedAt": rec.uploaded_at.isoformat()}


@bp.get("/upload")
@login_required
def upload_page():
    """The upload page: a call's recording, and a JSONL file of transcripts."""
    return _page()


@bp.post("/recordings")
def upload_recording():
    """Upload one attempt's recording (``attempt`` = id or client key, as a form field or query parameter)."""
    page = False
    try:
        principal = _principal(write=True)
        page = _from_page()
        attempt = request.form.get("attempt") if request.mimetype == "multipart/form-data" else None
        attempt = attempt or request.args.get("attempt")
        chunks, _name = _body()
        session = request_session(principal.institution_id)
        result = operations.upload_recording(principal, attempt, chunks, keyring=keyring(),
                                             store=blob_store(settings()), max_bytes=recording_limit(),
                                             session=session)
        session.commit()
    except PortalError as exc:
        if page:
            return _page(exc.http_status, error=exc.message)
        raise
    if page:
        return _page(201 if result.created else 200, recording=_recording_json(result.recording),
                     created=result.created)
    return jsonify({"recording": _recording_json(result.recording), "created": result.created}), (
        201 if result.created else 200)


def _stream(**ref: int) -> Response:
    """The recording, whole (200) or one byte range (206; 416 when unsatisfiable). Access check and activity row are
    the same for both: the operation decides and logs before a byte is read. ``If-Range`` is not consulted: a
    recording never changes once stored (a different upload is a CONFLICT), so any range is of the same bytes."""
    principal = _principal(write=False)
    session = request_session(principal.institution_id)
    opened = operations.open_recording(principal, keyring=keyring(), store=blob_store(settings()), session=session,
                                       byte_range=parse_range(request.headers.get("Range")), **ref)
    session.commit()  # the activity row is written before the first byte leaves
    rec = opened.recording
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, no-store",
               "Content-Disposition": f'inline; filename="attempt-{rec.attempt_id}.{rec.format}"',
               "X-Content-SHA256": rec.sha256}
    if opened.unsatisfiable:
        headers["Content-Range"] = f"bytes */{rec.size_bytes}"
        return Response(b"", status=416, headers=headers)
    status, length = 200, rec.size_bytes
    if opened.span is not None:
        start, end = opened.span
        status, length = 206, end - start
        headers["Content-Range"] = content_range(start, end, rec.size_bytes)
    headers["Content-Length"] = str(length)
    return Response(opened.chunks, status=status, mimetype=rec.mime, headers=headers, direct_passthrough=True)


@bp.get("/recordings/<int:recording_id>/audio")
def stream_recording(recording_id: int) -> Response:
    """Stream a recording's audio to those allowed, whole or one ``Range`` (every stream is in the activity log)."""
    return _stream(recording_id=recording_id)


@bp.get("/attempts/<int:attempt_id>/recording")
def stream_attempt_recording(attempt_id: int) -> Response:
    """Stream the recording of a contact attempt."""
    return _stream(attempt_id=attempt_id)


@bp.post("/transcripts/batch")
def upload_transcripts():
    """Upload a JSONL file of transcripts: good lines stored (and scanned by workers), bad ones reported."""
    page = False
    try:
        principal = _principal(write=True)
        page = _from_page()
        lines, name = _lines()
        session = request_session(principal.institution_id)
        result = operations.upload_batch(principal, lines, filename=name, keyring=keyring(), session=session)
        session.commit()
    except PortalError as exc:
        if page:
            return _page(exc.http_status, error=exc.message)
        raise
    queued = True
    try:
        from portal.services.audit.tasks import dispatch_scan

        dispatch_scan(principal.institution_id, result.batch.id, result.chunks(), principal.user_id)
    except Exception:  # broker down: the batch stays "scanning"; audit.rescan_batch recovers it
        log.exception("could not queue the scan of transcript batch %s", result.batch.id)
        queued = False
    b = result.batch
    body = {"batch": b.id, "lines": b.lines_total, "stored": b.lines_stored, "unchanged": b.lines_unchanged,
            "refused": b.errors, "refusedCount": b.lines_bad, "chunks": b.chunks_total, "status": b.status,
            "scanQueued": queued}
    if page:
        return _page(200, batch=body)
    return jsonify(body), 200


@bp.post("/realtime")
def realtime():
    """Findings in one utterance of a live call: JSON ``{attempt, language, speaker, text}``."""
    started = time.perf_counter()
    principal = _principal(write=True)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise BadInput("body must be a JSON object {attempt, language, speaker, text}")
    session = request_session(principal.institution_id)
    found = operations.realtime(principal, payload.get("attempt"), payload.get("language"), payload.get("speaker"),
                                payload.get("text"), session=session)
    session.rollback()  # nothing is written
    return jsonify({"attempt": payload.get("attempt"), "findings": [f.as_dict() for f in found],
                    "ms": round((time.perf_counter() - started) * 1000, 3)})
