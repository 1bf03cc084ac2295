"""The tracing GraphQL contract: the journey through /graphql, error codes, pagination, and tenants that see nothing."""

from __future__ import annotations

import json

from tests.services.tracing.conftest import E1, P1, signal

REQUEST = """mutation($i: RequestTracingInput!) { requestTracing(input: $i) { created
  request { id status tracer creditor debtorName clientKey } } }"""
POST = """mutation($i: TracingSignalInput!) { postTracingSignal(input: $i) { created
  signal { id key status subject kind } } }"""
BATCH = """mutation($t: String!) { postTracingSignalBatch(jsonl: $t) { lines stored unchanged refusedCount
  refused { line reason } unresolved rescoreChunks } }"""
ALERTS = """query($f: TracingAlertFilter, $first: Int, $after: String) { tracingAlerts(filter: $f, first: $first,
  after: $after) { edges { cursor node { id debtorName level score acknowledgedAt
  contributions { signalId kind kindNameZh points } } } pageInfo { hasNextPage endCursor } } }"""
REQUESTS = "{ tracingRequests { edges { node { id status debtorName } } } }"
UNRESOLVED = "{ unresolvedTracingSignals { edges { node { id key status matchScore matchReason } } } }"


def _codes(body):
    return {e["extensions"]["code"] for e in body.get("errors", [])}


def test_journey_through_graphql(world, gql, api_token):
    bank, tracer, other = api_token("bank-a"), api_token("tracer"), api_token("bank-b")
    req = {"clientKey": "g1", "debtId": str(world.debts["e1"]), "tracer": "tracer", "reason": "跑路风险"}
    _s, body = gql(REQUEST, {"i": req}, bank)
    assert body["data"]["requestTracing"]["created"], body
    request = body["data"]["requestTracing"]["request"]
    assert request["tracer"] == "tracer" and request["debtorName"] == E1[0] and request["clientKey"] == "g1"
    _s, body = gql(REQUEST, {"i": {**req, "reason": "other"}}, bank)
    assert _codes(body) == {"CONFLICT"}
    _s, body = gql(REQUESTS, None, tracer)
    assert [e["node"]["id"] for e in body["data"]["tracingRequests"]["edges"]] == [request["id"]]
    _s, body = gql(REQUESTS, None, other)
    assert body["data"]["tracingRequests"]["edges"] == []

    sig = {"key": "g-s1", "kind": "EXIT_ENTRY", "idNumber": P1[1], "observedAt": signal("x")["observedAt"],
           "severity": "CRITICAL", "source": "出入境"}
    _s, body = gql(POST, {"i": sig}, tracer)
    posted = body["data"]["postTracingSignal"]
    assert posted["created"] and posted["signal"]["status"] == "accepted"
    assert posted["signal"]["subject"] == P1[1][:4] + "**********" + P1[1][-4:]
    _s, body = gql(POST, {"i": {**sig, "idNumber": P1[1][:-1] + "0"}}, tracer)
    assert _codes(body) == {"BAD_USER_INPUT"} and "3306**********" in body["errors"][0]["message"]
    _s, body = gql(POST, {"i": sig}, bank)
    assert _codes(body) == {"FORBIDDEN"}

    lines = "\n".join([json.dumps(signal("g-b1", kind="equity_freeze", uscc=E1[1])), "oops",
                       json.dumps(signal("g-b2", name="完全不同的名字", district="越城区"), ensure_ascii=False)])
    _s, body = gql(BATCH, {"t": lines}, tracer)
    batch = body["data"]["postTracingSignalBatch"]
    assert (batch["lines"], batch["stored"], batch["refusedCount"], batch["unresolved"]) == (3, 2, 1, 1)
    assert batch["refused"][0]["line"] == 2 and batch["rescoreChunks"] == 1

    _s, body = gql(UNRESOLVED, None, tracer)
    queue = [e["node"] for e in body["data"]["unresolvedTracingSignals"]["edges"]]
    assert [q["key"] for q in queue] == ["g-b2"] and queue[0]["matchReason"]
    _s, body = gql("""mutation($s: ID!, $r: ID!) { linkTracingSignal(signalId: $s, requestId: $r) { status } }""",
                   {"s": queue[0]["id"], "r": request["id"]}, tracer)
    assert body["data"]["linkTracingSignal"]["status"] == "accepted", body

    _s, body = gql(ALERTS, {"first": 1}, bank)
    page = body["data"]["tracingAlerts"]
    assert len(page["edges"]) == 1 and page["pageInfo"]["hasNextPage"]
    _s, body = gql(ALERTS, {"first": 1, "after": page["pageInfo"]["endCursor"]}, bank)
    second = body["data"]["tracingAlerts"]
    assert len(second["edges"]) == 1 and not second["pageInfo"]["hasNextPage"]
    alerts = [e["node"] for e in page["edges"] + second["edges"]]
    assert {a["debtorName"] for a in alerts} == {E1[0], P1[0]}
    assert all(a["contributions"] and a["contributions"][0]["kindNameZh"] for a in alerts)
    _s, body = gql(ALERTS, {"first": 101}, bank)
    assert _codes(body) == {"BAD_USER_INPUT"}

    ack = """mutation($id: ID!) { acknowledgeTracingAlert(id: $id) { acknowledgedAt alert { id } } }"""
    _s, body = gql(ack, {"id": alerts[0]["id"]}, other)
    assert _codes(body) == {"FORBIDDEN"}
    _s, body = gql(ack, {"id": alerts[0]["id"]}, bank)
    assert body["data"]["acknowledgeTracingAlert"]["acknowledgedAt"]
    _s, body = gql(ALERTS, {"f": {"unacknowledged": True}}, bank)
    assert [e["node"]["id"] for e in body["data"]["tracingAlerts"]["edges"]] == [alerts[1]["id"]]

    close = """mutation($id: ID!) { closeTracingRequest(id: $id) { status } }"""
    _s, body = gql(close, {"id": request["id"]}, api_token("tracer-b"))
    assert _codes(body) == {"NOT_FOUND"}
    _s, body = gql(close, {"id": request["id"]}, tracer)
    assert body["data"]["closeTracingRequest"]["status"] == "closed"


