"""Signals: one posted through the API, or a JSONL batch (chunks of ``CHUNK`` lines: validated, resolved and
inserted set-based; each bad line refused with its number and reason, nothing else lost; a re-sent signal key with
the same payload is unchanged, with another payload a Conflict). The tracer's unresolved queue and manual links."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.activity import record_activity
from portal.core.crypto import Keyring
from portal.core.errors import BadInput, Conflict, NotFound, PortalError
from portal.core.identifiers import mask_id_number, normalize_id_number, normalize_uscc
from portal.core.timeutil import parse_instant, utcnow
from portal.registry.parties import debtor_hash
from portal.services.tracing import policy as _policy  # noqa: F401 - registers the policies
from portal.services.tracing.kinds import BY_CODE, SEVERITY_FACTORS
from portal.services.tracing.matching import normalize_name
from portal.services.tracing.models import TracingBatch, TracingRequest, TracingSignal
from portal.services.tracing.operations.common import client_key, ident, payload_sha
from portal.services.tracing.operations.resolution import ParsedSignal, Resolution, refresh_name_index, resolve

CHUNK = 500
MAX_ERRORS = 1000
MAX_DETAILS = 4000
_FIELDS = {"key", "kind", "uscc", "idNumber", "name", "address", "district", "observedAt", "severity", "source",
           "details"}


def _text(data: dict, name: str, limit: int) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadInput(f"{name} must be a string", field=name)
    if len(value) > limit:
        raise BadInput(f"{name} may have at most {limit} characters", field=name)
    return value.strip() or None


def parse_signal(data: object, keyring: Keyring) -> ParsedSignal:
    """A validated signal from its JSON form; BadInput naming the bad field (identity numbers masked)."""
    if not isinstance(data, dict):
        raise BadInput("a signal must be a JSON object")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise BadInput(f"unknown field {unknown[0]!r}", field=unknown[0])
    key = client_key(data.get("key"), "key")
    kind = data.get("kind")
    if kind not in BY_CODE:
        raise BadInput(f"unknown signal kind {kind!r} (expected one of {', '.join(BY_CODE)})", field="kind")
    severity = data.get("severity", "medium")
    if severity not in SEVERITY_FACTORS:
        raise BadInput(f"severity {severity!r} is not one of {', '.join(SEVERITY_FACTORS)}", field="severity")
    uscc, id_number = _text(data, "uscc", 40), _text(data, "idNumber", 40)
    if uscc and id_number:
        raise BadInput("give uscc or idNumber, not both", field="uscc")
    subject_kind = subject_hash = masked = None
    if uscc:
        number, subject_kind = normalize_uscc(uscc), "enterprise"
        masked = mask_id_number(number)
    elif id_number:
        number, subject_kind = normalize_id_number(id_number), "person"
        masked = mask_id_number(number)
    if subject_kind:
        subject_hash = debtor_hash(keyring, number)
    name, address, district = _text(data, "name", 200), _text(data, "address", 300), _text(data, "district", 40)
    if not subject_hash and not name:
        raise BadInput("a signal needs uscc or idNumber, or a name (with an address or district)", field="name")
    name_key = normalize_name(name) if name else None
    if not subject_hash and not name_key:
        raise BadInput(f"name {name!r} has nothing left once normalised", field="name")
    raw_at = data.get("observedAt")
    if not isinstance(raw_at, str):
        raise BadInput("observedAt is required (ISO 8601 with offset)", field="observedAt")
    observed_at = parse_instant(raw_at, "observedAt")
    if observed_at > utcnow() + timedelta(days=1):
        raise BadInput(f"observedAt {raw_at!r} is in the future", field="observedAt")
    details = data.get("details") or {}
    if not isinstance(details, dict):
        raise BadInput("details must be a JSON object", field="details")
    if len(json.dumps(details, ensure_ascii=False)) > MAX_DETAILS:
        raise BadInput(f"details may have at most {MAX_DETAILS} characters of JSON", field="details")
    source = _text(data, "source", 80)
    sha = payload_sha({"kind": kind, "subject": subject_hash, "name": name, "address": address, "district": district,
                       "observedAt": observed_at.isoformat(), "severity": severity, "source": source,
                       "details": details})
    return ParsedSignal(key, kind, subject_kind, subject_hash, masked, name, name_key, address, district,
                        observed_at, severity, source, details, sha)


def _row(principal: Principal, s: ParsedSignal, r: Resolution, batch_id: int | None) -> dict[str, Any]:
    now = utcnow()
    return {"tracer_id": principal.institution_id, "signal_key": s.key, "payload_sha256": s.sha, "kind": s.kind,
            "subject_kind": s.subject_kind, "subject_hash": s.subject_hash, "subject_masked": s.subject_masked,
            "subject_name": s.name, "name_key": s.name_key, "address": s.address, "district": s.district,
            "observed_at": s.observed_at, "severity": s.severity, "source": s.source, "details": s.details,
            "status": r.status, "debtor_id": r.debtor_id, "match_method": r.method, "match_score": r.score,
            "match_explain": r.explain, "batch_id": batch_id, "posted_by": principal.user_id, "created_at": now,
            "resolved_at": now if r.debtor_id else None}


@guarded("tracing.signal.post")
def post_signal(principal: Principal, data: object, *, keyring: Keyring, session: Session,
                rescore: bool = True) -> tuple[TracingSignal, bool]:
    """Store and resolve one signal (same key and payload again: unchanged; other payload: Conflict); the debtor's
    warning is recomputed at once when it resolved. Returns (signal, created)."""
    check_access("tracing.signal.post", principal)
    parsed = parse_signal(data, keyring)
    existing = session.scalar(select(TracingSignal).where(TracingSignal.tracer_id == principal.institution_id,
                                                          TracingSignal.signal_key == parsed.key))
    if existing is not None:
        if existing.payload_sha256 != parsed.sha:
            raise Conflict(f"signal key {parsed.key!r} was already posted with a different payload", field="key")
        return existing, False
    if not parsed.subject_hash:
        refresh_name_index(session)
    resolution = resolve(session, keyring, [parsed])[0]
    row = TracingSignal(**_row(principal, parsed, resolution, None))
    session.add(row)
    session.flush()
    if rescore and row.debtor_id is not None:
        from portal.services.tracing.operations.alerts import rescore_debtors

        rescore_debtors(principal, [row.debtor_id], session=session)
    return row, True


@dataclass
class BatchResult:
    """A stored batch and the debtors whose warning must be recomputed (in chunks, by tasks)."""

    batch: TracingBatch
    debtor_ids: list[int]

    def chunks(self, size: int = CHUNK) -> list[list[int]]:
        """The debtor ids cut into rescoring chunks."""
        return [self.debtor_ids[i:i + size] for i in range(0, len(self.debtor_ids), size)]


@dataclass
class _BatchState:
    principal: Principal
    batch: TracingBatch
    keyring: Keyring
    errors: list[dict] = field(default_factory=list)
    debtors: set[int] = field(default_factory=set)
    seen: dict[str, str] = field(default_factory=dict)
    """signal key -> payload hash of the lines stored by this batch so far."""
    indexed: bool = False
    """whether the name index was refreshed (once, at the first chunk with a name-only signal)."""

    def refuse(self, line: int, exc: Exception) -> None:
        self.batch.lines_bad += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"line": line, "reason": str(exc)})


def _decode(n: int, raw: bytes | str) -> object:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    if n == 1:
        raw = raw.lstrip("\ufeff")
    raw = raw.strip()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadInput(f"not valid JSON: {exc.msg} at column {exc.colno}") from None


def _store_chunk(session: Session, state: _BatchState, chunk: list[tuple[int, bytes | str]]) -> None:
    principal, batch = state.principal, state.batch
    parsed: list[tuple[int, ParsedSignal]] = []
    bad: dict[int, Exception] = {}
    for n, raw in chunk:
        try:
            obj = _decode(n, raw)
            if obj is None:
                batch.lines_total -= 1  # blank lines are not signals
                continue
            parsed.append((n, parse_signal(obj, state.keyring)))
        except (PortalError, UnicodeDecodeError) as exc:
            bad[n] = exc if isinstance(exc, PortalError) else BadInput("line is not UTF-8")
    keys = {s.key for _n, s in parsed}
    existing = dict(session.execute(select(TracingSignal.signal_key, TracingSignal.payload_sha256).where(
        TracingSignal.tracer_id == principal.institution_id, TracingSignal.signal_key.in_(keys))).tuples().all()) \
        if keys else {}
    fresh: list[tuple[int, ParsedSignal]] = []
    for n, s in parsed:
        known = state.seen.get(s.key, existing.get(s.key))
        if known is not None:
            if known != s.sha:
                bad[n] = Conflict(f"signal key {s.key!r} was already posted with a different payload", field="key")
            else:
                batch.lines_unchanged += 1
            continue
        state.seen[s.key] = s.sha
        fresh.append((n, s))
    if not state.indexed and any(not s.subject_hash for _n, s in fresh):
        refresh_name_index(session)
        state.indexed = True
    resolutions = resolve(session, state.keyring, [s for _n, s in fresh]) if fresh else []
    rows = [_row(principal, s, r, batch.id) for (_n, s), r in zip(fresh, resolutions, strict=True)]
    for n in sorted(bad):
        state.refuse(n, bad[n])
    if rows:
        session.execute(insert(TracingSignal.__table__), rows)
        batch.lines_stored += len(rows)
        for r in resolutions:
            if r.debtor_id is not None:
                batch.resolved += 1
                state.debtors.add(r.debtor_id)
            elif r.status == "unresolved":
                batch.unresolved += 1


@guarded("tracing.signal.post")
def post_batch(principal: Principal, lines: Iterable[bytes | str], *, filename: str | None = None,
               keyring: Keyring, session: Session) -> BatchResult:
    """Store every good line of a JSONL batch of signals (one signal object per line, fields as ``parse_signal``);
    bad lines are refused with their line number and reason. Streamed in chunks of ``CHUNK`` lines, each validated,
    looked up (existing keys, identifiers, name candidates) and inserted set-based. Scores are left to tasks:
    ``BatchResult.chunks()`` names the debtors to rescore."""
    check_access("tracing.signal.post", principal)
    batch = TracingBatch(tracer_id=principal.institution_id, posted_by=principal.user_id,
                         filename=(filename or "")[:200] or None, errors=[], lines_total=0, lines_stored=0,
                         lines_unchanged=0, lines_bad=0, resolved=0, unresolved=0)
    session.add(batch)
    session.flush()
    state = _BatchState(principal, batch, keyring)
    chunk: list[tuple[int, bytes | str]] = []
    n = 0
    for n, raw in enumerate(lines, start=1):
        batch.lines_total += 1
        chunk.append((n, raw))
        if len(chunk) >= CHUNK:
            _store_chunk(session, state, chunk)
            chunk = []
    if chunk:
        _store_chunk(session, state, chunk)
    batch.errors = state.errors
    record_activity(session, principal, "tracing.signals.batch", object_type="tracing_batch", object_id=batch.id,
                    detail=f"{n} lines, {batch.lines_stored} stored, {batch.lines_bad} refused")
    session.flush()
    return BatchResult(batch, sorted(state.debtors))


def batch_lines(text: str) -> Iterable[str]:
    """The lines of a JSONL text, lazily (memory stays flat for a large text)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        yield text[start:end]
        start = end + 1


