"""Transcripts: submitTranscript (findings stored), idempotency, the JSONL batch (a malformed line is refused with
its line number and nothing else of the batch is lost), the findings list scoped per tenant, coverage."""

from __future__ import annotations

import io
from datetime import timedelta

from audit_samples import CLEAN_ZH, VIOLATING_ZH, bearer, transcript_line, wav
from sqlalchemy import func, select

from portal.core.timeutil import utcnow
from portal.services.audit import operations
from portal.services.audit.models import AuditFinding, Transcript

SUBMIT = """mutation($input: SubmitTranscriptInput!) { submitTranscript(input: $input) {
  created transcript { id attemptId findingCount }
  findings { kind family turn start end severity confidence ruleIds } } }"""
FINDINGS = """query($f: FindingFilterInput) {
  auditFindings(filter: $f, first: 50) { edges { node { kind attemptId } } } }"""


def _submit(gql, token, key, text=VIOLATING_ZH):
    turns = [{"speaker": "agent", "text": text}, {"speaker": "debtor", "text": "我没钱"}]
    return gql(SUBMIT, {"input": {"attemptKey": key, "language": "zh", "turns": turns}}, token=token)


def test_submit_transcript_stores_findings_and_is_idempotent(gql, world, tokens):
    status, body = _submit(gql, tokens["agency-a"], "a1")
    assert status == 200 and "errors" not in body, body
    out = body["data"]["submitTranscript"]
    kinds = sorted(f["kind"] for f in out["findings"])
    assert out["created"] is True and kinds == ["VS-F01-05", "VS-F06-06"]
    assert out["transcript"]["findingCount"] == 2 and out["findings"][0]["turn"] == 0
    again = _submit(gql, tokens["agency-a"], "a1")[1]["data"]["submitTranscript"]
    assert again["created"] is False and len(again["findings"]) == 2
    conflict = _submit(gql, tokens["agency-a"], "a1", CLEAN_ZH)[1]
    assert conflict["errors"][0]["extensions"]["code"] == "CONFLICT"
    refused = _submit(gql, tokens["agency-b"], str(world.attempts["a1"]))[1]
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_findings_are_scoped_per_tenant(gql, world, tokens):
    _submit(gql, tokens["agency-a"], "a1")
    _submit(gql, tokens["agency-b"], "b1", "不还钱就让公安来抓你坐牢")

    def kinds(code):
        status, body = gql(FINDINGS, {}, token=tokens[code])
        if "errors" in body:
            return body["errors"][0]["extensions"]["code"]
        return sorted(e["node"]["kind"] for e in body["data"]["auditFindings"]["edges"])

    assert kinds("agency-a") == ["VS-F01-05", "VS-F06-06"]
    assert kinds("bank-a") == ["VS-F01-05", "VS-F06-06"]
    assert kinds("agency-b") == ["VS-F02-01"]  # one merged finding for 抓你坐牢
    assert kinds("bank-b") == ["VS-F02-01"]
    assert kinds("bank-c") == []
    assert kinds("regulator") == ["VS-F01-05", "VS-F02-01", "VS-F06-06"]
    assert kinds("mediator") == "FORBIDDEN"


