"""The set-based JSONL batch store: lines are validated, looked up and inserted per chunk, yet each bad line is still
refused with its number and reason in line order, nothing else of the batch is lost, a re-sent batch stores nothing
twice, and every line still goes through the access policy (another agency's attempt, a debt no longer assigned)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from audit_samples import CLEAN_ZH, VIOLATING_ZH, transcript_line
from sqlalchemy import func, insert, select

from portal.core.timeutil import utcnow
from portal.services.audit import operations
from portal.services.audit.models import Transcript, TranscriptBatch
from portal.services.audit.operations import transcripts
from portal.services.compliance.models import ContactAttempt


def _upload(app, principal, lines):
    with app.extensions["db"].unit_of_work() as s:
        result = operations.upload_batch(principal, lines, filename="calls.jsonl",
                                         keyring=app.extensions["keyring"], session=s)
        b = result.batch
        return {"id": b.id, "lines": b.lines_total, "stored": b.lines_stored, "unchanged": b.lines_unchanged,
                "bad": b.lines_bad, "errors": list(b.errors), "pending": list(result.pending),
                "chunks": b.chunks_total, "status": b.status}


def _stored(app) -> dict[int, str]:
    """attempt id -> content hash of every stored transcript."""
    with app.extensions["db"].unit_of_work() as s:
        return dict(s.execute(select(Transcript.attempt_id, Transcript.content_sha256)).all())


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 4 lines, so that a short batch spans several chunks."""
    monkeypatch.setattr(transcripts, "STORE_CHUNK", 4)


def test_bad_lines_in_different_chunks_lose_nothing_else(app, world, small_chunks):
    keys = [f"c{i}" for i in range(9)]
    for k in keys:
        world.add_attempt(k, "agency-a", "A")
    lines = [
        transcript_line("c0", agent=VIOLATING_ZH),                   # 1  chunk 1
        '{"id": "c1", "language": "zh", "turns": [',                 # 2  bad JSON
        transcript_line("c1"),                                       # 3
        transcript_line(world.attempts["c2"]),                       # 4  numeric id
        transcript_line("c3", language="fr"),                        # 5  chunk 2: bad language
        transcript_line(world.attempts["b1"]),                       # 6  agency-b's attempt
        transcript_line("c3"),                                       # 7
        transcript_line("c0", agent=VIOLATING_ZH),                   # 8  same attempt, same content: unchanged
        transcript_line("no-such-key"),                              # 9  chunk 3: not found
        transcript_line("c4"),                                       # 10
        transcript_line("c1", agent=CLEAN_ZH),                       # 11 same attempt, other content: conflict
        "",                                                          # 12 empty line
        transcript_line("c5"),                                       # 13 chunk 4
        transcript_line(str(world.attempts["c6"])),                  # 14 numeric id as a string
    ]
    out = _upload(app, world.principal("agency-a"), lines)
    assert (out["lines"], out["stored"], out["unchanged"], out["bad"]) == (14, 7, 1, 6)
    assert [e["line"] for e in out["errors"]] == [2, 5, 6, 9, 11, 12]
    reasons = [e["reason"] for e in out["errors"]]
    assert "invalid JSON" in reasons[0] and "language" in reasons[1] and "agency" in reasons[2]
    assert "not found" in reasons[3] and "different transcript" in reasons[4] and "empty" in reasons[5]
    stored = _stored(app)
    names = ["c0", "c1", "c2", "c3", "c4", "c5", "c6"]
    assert sorted(stored) == sorted(world.attempts[k] for k in names)
    with app.extensions["db"].unit_of_work() as s:
        by_id = dict(s.execute(select(Transcript.id, Transcript.attempt_id)).all())
        assert [by_id[i] for i in out["pending"]] == [world.attempts[k] for k in names]  # line order
        assert s.scalar(select(func.count()).select_from(Transcript).where(Transcript.batch_id == out["id"])) == 7
    with app.extensions["db"].unit_of_work() as s:
        view = operations.read_transcript(world.principal("agency-a"), world.attempts["c0"],
                                          keyring=app.extensions["keyring"], session=s)
        assert view.turns[0]["text"] == VIOLATING_ZH


