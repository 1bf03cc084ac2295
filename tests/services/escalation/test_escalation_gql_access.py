"""Who sees what of the ladder through /graphql, for every tenant kind: the creditor bank its book; another bank
nothing of it; the assigned agency the stage of its debts; another agency nothing; the regulator counts per bank and,
with SUPERVISION, the rows; mediators and tracers nothing (FORBIDDEN); the anonymous UNAUTHENTICATED."""

from __future__ import annotations

import pytest
from escalation_world import AS_OF, sweep

BOARD = "{ escalationBoard { perStage { stage count } movedToday { stage count } lettersAwaitingApproval " \
        "referralCandidates lastSweep { transitions } } }"
DEBTS = """query($stage: EscalationStage, $purpose: Purpose, $first: Int, $after: String) {
  escalationDebts(stage: $stage, purpose: $purpose, first: $first, after: $after) {
    edges { cursor node { id stage daysPastDue outstanding { amount currency } referralCandidate } }
    pageInfo { hasNextPage endCursor } } }"""
LETTERS = """query($purpose: Purpose) { lawyerLetters(status: DRAFT, purpose: $purpose) {
  edges { node { id debtId status amount { amount } bodyZh } } } }"""
AGGREGATES = "{ escalationStageAggregates { institution { code } perStage { stage count } } }"
APPROVE = "mutation($ids: [ID!]!) { approveLawyerLetters(ids: $ids) { approvedIds alreadyApprovedIds } }"
REJECT = "mutation($id: ID!) { rejectLawyerLetter(id: $id, reason: \"wrong amount\") { letter { status } } }"
SWEEP = "mutation($asOf: Date, $bank: String) { runEscalationSweep(asOf: $asOf, bank: $bank) " \
        "{ sweeps { transitions letters referrals } } }"


def _code(body) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


@pytest.fixture
def swept(book):
    sweep(book)
    sweep(book, code="bank-b")
    return book


def test_the_creditor_bank_sees_its_board_debts_and_letters(swept, gql, api_token):
    token = api_token("bank-a")
    _, body = gql(BOARD, token=token)
    board = body["data"]["escalationBoard"]
    per_stage = {c["stage"]: c["count"] for c in board["perStage"]}
    assert per_stage == {"REMINDER": 2, "LAWYER_LETTER": 2, "JUDICIAL": 3}
    assert board["lettersAwaitingApproval"] == 2 and board["referralCandidates"] == 1
    _, body = gql(DEBTS, {"stage": "JUDICIAL", "first": 2}, token=token)
    page = body["data"]["escalationDebts"]
    assert [e["node"]["stage"] for e in page["edges"]] == ["JUDICIAL", "JUDICIAL"]
    assert page["pageInfo"]["hasNextPage"] is True
    _, body = gql(DEBTS, {"stage": "JUDICIAL", "first": 2, "after": page["pageInfo"]["endCursor"]}, token=token)
    rest = body["data"]["escalationDebts"]["edges"]
    assert len(rest) == 1 and rest[0]["node"]["id"] not in {e["node"]["id"] for e in page["edges"]}
    _, body = gql(DEBTS, {"first": 101}, token=token)
    assert _code(body) == "BAD_USER_INPUT"
    _, body = gql(LETTERS, token=token)
    letters = [e["node"] for e in body["data"]["lawyerLetters"]["edges"]]
    assert {lt["amount"]["amount"] for lt in letters} == {"12345.67"}
    ids = [lt["id"] for lt in letters]
    _, body = gql(APPROVE, {"ids": [*ids, "424242"]}, token=token)
    assert _code(body) == "NOT_FOUND" and "424242" in body["errors"][0]["message"]
    _, body = gql(APPROVE, {"ids": ids}, token=token)
    assert sorted(body["data"]["approveLawyerLetters"]["approvedIds"]) == sorted(ids)
    _, body = gql(APPROVE, {"ids": ids}, token=token)
    assert body["data"]["approveLawyerLetters"]["approvedIds"] == []
    _, body = gql(REJECT, {"id": ids[0]}, token=token)
    assert _code(body) == "CONFLICT"


def test_another_bank_sees_nothing_of_the_book(swept, gql, api_token):
    token = api_token("bank-b")
    _, body = gql(BOARD, token=token)
    per_stage = {c["stage"]: c["count"] for c in body["data"]["escalationBoard"]["perStage"]}
    assert per_stage == {"REMINDER": 0, "LAWYER_LETTER": 1, "JUDICIAL": 0}  # its own b1 only
    _, body = gql(DEBTS, token=token)
    assert [e["node"]["id"] for e in body["data"]["escalationDebts"]["edges"]] == [str(swept.debts["b1"])]
    _, body = gql(LETTERS, token=token)
    a_letters = {str(i) for i in (swept.debts["d31"], swept.debts["d90"])}
    assert not {e["node"]["debtId"] for e in body["data"]["lawyerLetters"]["edges"]} & a_letters
    _, body = gql(SWEEP, {"bank": "bank-a"}, token=token)
    assert _code(body) == "FORBIDDEN"