def test_batch_keeps_good_lines_and_reports_bad_ones(client, world, tokens, app):
    world.add_attempt("a2", "agency-a", "A")
    world.add_attempt("a3", "agency-a", "A")
    lines = [
        transcript_line("a1", agent=VIOLATING_ZH),
        '{"id": "a2", "language": "zh", "turns": [{"speaker": "agent", "text": "x"}',  # malformed JSON
        transcript_line("a2", agent=CLEAN_ZH),
        transcript_line("missing-key"),
        transcript_line(world.attempts["b1"]),  # agency-b's attempt
        transcript_line("a3", language="fr"),
        transcript_line(world.attempts["a3"]),  # by numeric id
    ]
    body = ("\n".join(lines) + "\n").encode()
    r = client.post("/audit/transcripts/batch", headers=bearer(tokens["agency-a"]),
                    data={"file": (io.BytesIO(body), "calls.jsonl")}, content_type="multipart/form-data")
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert (out["lines"], out["stored"], out["refusedCount"], out["chunks"]) == (7, 3, 4, 1)
    assert [e["line"] for e in out["refused"]] == [2, 4, 5, 6]
    assert "invalid JSON" in out["refused"][0]["reason"] and "not found" in out["refused"][1]["reason"]
    assert "agency" in out["refused"][2]["reason"] and "language" in out["refused"][3]["reason"]
    with app.extensions["db"].unit_of_work() as s:
        stored = s.scalars(select(Transcript.attempt_id).order_by(Transcript.attempt_id)).all()
        assert stored == sorted(world.attempts[k] for k in ("a1", "a2", "a3"))
        assert all(t.scanned_at is None for t in s.scalars(select(Transcript)))  # the workers scan them
        batch = operations.get_batch(world.principal("agency-a"), out["batch"], session=s)
        assert batch.status == "scanning"
        with app.app_context():
            n = operations.scan_transcripts(world.principal("agency-a"), batch.id, list(range(1, 100)),
                                            keyring=app.extensions["keyring"], session=s)
        assert n == 3 and batch.status == "scanned"
        assert s.scalar(select(func.count()).select_from(AuditFinding)) == 2
    again = client.post("/audit/transcripts/batch", data=body, headers={**bearer(tokens["agency-a"]),
                                                                           "Content-Type": "application/x-ndjson"})
    assert again.get_json()["unchanged"] == 3 and again.get_json()["stored"] == 0
    other = client.post("/graphql", headers=bearer(tokens["agency-b"]), json={
        "query": "query($id: ID!) { transcriptBatch(id: $id) { linesBad } }", "variables": {"id": out["batch"]}})
    assert other.get_json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_transcript_read_is_content_access(gql, world, tokens):
    _submit(gql, tokens["agency-a"], "a1")
    query = "query($a: ID!) { auditTranscript(attemptId: $a) { turns { speaker text } findings { kind } } }"
    for code, allowed in (("bank-a", True), ("regulator", True), ("agency-a", True), ("bank-b", False),
                          ("agency-b", False)):
        body = gql(query, {"a": world.attempts["a1"]}, token=tokens[code])[1]
        assert ("errors" not in body) is allowed, (code, body)
    body = gql(query, {"a": world.attempts["a1"]}, token=tokens["bank-a"])[1]
    assert body["data"]["auditTranscript"]["turns"][0]["text"] == VIOLATING_ZH


COVERAGE = """query($from: Date!, $to: Date!) { recordingCoverage(from: $from, to: $to, graceHours: 0) {
  connected recorded missing rate rule kind gaps(first: 10) { edges { node { attemptId kind rule } } } } }"""


def test_connected_attempt_without_recording_is_a_coverage_finding(client, gql, world, tokens):
    world.add_attempt("a-unanswered", "agency-a", "A", outcome="unanswered")
    world.add_attempt("a-sms", "agency-a", "A", channel="sms")
    today = utcnow().date()
    variables = {"from": str(today - timedelta(days=10)), "to": str(today)}
    cov = gql(COVERAGE, variables, token=tokens["agency-a"])[1]["data"]["recordingCoverage"]
    assert (cov["connected"], cov["recorded"], cov["missing"], cov["rate"]) == (1, 0, 1, 0.0)
    gap = cov["gaps"]["edges"][0]["node"]
    assert gap == {"attemptId": str(world.attempts["a1"]), "kind": "AUDIT-REC-MISSING", "rule": "CS-REC-01"}
    client.post("/audit/recordings?attempt=a1", data=wav(0.2), headers=bearer(tokens["agency-a"]))
    cov = gql(COVERAGE, variables, token=tokens["regulator"])[1]["data"]["recordingCoverage"]
    assert (cov["connected"], cov["recorded"], cov["rate"]) == (2, 1, 0.5)
    assert [e["node"]["attemptId"] for e in cov["gaps"]["edges"]] == [str(world.attempts["b1"])]
    cov = gql(COVERAGE, variables, token=tokens["bank-c"])[1]["data"]["recordingCoverage"]
    assert cov["connected"] == 0 and cov["rate"] is None