@guarded("tracing.signal.list")
def list_unresolved(principal: Principal, *, after: int | None, limit: int,
                    session: Session) -> Sequence[TracingSignal]:
    """The tracer's signals waiting to be linked by hand (name-only, below the match threshold), by id."""
    check_access("tracing.signal.list", principal)
    conds = [TracingSignal.tracer_id == principal.institution_id, TracingSignal.status == "unresolved"]
    if after is not None:
        conds.append(TracingSignal.id > int(after))
    return session.scalars(select(TracingSignal).where(*conds).order_by(TracingSignal.id).limit(limit)).all()


@guarded("tracing.signal.link")
def link_signal(principal: Principal, signal_id: object, request_id: object, *, session: Session) -> TracingSignal:
    """Link one of the tracer's unresolved signals, by hand, to the debtor of one of its open requests; the
    debtor's warning is recomputed."""
    check_access("tracing.signal.link", principal)
    sid, rid = ident(principal, signal_id, "signalId"), ident(principal, request_id, "requestId")
    signal = session.scalar(select(TracingSignal).where(TracingSignal.id == sid,
                                                        TracingSignal.tracer_id == principal.institution_id))
    if signal is None:
        raise NotFound(f"tracing signal {signal_id!r} not found", field="signalId")
    request = session.scalar(select(TracingRequest).where(TracingRequest.id == rid,
                                                          TracingRequest.tracer_id == principal.institution_id))
    if request is None:
        raise NotFound(f"tracing request {request_id!r} not found", field="requestId")
    check_access("tracing.signal.link", principal, signal, request=request)
    if signal.status == "resolved":
        if signal.debtor_id == request.debtor_id:
            return signal
        raise Conflict(f"signal {signal.id} is already resolved to another debtor", field="signalId")
    signal.status, signal.debtor_id, signal.match_method = "resolved", request.debtor_id, "manual"
    signal.match_explain = {**(signal.match_explain or {}), "method": "manual", "request": request.id,
                            "linked_by": principal.user_id}
    signal.resolved_at = utcnow()
    session.flush()
    from portal.services.tracing.operations.alerts import rescore_debtors

    rescore_debtors(principal, [request.debtor_id], session=session)
    record_activity(session, principal, "tracing.signal.link", object_type="tracing_signal", object_id=signal.id)
    return signal
