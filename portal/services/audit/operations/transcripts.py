"""Transcripts: submission (API, upload page, JSONL batches), monitor scans that store findings, the live monitor, and
reading transcripts and findings as the policy allows."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.activity import record_activity
from portal.core.crypto import Keyring, decrypt_blob, encrypt_blob
from portal.core.errors import BadInput, Conflict, NotFound, PortalError
from portal.core.keys import active_data_key, data_key
from portal.core.timeutil import utcnow
from portal.services.audit import policy as _policy  # noqa: F401 - registers the policies
from portal.services.audit.models import AuditFinding, Transcript, TranscriptBatch
from portal.services.audit.monitor import BadLine, Finding, parse_line, scan_chunk, scan_utterance
from portal.services.audit.monitor.detector import SPEAKERS
from portal.services.audit.operations.common import (
    ident,
    institution_id,
    kind_facts,
    load_attempt,
    period_bounds,
    resolve_attempts,
    visible,
    worked_debts,
    working,
)
from portal.services.compliance.models import ContactAttempt

log = logging.getLogger("portal.audit")
CHUNK = 500
"""Transcripts per Celery scan task."""
MAX_ERRORS = 1000
"""Refused lines kept with their reasons on a batch (the count goes on)."""
MAX_TURNS = 2000
STORE_CHUNK = 500
"""Lines of a JSONL batch validated, looked up and inserted together by ``upload_batch``."""
MAX_UTTERANCE = 4000


@dataclass
class SubmitResult:
    """A stored transcript, whether this call created it, and its findings."""

    transcript: Transcript
    created: bool
    findings: list[AuditFinding] = field(default_factory=list)


@dataclass
class BatchResult:
    """A stored batch and the ids of its new transcripts, waiting to be scanned in chunks."""

    batch: TranscriptBatch
    pending: list[int]

    def chunks(self, size: int = CHUNK) -> list[list[int]]:
        """The pending ids cut into scan chunks."""
        return [self.pending[i:i + size] for i in range(0, len(self.pending), size)]


def _canonical(language: str, turns: list[tuple[str, str]]) -> bytes:
    body = {"language": language, "turns": [{"speaker": s, "text": t} for s, t in turns]}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _aad(uid: str) -> bytes:
    return b"audit.transcript:" + uid.encode()


def decrypted_body(session: Session, keyring: Keyring, transcript: Transcript) -> dict:
    """The stored JSON body (``language``, ``turns``) of a transcript. Callers check access and log the read; this
    only opens the envelope."""
    dek = data_key(session, keyring, transcript.key_id)
    return json.loads(decrypt_blob(dek, transcript.content_cipher, _aad(transcript.uid)))


def validate_turns(language: object, turns: object) -> tuple[str, list[tuple[str, str]]]:
    """(language, [(speaker, text)]) from API input; BadInput naming the bad field."""
    if language not in ("zh", "en"):
        raise BadInput(f"unknown language {language!r} (expected zh or en)", field="language")
    if not isinstance(turns, list) or not turns:
        raise BadInput("turns must be a non-empty list", field="turns")
    if len(turns) > MAX_TURNS:
        raise BadInput(f"a transcript has at most {MAX_TURNS} turns", field="turns")
    out = []
    for i, turn in enumerate(turns):
        speaker = turn.get("speaker") if isinstance(turn, dict) else None
        text = turn.get("text") if isinstance(turn, dict) else None
        if speaker not in SPEAKERS or not isinstance(text, str):
            raise BadInput(f"turns[{i}] needs a speaker in {', '.join(SPEAKERS)} and a text", field="turns")
        out.append((speaker, text))
    return language, out


def _store(session: Session, keyring: Keyring, principal: Principal, attempt: ContactAttempt, language: str,
           turns: list[tuple[str, str]], source: str, batch_id: int | None, key: tuple[int, bytes] | None = None,
           ) -> tuple[Transcript, bool]:
    content = _canonical(language, turns)
    sha = hashlib.sha256(content).hexdigest()
    existing = session.scalar(select(Transcript).where(Transcript.attempt_id == attempt.id))
    if existing is not None:
        if existing.content_sha256 == sha:
            return existing, False
        raise Conflict(f"attempt {attempt.id} already has a different transcript")
    key_id, dek = key or active_data_key(session, keyring, attempt.agency_id)
    uid = secrets.token_hex(16)
    row = Transcript(uid=uid, attempt_id=attempt.id, agency_id=attempt.agency_id, creditor_id=attempt.creditor_id,
                     debt_id=attempt.debt_id, language=language, turn_count=len(turns),
                     content_cipher=encrypt_blob(dek, content, _aad(uid)), content_sha256=sha, key_id=key_id,
                     source=source, batch_id=batch_id, submitted_by=principal.user_id)
    session.add(row)
    session.flush()
    return row, True


def _store_findings(session: Session, transcript: Transcript, found: Iterable[dict]) -> list[AuditFinding]:
    rows = []
    for f in found:
        family, _severity = kind_facts(f["kind"])
        rows.append(AuditFinding(
            attempt_id=transcript.attempt_id, transcript_id=transcript.id, agency_id=transcript.agency_id,
            creditor_id=transcript.creditor_id, source="monitor", kind=f["kind"], family=family, turn=f["turn"],
            span_start=f["start"], span_end=f["end"], severity=f["severity"], confidence=f["confidence"],
            rule_ids=list(f.get("rule_ids", ())), rule_refs=list(f.get("rule_refs", ()))))
    session.add_all(rows)
    transcript.scanned_at = utcnow()
    transcript.finding_count = len(rows)
    return rows


def _line(transcript: Transcript, content: bytes) -> str:
    body = json.loads(content)
    return json.dumps({"id": transcript.id, "language": body["language"], "turns": body["turns"]}, ensure_ascii=False)


@guarded("audit.transcript.submit")
def submit_transcript(principal: Principal, attempt_ref: object, language: object, turns: object, *,
                      keyring: Keyring, session: Session, source: str = "api") -> SubmitResult:
    """Store one transcript (same content again: no-op; different: CONFLICT) and scan it at once."""
    attempt = load_attempt(session, principal, attempt_ref)
    check_access("audit.transcript.submit", principal, attempt, working=working(session, principal, attempt))
    language, pairs = validate_turns(language, turns)
    transcript, created = _store(session, keyring, principal, attempt, language, pairs, source, None)
    if not created:
        found = session.scalars(select(AuditFinding).where(AuditFinding.transcript_id == transcript.id,
                                                           AuditFinding.source == "monitor")).all()
        return SubmitResult(transcript, False, list(found))
    result = scan_chunk([_line(transcript, _canonical(language, pairs))])[0]
    findings = _store_findings(session, transcript, result["output"]["findings"])
    session.flush()
    return SubmitResult(transcript, True, findings)


@guarded("audit.batch.upload")
def upload_batch(principal: Principal, lines: Iterable[bytes | str], *, filename: str | None, keyring: Keyring,
                 session: Session) -> BatchResult:
    """Store every good line of a JSONL batch (CONTRACT.md transcript format, ``id`` = the attempt's client key or
    id); each bad line is refused with its number and reason and nothing else is lost. Scanning is left to tasks.

    Set-based: lines are read in chunks of ``STORE_CHUNK``; each chunk is validated, its attempts, their assignments
    and their existing transcripts are looked up with one query each, every line is still put through the access
    policy, and the new transcripts are inserted with one multi-row INSERT. The whole batch is one unit of work (the
    caller's transaction), as before."""
    check_access("audit.batch.upload", principal)
    batch = TranscriptBatch(agency_id=principal.institution_id, uploaded_by=principal.user_id,
                            filename=(filename or "")[:200] or None, errors=[])
    session.add(batch)
    session.flush()
    state = _BatchState(principal, batch, active_data_key(session, keyring, principal.institution_id))
    chunk: list[tuple[int, bytes | str]] = []
    n = 0
    for n, raw in enumerate(lines, start=1):
        chunk.append((n, raw))
        if len(chunk) >= STORE_CHUNK:
            _store_chunk(session, state, chunk)
            chunk = []
    if chunk:
        _store_chunk(session, state, chunk)
    pending = state.pending
    batch.lines_total = n
    batch.errors = state.errors
    batch.chunks_total = (len(pending) + CHUNK - 1) // CHUNK
    batch.status = "scanning" if pending else "scanned"
    if not pending:
        batch.scanned_at = utcnow()
    record_activity(session, principal, "audit.transcripts.upload", object_type="transcript_batch",
                    object_id=batch.id, detail=f"{n} lines, {batch.lines_stored} stored, {batch.lines_bad} refused")
    session.flush()
    return BatchResult(batch, pending)


@dataclass
class _BatchState:
    """What one batch upload carries from chunk to chunk."""

    principal: Principal
    batch: TranscriptBatch
    key: tuple[int, bytes]
    errors: list[dict] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)
    stored_sha: dict[int, str] = field(default_factory=dict)
    """attempt id -> content hash of the transcripts stored by this batch so far (a later line for the same
    attempt is then unchanged or a conflict, exactly as if the earlier one had been committed)."""

    def refuse(self, line: int, exc: Exception) -> None:
        """Count a bad line and keep its reason (up to ``MAX_ERRORS``)."""
        self.batch.lines_bad += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"line": line, "reason": str(exc)})


