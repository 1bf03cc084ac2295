"""Recordings: upload (content-checked, sealed in segments, idempotent by sha256), streaming to those allowed (every
stream logged), and recording coverage (connected attempts without a recording are findings of their own)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.activity import record_activity
from portal.core.crypto import CryptoError, Keyring
from portal.core.errors import BadInput, Conflict, NotFound, PortalError
from portal.core.keys import active_data_key, data_key
from portal.core.timeutil import utcnow
from portal.services.audit import policy as _policy  # noqa: F401 - registers the policies
from portal.services.audit.audio import AudioSniffer
from portal.services.audit.models import Recording
from portal.services.audit.operations.common import (
    COVERAGE_KIND,
    COVERAGE_RULE,
    RECORDED_CHANNELS,
    ident,
    institution_id,
    load_attempt,
    period_bounds,
    visible,
    working,
)
from portal.services.audit.ranges import RangeSpec
from portal.services.audit.storage import SEGMENT, BlobStore, decrypt_range, decrypt_segments, encrypt_segments
from portal.services.compliance.models import ContactAttempt

log = logging.getLogger("portal.audit")


@dataclass(frozen=True)
class UploadResult:
    """The recording and whether this upload created it (False: the same bytes were already stored)."""

    recording: Recording
    created: bool


@dataclass
class RecordingStream:
    """A recording allowed to the caller and its plaintext as an iterator of chunks (decrypted as it is read).

    ``span`` is ``(start, end)`` (end exclusive) when a byte range was asked and is satisfiable, ``None`` for the whole
    recording; ``unsatisfiable`` is True when the asked range lies outside the recording (no chunks then)."""

    recording: Recording
    chunks: Iterator[bytes]
    span: tuple[int, int] | None = None
    unsatisfiable: bool = False


def _limited(chunks: Iterable[bytes], limit: int, sniffer: AudioSniffer, digest) -> Iterator[bytes]:
    size = 0
    for chunk in chunks:
        if not chunk:
            continue
        size += len(chunk)
        if size > limit:
            raise BadInput(f"recording is larger than the per-recording limit of {limit // (1024 * 1024)} MB",
                           field="file")
        sniffer.feed(chunk)
        digest.update(chunk)
        yield chunk


@guarded("audit.recording.upload")
def upload_recording(principal: Principal, attempt_ref: object, chunks: Iterable[bytes], *, keyring: Keyring,
                     store: BlobStore, max_bytes: int, session: Session) -> UploadResult:
    """Check the audio by content, seal it under the agency's data key and store it; the same bytes again for the same
    attempt are a no-op, different bytes a CONFLICT."""
    attempt = load_attempt(session, principal, attempt_ref)
    check_access("audit.recording.upload", principal, attempt, working=working(session, principal, attempt))
    if attempt.state != "logged":
        raise BadInput(f"attempt {attempt.id} is {attempt.state}, not logged: only a logged call has a recording")
    sniffer, digest = AudioSniffer(), hashlib.sha256()
    plain = _limited(chunks, max_bytes, sniffer, digest)
    existing = session.scalar(select(Recording).where(Recording.attempt_id == attempt.id))
    if existing is not None:
        for _chunk in plain:
            pass
        sniffer.finish()
        if digest.hexdigest() == existing.sha256:
            return UploadResult(existing, False)
        raise Conflict(f"attempt {attempt.id} already has a different recording (sha256 {existing.sha256[:12]}…)")
    uid = secrets.token_hex(16)
    key_id, dek = active_data_key(session, keyring, attempt.agency_id)
    blob_key = f"recordings/{attempt.agency_id}/{uid[:2]}/{uid}.pra"
    try:
        stored = store.put(blob_key, encrypt_segments(dek, uid, plain))
        info = sniffer.finish()
        recording = Recording(
            uid=uid, attempt_id=attempt.id, agency_id=attempt.agency_id, creditor_id=attempt.creditor_id,
            debt_id=attempt.debt_id, format=info.format, mime=info.mime, codec=info.codec, channels=info.channels,
            sample_rate=info.sample_rate, duration_ms=info.duration_ms, size_bytes=sniffer.size,
            sha256=digest.hexdigest(), key_id=key_id, store=store.name, blob_key=blob_key, stored_bytes=stored,
            uploaded_by=principal.user_id,
        )
        with session.begin_nested():
            session.add(recording)
            session.flush()
    except IntegrityError:
        store.delete(blob_key)
        raise Conflict(f"attempt {attempt.id} received another recording at the same time; retry") from None
    except BaseException:
        store.delete(blob_key)
        raise
    record_activity(session, principal, "audit.recording.upload", object_type="recording", object_id=recording.id,
                    detail=f"attempt {attempt.id}; {info.format}; {sniffer.size} bytes")
    return UploadResult(recording, True)


def _find_recording(session: Session, principal: Principal, recording_id: object, attempt_id: object) -> Recording:
    if recording_id is not None:
        found = session.get(Recording, ident(principal, recording_id, "recording"))
    else:
        found = session.scalar(select(Recording).where(
            Recording.attempt_id == ident(principal, attempt_id, "attemptId")))
    if found is None:
        raise NotFound("recording not found", field="recording")
    return found


@guarded("audit.recording.read")
def recording_info(principal: Principal, *, recording_id: int | None = None, attempt_id: int | None = None,
                   session: Session) -> Recording:
    """A recording's details (format, size, duration, sha256) for those who may stream it."""
    rec = _find_recording(session, principal, recording_id, attempt_id)
    check_access("audit.recording.read", principal, rec, working=working(session, principal, rec))
    return rec


