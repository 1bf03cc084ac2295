"""Who sees a mediation case: the referring bank, the case's mediator, the regulator — nobody else, and nobody
else learns whether a case exists. The collector is refused contact while the debt is in mediation (CS-MED-01)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from portal.core.errors import Forbidden
from portal.core.timeutil import SHANGHAI
from portal.registry.vocab import shanghai_today
from portal.services.compliance import operations as compliance
from portal.services.mediation import operations as ops
from tests.services.compliance.conftest import PHONE
from tests.services.mediation.conftest import ZHANG
from tests.services.mediation.test_mediation_journey import ACCEPT, CASE, CASES, DEBTOR, DEBTS, REFER, ok, refer_vars
from tests.services.mediation.test_mediation_refusals import refer, step

OUTSIDERS = ("bank-b", "bank-c", "agency-a", "agency-b", "tracer", "mediator-2")
MUTATIONS = {
    "accept": (ACCEPT, lambda cid: {"id": cid}),
    "decline": ("mutation($id: ID!) { declineMediationCase(id: $id, reason: \"r\") { case { id } } }",
                lambda cid: {"id": cid}),
    "withdraw": ("mutation($id: ID!) { closeMediationCase(id: $id, outcome: WITHDRAWN) { case { id } } }",
                 lambda cid: {"id": cid}),
    "invite": ("mutation($id: ID!) { inviteMediationParty(caseId: $id, party: DEBTOR, channel: SMS) { event { id } } }",
               lambda cid: {"id": cid}),
}


def _error(body):
    assert body.get("data") is None or not any((body.get("data") or {}).values()), body
    return body["errors"][0]["extensions"]["code"], body["errors"][0]["message"]


@pytest.fixture
def case_id(world, gql, api_token):
    _s, body = gql(REFER, refer_vars(world), token=api_token("bank-a"))
    return ok(body, "referToMediation")["case"]["id"]


@pytest.mark.parametrize("code", OUTSIDERS)
def test_outsiders_see_no_case_and_cannot_tell_it_exists(world, gql, api_token, case_id, code):
    token = api_token(code)
    _s, body = gql(CASE, {"id": case_id}, token=token)
    existing = _error(body)
    _s, body = gql(CASE, {"id": "999999"}, token=token)
    absent = _error(body)
    assert existing[0] in ("FORBIDDEN", "NOT_FOUND") and existing[0] == absent[0]
    assert existing[1].replace(case_id, "N") == absent[1].replace("999999", "N")
    _s, body = gql(CASES, {}, token=token)
    if code.startswith(("agency", "tracer")):
        assert _error(body)[0] == "FORBIDDEN"
    else:
        assert ok(body, "mediationCases")["edges"] == []
    for name, (query, variables) in MUTATIONS.items():
        _s, body = gql(query, variables(case_id), token=token)
        assert _error(body)[0] in ("FORBIDDEN", "NOT_FOUND"), name
        _s, other = gql(query, variables("999999"), token=token)
        assert _error(other)[0] == _error(body)[0], name
    # the case gives no one else the case's debts (agency-a keeps only the debt assigned to it)
    _s, body = gql(DEBTS, token=token)
    if "errors" not in body:
        ids = {int(e["node"]["id"]) for e in body["data"]["debts"]["edges"]}
        assigned = {world.debts["zhang-1"]} if code == "agency-a" else set()
        assert ids & {world.debts["zhang-1"], world.debts["zhang-2"]} == assigned


def test_the_bank_the_mediator_and_the_regulator_see_the_case(world, gql, api_token, case_id):
    for code in ("bank-a", "mediator", "regulator"):
        _s, body = gql(CASE, {"id": case_id}, token=api_token(code))
        assert ok(body, "mediationCase")["id"] == case_id
        _s, body = gql(CASES, {}, token=api_token(code))
        assert [e["node"]["id"] for e in ok(body, "mediationCases")["edges"]] == [case_id]


def test_the_other_mediator_reads_no_debt_and_no_debtor(world, gql, api_token, case_id):
    token = api_token("mediator-2")
    _s, body = gql(DEBTS, token=token)
    assert ok(body, "debts")["edges"] == []
    _s, body = gql(DEBTOR, {"id": ZHANG}, token=token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_declined_case_no_longer_links_its_debts(world, gql, api_token, case_id):
    mediator = api_token("mediator")
    _s, body = gql(DEBTS, token=mediator)
    assert len(ok(body, "debts")["edges"]) == 2
    _s, body = gql(MUTATIONS["decline"][0], {"id": case_id}, token=mediator)
    ok(body, "declineMediationCase")
    _s, body = gql(DEBTS, token=mediator)
    assert ok(body, "debts")["edges"] == []
    _s, body = gql(CASE, {"id": case_id}, token=mediator)
    assert ok(body, "mediationCase")["status"] == "DECLINED"


def _contact(world, uow, when):
    attempt = {"debt_id": world.debts["zhang-1"], "number": PHONE, "counterparty": "debtor", "channel": "call",
               "started_at": when, "identified": True, "recorded": True}
    with uow() as s:
        return compliance.check_contact(world.p("agency-a"), attempt, session=s,
                                        keyring=world.app.extensions["keyring"])


def test_the_collector_is_refused_contact_while_the_debt_is_in_mediation(world, uow):
    tomorrow = shanghai_today() + timedelta(days=1)
    when = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 10, 0, tzinfo=SHANGHAI)
    assert _contact(world, uow, when).allowed
    cid = refer(world, uow, key="hold", debts=("zhang-1",))
    result = _contact(world, uow, when)
    assert not result.allowed and "CS-MED-01" in result.refused_by
    step(world, uow, ops.accept_case, "mediator", cid)
    assert "CS-MED-01" in _contact(world, uow, when).refused_by
    step(world, uow, ops.withdraw_case, "bank-a", cid, "paid")
    assert _contact(world, uow, when).allowed


def test_agency_and_tracer_are_forbidden_at_the_operation(world, uow):
    cid = refer(world, uow)
    for who in ("agency-a", "tracer"):
        with pytest.raises(Forbidden):
            step(world, uow, ops.get_case, who, cid)
        with pytest.raises(Forbidden):
            step(world, uow, ops.list_cases, who, after_id=None, limit=10)


def test_the_read_policy_refuses_another_institutions_case(world, uow):
    from portal.access import check_access
    from portal.services.mediation.models import MediationCase

    cid = refer(world, uow)
    with uow() as s:
        case = s.get(MediationCase, cid)
        for code in ("bank-a", "mediator", "regulator"):
            check_access("mediation.case.read", world.p(code), case)
        for code in ("bank-b", "mediator-2", "agency-a", "tracer"):
            with pytest.raises(Forbidden):
                check_access("mediation.case.read", world.p(code), case)