def test_tenants_without_a_right_get_nothing_through_graphql(world, gql, api_token):
    bank = api_token("bank-a")
    gql(REQUEST, {"i": {"clientKey": "g1", "debtId": str(world.debts["e1"]), "tracer": "tracer",
                        "reason": "r"}}, bank)
    _s, body = gql(POST, {"i": {"key": "k", "kind": "EXIT_ENTRY", "uscc": E1[1],
                                "observedAt": signal("x")["observedAt"], "severity": "CRITICAL"}},
                   api_token("tracer"))
    assert body["data"]["postTracingSignal"]["created"], body
    _s, body = gql(ALERTS, None, bank)
    assert len(body["data"]["tracingAlerts"]["edges"]) == 1
    for code in ("bank-b", "agency-b", "tracer-b"):
        _s, body = gql(ALERTS, None, api_token(code))
        assert body["data"]["tracingAlerts"]["edges"] == [], code
        _s, body = gql(REQUESTS, None, api_token(code))
        assert body.get("data") is None or body["data"]["tracingRequests"]["edges"] == [], code
    _s, body = gql(ALERTS, None, api_token("mediator"))
    assert _codes(body) == {"FORBIDDEN"}
    _s, body = gql(REQUESTS, None, api_token("mediator"))
    assert _codes(body) == {"FORBIDDEN"}


def test_statement_count_does_not_grow_with_the_page(world, gql, api_token, app):
    from sqlalchemy import event

    from portal.services.tracing import operations as tracing
    from tests.services.tracing.conftest import E2

    with world.uow() as s:
        for key, subject in (("a", {"uscc": E1[1]}), ("b", {"idNumber": P1[1]}), ("c", {"uscc": E2[1]})):
            tracing.post_signal(world.p("tracer"), signal(key, **subject), keyring=world.keyring, session=s)
    token = api_token("regulator")
    engine = app.extensions["db"].engine
    counts = []
    for first in (1, 3):
        seen = []

        def count(_c, _cur, statement, *_a, _seen=seen):
            if "api_tokens" not in statement and statement != "BEGIN":  # the token's last-use write is not the page's
                _seen.append(statement.split()[0] + " " + statement[-60:].replace("\n", " "))

        event.listen(engine, "before_cursor_execute", count)
        try:
            _s, body = gql(ALERTS, {"first": first}, token)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert len(body["data"]["tracingAlerts"]["edges"]) == first, body
        counts.append(seen)
    assert len(counts[0]) == len(counts[1]), "\n".join(counts[0]) + "\n----\n" + "\n".join(counts[1])