def test_resending_a_chunked_batch_stores_nothing_twice(app, world, small_chunks):
    for i in range(10):
        world.add_attempt(f"r{i}", "agency-a", "A")
    lines = [transcript_line(f"r{i}", agent=VIOLATING_ZH if i % 3 else CLEAN_ZH) for i in range(10)]
    lines.insert(5, "not json")
    first = _upload(app, world.principal("agency-a"), lines)
    before = _stored(app)
    again = _upload(app, world.principal("agency-a"), lines)
    assert (first["stored"], first["unchanged"], first["bad"]) == (10, 0, 1)
    assert (again["stored"], again["unchanged"], again["bad"]) == (0, 10, 1)
    assert again["errors"] == first["errors"] == [{"line": 6, "reason": first["errors"][0]["reason"]}]
    assert again["pending"] == [] and again["status"] == "scanned" and again["chunks"] == 0
    assert _stored(app) == before


def test_another_agencys_attempts_are_refused_line_by_line(app, world, small_chunks):
    for i in range(5):
        world.add_attempt(f"x{i}", "agency-a", "A")
    world.add_attempt("y0", "agency-b", "B")
    lines = [transcript_line(world.attempts[f"x{i}"]) for i in range(5)]  # agency-a's attempts by id
    lines += [transcript_line("x0"), transcript_line("y0")]              # a client key resolves in one's own agency
    out = _upload(app, world.principal("agency-b"), lines)
    assert (out["stored"], out["bad"]) == (1, 6)
    assert [e["line"] for e in out["errors"]] == [1, 2, 3, 4, 5, 6]
    assert all("agency" in e["reason"] for e in out["errors"][:5]) and "not found" in out["errors"][5]["reason"]
    assert set(_stored(app)) == {world.attempts["y0"]}


def test_a_debt_no_longer_assigned_is_refused(app, world, small_chunks):
    for i in range(6):
        world.add_attempt(f"z{i}", "agency-a", "A")
    world.end_assignment("A")
    out = _upload(app, world.principal("agency-a"), [transcript_line(f"z{i}") for i in range(6)])
    assert (out["stored"], out["bad"]) == (0, 6)
    assert all("assigned" in e["reason"] for e in out["errors"])


def test_full_size_chunks(app, world):
    """More than two default chunks (500 lines), bad lines in each; attempts inserted in bulk."""
    n = 1100
    with app.extensions["db"].unit_of_work() as s:
        a1 = s.get(ContactAttempt, world.attempts["a1"])
        started = utcnow() - timedelta(days=1)
        s.execute(insert(ContactAttempt), [
            {"agency_id": a1.agency_id, "creditor_id": a1.creditor_id, "debt_id": a1.debt_id,
             "debtor_id": a1.debtor_id, "client_key": f"f{i}", "number_hash": "h" * 64, "number_masked": "138****0000",
             "counterparty": "debtor", "channel": "call", "started_at": started, "outcome": "connected",
             "duration_s": 60, "state": "logged"} for i in range(n)])
    bad = {7, 600, 1099}
    lines = [("{" if i + 1 in bad else transcript_line(f"f{i}")).encode() + b"\n" for i in range(n)]
    lines[0] = b"\xef\xbb\xbf" + lines[0]  # a byte-order mark on the first line is ignored
    out = _upload(app, world.principal("agency-a"), lines)
    assert (out["lines"], out["stored"], out["bad"]) == (n, n - 3, 3)
    assert [e["line"] for e in out["errors"]] == sorted(bad)
    assert out["chunks"] == 3 and out["pending"] == sorted(out["pending"])
    with app.extensions["db"].unit_of_work() as s:
        batch = s.get(TranscriptBatch, out["id"])
        assert batch.lines_stored == n - 3
        body = s.scalar(select(Transcript.turn_count).where(Transcript.id == out["pending"][0]))
        assert body == len(json.loads(transcript_line("f0"))["turns"])