def _raw_text(n: int, raw: bytes | str) -> bytes | str:
    if isinstance(raw, bytes):
        raw = raw[3:] if n == 1 and raw.startswith(b"\xef\xbb\xbf") else raw
        return raw.rstrip(b"\r\n")
    raw = raw.lstrip("\ufeff") if n == 1 else raw
    return raw.rstrip("\r\n")


def _store_chunk(session: Session, state: _BatchState, chunk: list[tuple[int, bytes | str]]) -> None:
    """Validate, check and store one chunk of lines; refused lines go to ``state.errors`` in line order."""
    principal, batch = state.principal, state.batch
    parsed: list[tuple[int, object, str, list[tuple[str, str]]]] = []
    bad: dict[int, Exception] = {}
    for n, raw in chunk:
        try:
            tid, language, turns = parse_line(_raw_text(n, raw))
            parsed.append((n, tid, language, turns))
        except (BadLine, PortalError) as exc:
            bad[n] = exc
    attempts = resolve_attempts(session, principal, [tid for _n, tid, _l, _t in parsed]) if parsed else {}
    worked = worked_debts(session, principal, attempts.values())
    existing: dict[int, str] = {}
    if attempts:
        existing = dict(session.execute(select(Transcript.attempt_id, Transcript.content_sha256).where(
            Transcript.attempt_id.in_({a.id for a in attempts.values()}))).tuples().all())
    key_id, dek = state.key
    rows: list[dict] = []
    for n, tid, language, turns in parsed:
        try:
            attempt = attempts.get(tid)
            if attempt is None:
                raise NotFound(f"contact attempt {tid!r} not found", field="attempt")
            is_working = attempt.agency_id == principal.institution_id and attempt.debt_id in worked
            check_access("audit.transcript.submit", principal, attempt, working=is_working)
            content = _canonical(language, turns)
            sha = hashlib.sha256(content).hexdigest()
            known = state.stored_sha.get(attempt.id, existing.get(attempt.id))
            if known is not None:
                if known != sha:
                    raise Conflict(f"attempt {attempt.id} already has a different transcript")
                batch.lines_unchanged += 1
                continue
        except PortalError as exc:
            bad[n] = exc
            continue
        uid = secrets.token_hex(16)
        state.stored_sha[attempt.id] = sha
        rows.append({"uid": uid, "attempt_id": attempt.id, "agency_id": attempt.agency_id,
                     "creditor_id": attempt.creditor_id, "debt_id": attempt.debt_id, "language": language,
                     "turn_count": len(turns), "content_cipher": encrypt_blob(dek, content, _aad(uid)),
                     "content_sha256": sha, "key_id": key_id, "source": "batch", "batch_id": batch.id,
                     "submitted_by": principal.user_id, "submitted_at": utcnow(), "finding_count": 0})
    for n in sorted(bad):
        state.refuse(n, bad[n])
    if rows:
        ids = session.scalars(insert(Transcript.__table__).returning(Transcript.__table__.c.id,
                                                                     sort_by_parameter_order=True), rows).all()
        batch.lines_stored += len(ids)
        state.pending.extend(ids)