def test_the_assigned_agency_sees_the_stage_of_its_debts_only(swept, gql, api_token):
    _, body = gql(DEBTS, token=api_token("agency-a"))
    nodes = {e["node"]["id"]: e["node"]["stage"] for e in body["data"]["escalationDebts"]["edges"]}
    assert nodes == {str(swept.debts["d31"]): "LAWYER_LETTER", str(swept.debts["d91"]): "JUDICIAL"}
    for query in (BOARD, LETTERS, AGGREGATES):
        _, body = gql(query, token=api_token("agency-a"))
        assert _code(body) == "FORBIDDEN", query


def test_another_agency_sees_nothing(swept, gql, api_token):
    _, body = gql(DEBTS, token=api_token("agency-b"))
    assert body["data"]["escalationDebts"]["edges"] == []
    for query in (BOARD, LETTERS, AGGREGATES):
        _, body = gql(query, token=api_token("agency-b"))
        assert _code(body) == "FORBIDDEN"


def test_the_regulator_sees_counts_per_bank_and_rows_for_supervision(swept, gql, api_token):
    token = api_token("regulator")
    _, body = gql(AGGREGATES, token=token)
    rows = {r["institution"]["code"]: {c["stage"]: c["count"] for c in r["perStage"]}
            for r in body["data"]["escalationStageAggregates"]}
    assert rows["bank-a"] == {"REMINDER": 2, "LAWYER_LETTER": 2, "JUDICIAL": 3}
    assert rows["bank-b"]["LAWYER_LETTER"] == 1 and sum(rows["bank-c"].values()) == 0
    _, body = gql(DEBTS, token=token)
    assert _code(body) == "FORBIDDEN"
    _, body = gql(DEBTS, {"purpose": "SUPERVISION", "first": 100}, token=token)
    assert len(body["data"]["escalationDebts"]["edges"]) == 8
    _, body = gql(LETTERS, {"purpose": "SUPERVISION"}, token=token)
    assert len(body["data"]["lawyerLetters"]["edges"]) == 3
    _, body = gql(BOARD, token=token)
    assert _code(body) == "FORBIDDEN"
    _, body = gql(APPROVE, {"ids": ["1"]}, token=token)
    assert _code(body) == "FORBIDDEN"


@pytest.mark.parametrize("code", ["mediator", "tracer"])
def test_mediators_and_tracers_see_nothing(swept, gql, api_token, code):
    token = api_token(code)
    for query, variables in ((BOARD, None), (DEBTS, None), (DEBTS, {"purpose": "SUPERVISION"}), (LETTERS, None),
                             (AGGREGATES, None), (APPROVE, {"ids": ["1"]}), (REJECT, {"id": "1"}),
                             (SWEEP, {"bank": "bank-a"}), (SWEEP, None)):
        _, body = gql(query, variables, token=token)
        assert _code(body) == "FORBIDDEN", (query, body)
        assert body.get("data") is None


def test_the_anonymous_are_refused(swept, gql):
    for query in (BOARD, DEBTS, LETTERS, AGGREGATES, SWEEP):
        _, body = gql(query)
        assert _code(body) == "UNAUTHENTICATED"


def test_a_bank_runs_its_own_sweep_and_the_regulator_any(book, gql, api_token):
    _, body = gql(SWEEP, {"asOf": AS_OF.isoformat()}, token=api_token("bank-a"))
    assert body["data"]["runEscalationSweep"]["sweeps"] == [{"transitions": 7, "letters": 2, "referrals": 1}]
    _, body = gql(SWEEP, {"asOf": AS_OF.isoformat()}, token=api_token("regulator"))
    sweeps = body["data"]["runEscalationSweep"]["sweeps"]
    assert [s["transitions"] for s in sweeps] == [0, 1, 0]  # bank-a again: nothing; bank-b: b1; bank-c: empty
    _, body = gql(SWEEP, {"asOf": "2999-01-01"}, token=api_token("bank-a"))
    assert _code(body) == "BAD_USER_INPUT"
    _, body = gql("{ escalationLadder { version stages { stage minDaysPastDue maxDaysPastDue } "
                  "referralThreshold { amount } } }", token=api_token("agency-a"))
    ladder = body["data"]["escalationLadder"]
    assert [s["minDaysPastDue"] for s in ladder["stages"]] == [1, 31, 91]
    assert ladder["referralThreshold"]["amount"] == "5000000.00"
