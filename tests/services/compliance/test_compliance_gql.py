"""Compliance over GraphQL: the dialler's question, recording attempts, filing and reviewing reports."""

from __future__ import annotations

import re
from datetime import date

from tests.services.compliance.conftest import PHONE

MAY = """query($i: ContactCheckInput!) { mayContact(input: $i) { allowed standard standardVersion refusedBy
          verdicts { rule severity action messageZh messageEn } } }"""
RECORD = """mutation($i: ContactAttemptInput!) { recordContactAttempt(input: $i) {
          decision { allowed refusedBy } attempt { id state number } } }"""
FILE = """mutation($i: ComplianceReportInput!) { fileComplianceReport(input: $i) { report {
          id late status declared computed differences evidenceEntryId } } }"""


def _vars(world, **kw):
    base = {"debtId": str(world.debt_id), "number": PHONE, "counterparty": "DEBTOR", "channel": "CALL",
            "startedAt": "2026-11-10T22:30:00+08:00", "identified": True, "recorded": True}
    base.update(kw)
    return {"i": base}


def test_may_contact_refuses_quiet_hours_in_chinese_and_english(world, gql, api_token):
    _s, body = gql(MAY, _vars(world), token=api_token("agency-a"))
    answer = body["data"]["mayContact"]
    assert answer["allowed"] is False and answer["refusedBy"] == ["CS-TIME-01"]
    assert answer["verdicts"][0]["messageZh"] and answer["verdicts"][0]["messageEn"]
    _s, body = gql(MAY, _vars(world), token=api_token("agency-b"))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_record_attempt_masks_the_number_and_is_idempotent(world, gql, api_token):
    token = api_token("agency-a")
    variables = _vars(world, startedAt="2026-11-10T10:00:00+08:00", clientKey="dial-1", outcome="CONNECTED",
                      durationS=95)
    _s, first = gql(RECORD, variables, token=token)
    _s, again = gql(RECORD, variables, token=token)
    attempt = first["data"]["recordContactAttempt"]["attempt"]
    assert attempt["state"] == "logged" and attempt["number"] == "138****5678"
    assert again["data"]["recordContactAttempt"]["attempt"]["id"] == attempt["id"]


def test_bad_enum_and_unknown_debt(world, gql, api_token):
    token = api_token("agency-a")
    _s, body = gql(MAY, _vars(world, channel="PIGEON"), token=token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    _s, body = gql(MAY, _vars(world, debtId="999999"), token=token)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def _file(gql, token, key="r-1", **kw):
    declared = {"clientKey": key, "periodStart": "2026-10-01", "periodEnd": "2026-10-31", "attempts": 3,
                "connectedCalls": 1, "complaints": 0, "recordingCoverage": "1", "violationsFoundByQa": 0}
    declared.update(kw)
    return gql(FILE, {"i": declared}, token=token)


def test_file_report_computes_differences_and_anchors_evidence(world, gql, api_token):
    token = api_token("agency-a")
    variables = _vars(world, startedAt="2026-10-15T10:00:00+08:00", clientKey="oct-1", outcome="UNANSWERED")
    gql(RECORD, variables, token=token)
    _s, body = _file(gql, token)
    report = body["data"]["fileComplianceReport"]["report"]
    assert report["status"] == "filed" and report["late"] is True  # October's report was due on 10 November
    assert report["evidenceEntryId"] is not None
    import json

    diff = json.loads(report["differences"])
    assert diff["attempts"] == {"declared": 3, "computed": 1, "difference": "2"}
    # other agencies and banks never see it; the regulator does and returns it
    for code in ("agency-b", "bank-a"):
        _s, body = gql("{ complianceReports { edges { node { id } } } }", token=api_token(code))
        assert body.get("data") is None or body["data"]["complianceReports"]["edges"] == []
    _s, body = gql("{ complianceReports { edges { node { id status } } } }", token=api_token("regulator"))
    assert [e["node"]["id"] for e in body["data"]["complianceReports"]["edges"]] == [report["id"]]


def test_bad_report_is_refused_and_nothing_stored(world, gql, api_token):
    token = api_token("agency-a")
    _s, body = _file(gql, token, recordingCoverage="1.5")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "1.5" in body["errors"][0]["message"]
    _s, body = _file(gql, token, periodEnd=str(date(2099, 1, 1)))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    _s, body = gql("{ complianceReports { edges { node { id } } } }", token=token)
    assert body["data"]["complianceReports"]["edges"] == []


PUBLISH = "mutation($s: String!) { publishStandard(source: $s) { code version } }"


def test_malformed_standard_names_line_and_field_and_stores_nothing(world, gql, api_token):
    from tests.services.compliance.conftest import CN_2026

    broken = CN_2026.replace('start = "22:00"', 'start = "25:00"', 1)
    _s, body = gql(PUBLISH, {"s": broken}, token=api_token("regulator"))
    err = body["errors"][0]
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert re.search(r"standard:\d+, field 'rules\[\d+\]\.start'", err["message"]) and "25:00" in err["message"]
    _s, body = gql(PUBLISH, {"s": CN_2026}, token=api_token("bank-a"))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    _s, body = gql("{ standardInForce { code version } }", token=api_token("bank-a"))
    assert body["data"]["standardInForce"] == {"code": "cn-regional", "version": "2026.1"}