def _scan_batch(session: Session, principal: Principal, batch_id: int) -> TranscriptBatch:
    batch = session.get(TranscriptBatch, batch_id)
    if batch is None:
        raise NotFound(f"transcript batch {batch_id} not found")
    check_access("audit.transcript.scan", principal, batch)
    return batch


@guarded("audit.transcript.scan")
def prepare_scan(principal: Principal, batch_id: int, transcript_ids: Sequence[int], *, keyring: Keyring,
                 session: Session) -> list[tuple[int, list[dict]]]:
    """Read-only phase of a chunk scan: decrypt the chunk's unscanned transcripts and run ``scan_chunk`` on them;
    returns ``[(transcript id, findings)]``. Writes nothing, so workers scan in parallel even on SQLite."""
    _scan_batch(session, principal, batch_id)
    rows = session.scalars(select(Transcript).where(
        Transcript.id.in_(list(transcript_ids)), Transcript.batch_id == batch_id, Transcript.scanned_at.is_(None))
        .order_by(Transcript.id)).all()
    deks: dict[int, bytes] = {}
    lines = []
    for t in rows:
        if t.key_id not in deks:
            deks[t.key_id] = data_key(session, keyring, t.key_id)
        lines.append(_line(t, decrypt_blob(deks[t.key_id], t.content_cipher, _aad(t.uid))))
    out = []
    for t, result in zip(rows, scan_chunk(lines), strict=True):
        if "error" in result:
            log.error("stored transcript %s failed to scan: %s", t.id, result["error"])
        out.append((t.id, result.get("output", {}).get("findings", [])))
    return out


