"""The mediation journey over GraphQL: referral (idempotent), acceptance, invitations, a session, the agreement kept
as evidence, the application within 30 days and the ruling; and the registry link that shows the mediator the
case's debts in full while the case is open."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.registry.vocab import shanghai_today
from portal.services.evidence.models import EvidenceEntry, EvidenceParty
from portal.tenancy.models import Institution
from tests.services.mediation.conftest import ZHANG, agreement_vars

CASE_FIELDS = """id status open referred { amount currency } creditor { code } mediator { code }
  debts { debtId outstandingAtReferral { amount currency } inMediation }
  events { kind party channel attendees note } agreedAmount { amount currency } instalments { dueOn amount { amount } }
  signedOn agreementEvidenceEntryId agreementSha256 confirmationDueOn confirmationDaysLeft confirmationOverdue
  court filedOn ruling ruledOn closedAt"""
REFER = f"""mutation($i: ReferToMediationInput!) {{ referToMediation(input: $i) {{ case {{ {CASE_FIELDS} }} }} }}"""
ACCEPT = f"mutation($id: ID!) {{ acceptMediationCase(id: $id) {{ case {{ {CASE_FIELDS} }} }} }}"
INVITE = """mutation($c: ID!, $p: MediationParty!, $ch: InvitationChannel!) {
  inviteMediationParty(caseId: $c, party: $p, channel: $ch) { event { id kind party channel }
    case { events { kind } } } }"""
SESSION = """mutation($c: ID!, $at: DateTime!, $who: [String!]!, $o: String!) {
  recordMediationSession(caseId: $c, heldAt: $at, attendees: $who, outcome: $o) { event { kind attendees note } } }"""
AGREE = f"""mutation($i: MediationAgreementInput!) {{
  recordMediationAgreement(input: $i) {{ case {{ {CASE_FIELDS} }} }} }}"""
APPLY = f"""mutation($c: ID!, $court: String!, $on: Date!) {{
  applyForJudicialConfirmation(caseId: $c, court: $court, filedOn: $on) {{ case {{ {CASE_FIELDS} }} }} }}"""
RULING = f"""mutation($c: ID!, $ok: Boolean!, $on: Date!) {{
  recordJudicialRuling(caseId: $c, confirmed: $ok, ruledOn: $on) {{ case {{ {CASE_FIELDS} }} }} }}"""
CASES = """query($f: MediationCaseFilter, $first: Int, $after: String) { mediationCases(filter: $f, first: $first,
  after: $after) { edges { node { id status } cursor } pageInfo { hasNextPage endCursor } } }"""
CASE = f"query($id: ID!) {{ mediationCase(id: $id) {{ {CASE_FIELDS} }} }}"
DEBTS = "{ debts(first: 50) { edges { node { id outstanding { amount } debtor { name idNumber phone } } } } }"
DEBTOR = """query($id: String!) { debtor(ref: {idNumber: $id}, purpose: COLLECTION) {
  debtor { idNumber } ownDebts { id } shared { debtCount } } }"""


def refer_vars(world, key="case-1", debts=("zhang-1", "zhang-2"), mediator="mediator", note="大额逾期"):
    return {"i": {"clientKey": key, "debtIds": [str(world.debts[d]) for d in debts], "mediator": mediator,
                  "note": note}}


def ok(body, field):
    assert "errors" not in body, body
    return body["data"][field]


def test_the_whole_journey(world, gql, api_token):
    bank, mediator, regulator = api_token("bank-a"), api_token("mediator"), api_token("regulator")
    _s, body = gql(REFER, refer_vars(world), token=bank)
    case = ok(body, "referToMediation")["case"]
    assert case["status"] == "REFERRED" and case["open"] is True
    assert case["referred"] == {"amount": "50000.00", "currency": "CNY"}
    assert case["creditor"]["code"] == "bank-a" and case["mediator"]["code"] == "mediator"
    assert [d["inMediation"] for d in case["debts"]] == [True, True]
    cid = case["id"]

    # re-sending the same key returns the same case; another payload under the key is a conflict
    _s, again = gql(REFER, refer_vars(world), token=bank)
    assert ok(again, "referToMediation")["case"]["id"] == cid
    _s, clash = gql(REFER, refer_vars(world, debts=("zhang-1",)), token=bank)
    assert clash["errors"][0]["extensions"]["code"] == "CONFLICT" and "case-1" in clash["errors"][0]["message"]

    _s, body = gql(ACCEPT, {"id": cid}, token=mediator)
    assert ok(body, "acceptMediationCase")["case"]["status"] == "IN_MEDIATION"
    for count, (party, channel) in enumerate((("BANK", "EMAIL"), ("DEBTOR", "PHONE")), start=1):
        _s, body = gql(INVITE, {"c": cid, "p": party, "ch": channel}, token=mediator)
        assert ok(body, "inviteMediationParty")["event"]["party"] == party
        assert len(body["data"]["inviteMediationParty"]["case"]["events"]) == count
    _s, body = gql(SESSION, {"c": cid, "at": "2026-01-01T10:00:00+08:00", "who": ["张伟"], "o": "x"}, token=mediator)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"  # before the referral
    from portal.core.timeutil import utcnow

    held = utcnow().isoformat()
    _s, body = gql(SESSION, {"c": cid, "at": held, "who": ["调解员 王敏", "张伟", "bank-a 法务"],
                             "o": "同意分两期还款"}, token=mediator)
    assert ok(body, "recordMediationSession")["event"]["attendees"] == ["调解员 王敏", "张伟", "bank-a 法务"]

    today = shanghai_today()
    _s, body = gql(AGREE, agreement_vars(cid, today), token=mediator)
    case = ok(body, "recordMediationAgreement")["case"]
    assert case["status"] == "AGREED" and case["agreedAmount"] == {"amount": "30000.00", "currency": "CNY"}
    assert [i["amount"]["amount"] for i in case["instalments"]] == ["15000.00", "15000.00"]
    assert case["confirmationDueOn"] == (today + timedelta(days=30)).isoformat()
    assert case["confirmationDaysLeft"] == 30 and case["confirmationOverdue"] is False
    entry_id = int(case["agreementEvidenceEntryId"])
    with world.app.extensions["db"].unit_of_work() as s:
        entry = s.get(EvidenceEntry, entry_id)
        assert entry.kind == "mediation-agreement"
        parties = set(s.scalars(
            select(Institution.code).join(EvidenceParty, EvidenceParty.institution_id == Institution.id)
            .where(EvidenceParty.entry_id == entry_id)))
    assert parties == {"mediator", "bank-a"}
    assert [e["kind"] for e in case["events"]] == ["invitation", "invitation", "session"]

    _s, body = gql(APPLY, {"c": cid, "court": "越城区人民法院", "on": today.isoformat()}, token=mediator)
    case = ok(body, "applyForJudicialConfirmation")["case"]
    assert case["status"] == "CONFIRMATION_APPLIED" and case["court"] == "越城区人民法院"
    assert case["confirmationDaysLeft"] is None

    # while the case is open the mediator reads the case's debts in full through the registry
    _s, body = gql(DEBTS, token=mediator)
    seen = {int(e["node"]["id"]) for e in ok(body, "debts")["edges"]}
    assert seen == {world.debts["zhang-1"], world.debts["zhang-2"]}
    node = ok(body, "debts")["edges"][0]["node"]
    assert node["debtor"]["idNumber"] != ZHANG and "*" in node["debtor"]["idNumber"]
    _s, body = gql(DEBTOR, {"id": ZHANG}, token=mediator)
    report = ok(body, "debtor")
    assert {int(d["id"]) for d in report["ownDebts"]} == seen and "*" in report["debtor"]["idNumber"]

    _s, body = gql(RULING, {"c": cid, "ok": True, "on": today.isoformat()}, token=mediator)
    case = ok(body, "recordJudicialRuling")["case"]
    assert case["status"] == "CONFIRMED" and case["ruling"] == "confirmed" and case["open"] is False
    assert case["closedAt"] and [d["inMediation"] for d in case["debts"]] == [False, False]

    # the case is over: the link ends
    _s, body = gql(DEBTS, token=mediator)
    assert ok(body, "debts")["edges"] == []
    _s, body = gql(DEBTOR, {"id": ZHANG}, token=mediator)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # the bank and the regulator still read the closed case
    for token in (bank, regulator, mediator):
        _s, body = gql(CASE, {"id": cid}, token=token)
        assert ok(body, "mediationCase")["status"] == "CONFIRMED"


def test_list_filters_by_status_and_pages(world, gql, api_token):
    bank, mediator = api_token("bank-a"), api_token("mediator")
    ids = []
    for key, debts in (("k1", ("zhang-1",)), ("k2", ("zhang-2",)), ("k3", ("li",))):
        _s, body = gql(REFER, refer_vars(world, key=key, debts=debts), token=bank)
        ids.append(ok(body, "referToMediation")["case"]["id"])
    gql(ACCEPT, {"id": ids[1]}, token=mediator)
    _s, body = gql(CASES, {"first": 2}, token=mediator)
    page = ok(body, "mediationCases")
    assert [e["node"]["id"] for e in page["edges"]] == ids[:2] and page["pageInfo"]["hasNextPage"]
    _s, body = gql(CASES, {"first": 2, "after": page["pageInfo"]["endCursor"]}, token=mediator)
    assert [e["node"]["id"] for e in ok(body, "mediationCases")["edges"]] == ids[2:]
    _s, body = gql(CASES, {"f": {"status": "IN_MEDIATION"}}, token=bank)
    assert [e["node"]["id"] for e in ok(body, "mediationCases")["edges"]] == [ids[1]]
    _s, body = gql(CASES, {"first": 101}, token=bank)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # the mediator sees the debts of all three open cases, and nothing of bank-b's or the current debt
    _s, body = gql(DEBTS, token=mediator)
    seen = {int(e["node"]["id"]) for e in ok(body, "debts")["edges"]}
    assert seen == {world.debts[k] for k in ("zhang-1", "zhang-2", "li")}


CLOSE = """mutation($id: ID!, $o: MediationCloseOutcome!, $n: String) { closeMediationCase(id: $id, outcome: $o,
  note: $n) { case { status open closedAt } } }"""


def test_close_as_failed_by_the_mediator_and_withdrawn_by_the_bank(world, gql, api_token):
    bank, mediator = api_token("bank-a"), api_token("mediator")
    _s, body = gql(REFER, refer_vars(world, key="f", debts=("li",)), token=bank)
    failed = ok(body, "referToMediation")["case"]["id"]
    gql(ACCEPT, {"id": failed}, token=mediator)
    _s, body = gql(CLOSE, {"id": failed, "o": "FAILED"}, token=mediator)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "note" in body["errors"][0]["message"]
    _s, body = gql(CLOSE, {"id": failed, "o": "FAILED", "n": "债务人拒绝调解，建议起诉"}, token=mediator)
    assert ok(body, "closeMediationCase")["case"]["status"] == "FAILED"
    _s, body = gql(CLOSE, {"id": failed, "o": "WITHDRAWN"}, token=bank)
    assert body["errors"][0]["extensions"]["code"] == "CONFLICT" and "FAILED" in body["errors"][0]["message"]
    _s, body = gql(REFER, refer_vars(world, key="w", debts=("li",)), token=bank)
    withdrawn = ok(body, "referToMediation")["case"]["id"]
    _s, body = gql(CLOSE, {"id": withdrawn, "o": "WITHDRAWN"}, token=mediator)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    _s, body = gql(CLOSE, {"id": withdrawn, "o": "WITHDRAWN", "n": "已和解"}, token=bank)
    assert ok(body, "closeMediationCase")["case"]["open"] is False