@guarded("audit.recording.read")
def open_recording(principal: Principal, *, recording_id: int | None = None, attempt_id: int | None = None,
                   keyring: Keyring, store: BlobStore, session: Session,
                   byte_range: RangeSpec | None = None) -> RecordingStream:
    """The recording's audio for streaming — all of it, or the bytes of ``byte_range`` (only the segments that
    overlap it are read and decrypted); writes the activity row either way, also for an unsatisfiable range (the
    caller commits before streaming).

    The first segment is decrypted here, so a tampered or missing blob fails before any byte is sent; later
    segments authenticate as they are read (a failure then aborts the stream)."""
    rec = _find_recording(session, principal, recording_id, attempt_id)
    check_access("audit.recording.read", principal, rec, working=working(session, principal, rec))
    span = byte_range.resolve(rec.size_bytes) if byte_range is not None else None
    detail = f"attempt {rec.attempt_id}"
    if byte_range is not None:
        detail += f"; bytes {span[0]}-{span[1] - 1}/{rec.size_bytes}" if span else "; range not satisfiable"
    record_activity(session, principal, "audit.recording.stream", object_type="recording", object_id=rec.id,
                    detail=detail)
    if byte_range is not None and span is None:
        return RecordingStream(rec, iter(()), None, unsatisfiable=True)
    dek = data_key(session, keyring, rec.key_id)
    if span is not None:
        plain = decrypt_range(dek, rec.uid, store, rec.blob_key, rec.size_bytes, *span)
    else:
        plain = _verified(decrypt_segments(dek, rec.uid, store.get(rec.blob_key)), rec)
    try:
        first = next(plain, b"")
    except CryptoError as exc:
        log.error("recording %s failed its integrity check: %s", rec.id, exc)
        raise PortalError(f"recording {rec.id} failed its integrity check") from None
    return RecordingStream(rec, _prepend(first, plain), span)


def _verified(chunks: Iterator[bytes], rec: Recording) -> Iterator[bytes]:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        yield chunk
    if digest.hexdigest() != rec.sha256:
        raise CryptoError(f"recording {rec.id}: plaintext sha256 differs from the one recorded")


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


# -- coverage ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Coverage:
    """Connected attempts that must be recorded, how many are, and the rate (None when there are none)."""

    connected: int
    recorded: int
    rule: str = COVERAGE_RULE
    kind: str = COVERAGE_KIND

    @property
    def missing(self) -> int:
        """Connected attempts without a recording: each one a finding."""
        return self.connected - self.recorded

    @property
    def rate(self) -> float | None:
        """recorded / connected."""
        return self.recorded / self.connected if self.connected else None


def _connected(principal: Principal, session: Session, period_from: date, period_to: date, agency: str | None,
               grace_hours: int):
    start, end = period_bounds(period_from, period_to)
    cutoff = utcnow() - timedelta(hours=max(0, grace_hours))
    conds = [visible(principal, ContactAttempt), ContactAttempt.state == "logged",
             ContactAttempt.outcome == "connected", ContactAttempt.channel.in_(RECORDED_CHANNELS),
             ContactAttempt.started_at >= start, ContactAttempt.started_at < min(end, cutoff)]
    agency_id = institution_id(session, agency)
    if agency_id is not None:
        conds.append(ContactAttempt.agency_id == agency_id)
    return conds


@guarded("audit.coverage.read")
def coverage(principal: Principal, period_from: date, period_to: date, agency: str | None = None, *,
             grace_hours: int = 24, session: Session) -> Coverage:
    """Recording coverage of connected calls/visits in the period (calls newer than ``grace_hours`` not counted yet)."""
    check_access("audit.coverage.read", principal)
    conds = _connected(principal, session, period_from, period_to, agency, grace_hours)
    total, recorded = session.execute(
        select(func.count(ContactAttempt.id), func.count(Recording.id)).select_from(ContactAttempt)
        .outerjoin(Recording, Recording.attempt_id == ContactAttempt.id).where(*conds)).one()
    return Coverage(int(total), int(recorded))


@guarded("audit.coverage.read")
def coverage_gaps(principal: Principal, period_from: date, period_to: date, agency: str | None = None, *,
                  after: int | None, limit: int, grace_hours: int = 24, session: Session) -> Sequence[ContactAttempt]:
    """Connected attempts without a recording (keyset page by attempt id)."""
    check_access("audit.coverage.read", principal)
    conds = _connected(principal, session, period_from, period_to, agency, grace_hours)
    conds.append(~exists().where(Recording.attempt_id == ContactAttempt.id))
    if after is not None:
        conds.append(ContactAttempt.id > int(after))
    return session.scalars(select(ContactAttempt).where(*conds).order_by(ContactAttempt.id).limit(limit)).all()


def recording_segment_size() -> int:
    """The plaintext segment size of sealed recordings (documentation and tests)."""
    return SEGMENT