@guarded("audit.transcript.scan")
def store_scan(principal: Principal, batch_id: int, results: Sequence[tuple[int, list[dict]]], *,
               session: Session) -> int:
    """Write phase of a chunk scan: claim the chunk's still-unscanned transcripts with one conditional UPDATE (so a
    redelivered or concurrent chunk changes nothing), bulk-insert their findings, count the chunk done, and mark the
    batch scanned after its last chunk. Workers only serialize on the final counter update."""
    _scan_batch(session, principal, batch_id)
    found = dict(results)
    claimed = session.scalars(
        update(Transcript).where(Transcript.id.in_(list(found)), Transcript.batch_id == batch_id,
                                 Transcript.scanned_at.is_(None))
        .values(scanned_at=utcnow()).returning(Transcript.id), execution_options={"synchronize_session": False}).all()
    if not claimed:
        return 0
    rows, counts = [], []
    for tid, attempt_id, agency_id, creditor_id in session.execute(
            select(Transcript.id, Transcript.attempt_id, Transcript.agency_id, Transcript.creditor_id)
            .where(Transcript.id.in_(claimed))):
        for f in found[tid]:
            family, _severity = kind_facts(f["kind"])
            rows.append({"attempt_id": attempt_id, "transcript_id": tid, "agency_id": agency_id,
                         "creditor_id": creditor_id, "source": "monitor", "kind": f["kind"], "family": family,
                         "turn": f["turn"], "span_start": f["start"], "span_end": f["end"], "severity": f["severity"],
                         "confidence": f["confidence"], "rule_ids": list(f.get("rule_ids", ())),
                         "rule_refs": list(f.get("rule_refs", ())), "created_at": utcnow()})
        if found[tid]:
            counts.append({"id": tid, "finding_count": len(found[tid])})
    if rows:
        session.execute(insert(AuditFinding), rows)
    if counts:
        session.execute(update(Transcript), counts)
    done, total = session.execute(update(TranscriptBatch).where(TranscriptBatch.id == batch_id)
                                  .values(chunks_done=TranscriptBatch.chunks_done + 1)
                                  .returning(TranscriptBatch.chunks_done, TranscriptBatch.chunks_total)).one()
    if done >= total:
        session.execute(update(TranscriptBatch).where(TranscriptBatch.id == batch_id)
                        .values(status="scanned", scanned_at=utcnow()))
    session.expire_all()
    return len(claimed)


@guarded("audit.transcript.scan")
def scan_transcripts(principal: Principal, batch_id: int, transcript_ids: Sequence[int], *, keyring: Keyring,
                     session: Session) -> int:
    """Scan a chunk of a batch in one transaction (:func:`prepare_scan` then :func:`store_scan`); returns how many
    transcripts were newly scanned."""
    check_access("audit.transcript.scan", principal, session.get(TranscriptBatch, batch_id))
    results = prepare_scan(principal, batch_id, transcript_ids, keyring=keyring, session=session)
    return store_scan(principal, batch_id, results, session=session)


@guarded("audit.batch.read")
def get_batch(principal: Principal, batch_id: int, *, session: Session) -> TranscriptBatch:
    """A batch's report: line counts, refused lines with reasons, scan progress."""
    batch = session.get(TranscriptBatch, ident(principal, batch_id, "id"))
    if batch is None:
        raise NotFound(f"transcript batch {batch_id} not found")
    check_access("audit.batch.read", principal, batch)
    return batch


@dataclass
class TranscriptView:
    """A transcript's turns and its findings, as shown to an allowed reader."""

    transcript: Transcript
    turns: list[dict]
    findings: list[AuditFinding]


@guarded("audit.transcript.read")
def read_transcript(principal: Principal, attempt_id: int, *, keyring: Keyring, session: Session) -> TranscriptView:
    """The turns and findings of an attempt's transcript (every read is logged)."""
    t = session.scalar(select(Transcript).where(Transcript.attempt_id == ident(principal, attempt_id, "attemptId")))
    if t is None:
        raise NotFound(f"attempt {attempt_id} has no transcript")
    check_access("audit.transcript.read", principal, t, working=working(session, principal, t))
    record_activity(session, principal, "audit.transcript.read", object_type="transcript", object_id=t.id)
    body = decrypted_body(session, keyring, t)
    found = session.scalars(select(AuditFinding).where(AuditFinding.attempt_id == t.attempt_id)
                            .order_by(AuditFinding.turn, AuditFinding.span_start, AuditFinding.id)).all()
    return TranscriptView(t, body["turns"], list(found))


@guarded("audit.realtime.scan")
def realtime(principal: Principal, attempt_ref: object, language: object, speaker: object, text: object, *,
             session: Session) -> list[Finding]:
    """Findings in one utterance of a live call (nothing stored; the full transcript is submitted afterwards)."""
    attempt = load_attempt(session, principal, attempt_ref)
    check_access("audit.realtime.scan", principal, attempt, working=working(session, principal, attempt))
    if not isinstance(text, str):
        raise BadInput("text must be a string", field="text")
    if len(text) > MAX_UTTERANCE:
        raise BadInput(f"an utterance has at most {MAX_UTTERANCE} characters", field="text")
    return scan_utterance(text, language, speaker)  # BadInput for an unknown language or speaker


@dataclass
class FindingFilter:
    """Optional filters of the findings list."""

    agency: str | None = None
    kind: str | None = None
    source: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    attempt_id: int | None = None


@guarded("audit.finding.list")
def list_findings(principal: Principal, flt: FindingFilter | None, *, after: int | None, limit: int,
                  session: Session) -> Sequence[AuditFinding]:
    """Violations found in calls, scoped by the policy (ascending keyset page by id)."""
    check_access("audit.finding.list", principal)
    flt = flt or FindingFilter()
    conds = [visible(principal, AuditFinding)]
    agency_id = institution_id(session, flt.agency)
    if agency_id is not None:
        conds.append(AuditFinding.agency_id == agency_id)
    if flt.kind:
        conds.append(AuditFinding.kind == flt.kind)
    if flt.source:
        conds.append(AuditFinding.source == flt.source)
    if flt.attempt_id is not None:
        conds.append(AuditFinding.attempt_id == ident(principal, flt.attempt_id, "attemptId"))
    if flt.period_from and flt.period_to:
        start, end = period_bounds(flt.period_from, flt.period_to)
        conds += [AuditFinding.created_at >= start, AuditFinding.created_at < end]
    if after is not None:
        conds.append(AuditFinding.id > int(after))
    return session.scalars(select(AuditFinding).where(*conds).order_by(AuditFinding.id).limit(limit)).all()
