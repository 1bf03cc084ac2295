"""Bad input through GraphQL is BAD_USER_INPUT naming the value; pages cost the same statements at 10 and 100 rows."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from sqlalchemy import event, insert, select

from portal.services.scoring.models import MonitoringRun, Score, ScoringModel
from tests.services.scoring.test_scoring_gql_access import SCORE, code_of


def bad(body: dict, *needles: str) -> str:
    """Assert BAD_USER_INPUT whose message names every needle; returns the message."""
    assert code_of(body) == "BAD_USER_INPUT", body
    message = body["errors"][0]["message"]
    for needle in needles:
        assert needle in message, (needle, message)
    return message


def with_value(features: list[dict], name: str, value: str | None) -> list[dict]:
    """The feature list with ``name`` set to ``value``."""
    return [{"name": f["name"], "value": value if f["name"] == name else f["value"]} for f in features]


def test_unknown_feature_and_text_in_a_numeric_feature(gql, scoring_world):
    w, token = scoring_world, scoring_world.tokens["bank-a"]
    body = gql(SCORE, {"input": {"features": [*w.features, {"name": "shoe_size", "value": "42"}]}}, token)[1]
    bad(body, "unknown feature", "'shoe_size'")
    body = gql(SCORE, {"input": {"features": with_value(w.features, "duration_in_month", "twelve")}}, token)[1]
    bad(body, "'duration_in_month'", "'twelve'", "not a number")
    body = gql(SCORE, {"input": {"featuresJson": json.dumps({**w.record, "credit_amount": "1e999"})}}, token)[1]
    bad(body, "'credit_amount'", "1e999")
    body = gql(SCORE, {"input": {"features": [f for f in w.features if f["name"] != "duration_in_month"]}}, token)[1]
    bad(body, "'duration_in_month'", "missing")
    body = gql(SCORE, {"input": {"features": [*w.features, w.features[0]]}}, token)[1]
    bad(body, repr(w.features[0]["name"]), "twice")


def test_features_as_json_and_the_input_envelope(gql, scoring_world):
    w, token = scoring_world, scoring_world.tokens["bank-a"]
    numbers = {k: (float(v) if v is not None and v.replace(".", "", 1).isdigit() else v) for k, v in w.record.items()}
    one = gql(SCORE, {"input": {"featuresJson": json.dumps(numbers), "subjectRef": "app-7"}}, token)[1]
    two = gql(SCORE, {"input": {"features": w.features, "subjectRef": "app-8"}}, token)[1]
    assert one["data"]["scoreApplicant"]["score"] == two["data"]["scoreApplicant"]["score"]
    assert one["data"]["scoreApplicant"]["subjectRef"] == "app-7"
    bad(gql(SCORE, {"input": {"featuresJson": "{nope"}}, token)[1], "featuresJson", "not valid JSON")
    bad(gql(SCORE, {"input": {"featuresJson": "[1, 2]"}}, token)[1], "featuresJson", "object")
    bad(gql(SCORE, {"input": {"features": w.features, "featuresJson": "{}"}}, token)[1], "exactly one")
    bad(gql(SCORE, {"input": {}}, token)[1], "exactly one")
    bad(gql(SCORE, {"input": {"features": w.features, "modelId": "abc"}}, token)[1], "modelId", "'abc'")
    bad(gql(SCORE, {"input": {"features": w.features, "subjectRef": "x" * 65}}, token)[1], "subjectRef")
    bad(gql(SCORE, {"input": {"features": w.features, "purpose": "SUPERVISION"}}, token)[1], "SUPERVISION")
    bad(gql(SCORE, {"input": {"features": w.features, "purpose": "BRIBERY"}}, token)[1], "BRIBERY")
    bad(gql(SCORE, {"input": {"features": w.features, "debtorRef": {"idNumber": "123"}}}, token)[1], "identity")
    bad(gql(SCORE, {"input": {"features": w.features, "debtorRef": {}}}, token)[1], "exactly one")


@pytest.mark.parametrize("field", ["scoringModels", "scoringModelCards", "scoringAggregates", "applicantScores",
                                   "scoringMonitoringRuns"])
def test_pages_refuse_more_than_100_and_forged_cursors(gql, scoring_world, field):
    token = scoring_world.tokens["bank-a"]
    bad(gql(f"{{ {field}(first: 101) {{ pageInfo {{ hasNextPage }} }} }}", token=token)[1], "first", "101")
    bad(gql(f"{{ {field}(first: -1) {{ pageInfo {{ hasNextPage }} }} }}", token=token)[1], "first", "-1")
    bad(gql(f'{{ {field}(after: "AAAA.bbbb") {{ pageInfo {{ hasNextPage }} }} }}', token=token)[1], "AAAA.bbbb")


def test_other_bad_arguments_name_the_value(gql, scoring_world):
    token = scoring_world.tokens["bank-a"]
    bad(gql('{ scoringModel(id: "x1") { id } }', token=token)[1], "'x1'")
    bad(gql("{ scoringMonitoringRuns(minLevel: LOUD) { pageInfo { hasNextPage } } }", token=token)[1], "LOUD")
    bad(gql('{ applicantScores(batchId: "b") { pageInfo { hasNextPage } } }', token=token)[1], "batchId", "'b'")
    query = "query($r: DebtorRef!) { riskBand(ref: $r, purpose: COLLECTION) { band } }"
    both = {"idNumber": scoring_world.person, "uscc": "91330602MA2BCDEF0X"}
    bad(gql(query, {"r": both}, scoring_world.tokens["bank-b"])[1], "exactly one")


def test_cursor_pages_walk_the_models_without_gaps(gql, scoring_world):
    token = scoring_world.tokens["bank-a"]
    query = "query($a: String) { scoringModels(first: 1, after: $a) { edges { node { version } cursor } " \
            "pageInfo { hasNextPage endCursor } } }"
    seen, after = [], None
    while True:
        page = gql(query, {"a": after}, token)[1]["data"]["scoringModels"]
        seen += [e["node"]["version"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [2, 1]
    other = gql("{ scoringModelCards(first: 1) { pageInfo { endCursor } } }", token=token)[1]
    cursor = other["data"]["scoringModelCards"]["pageInfo"]["endCursor"]
    bad(gql(query, {"a": cursor}, token)[1], "another list")


@contextmanager
def counting(engine):
    """Count the SQL statements run on ``engine`` inside the block."""
    seen = [0]

    def before(*_args):
        seen[0] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def many(app, scoring_world, region):
    """120 more versions of bank-a's model, each approved and with a monitoring run and a score."""
    with app.extensions["db"].unit_of_work() as s:
        base = s.get(ScoringModel, scoring_world.champion)
        cols = {c.key: getattr(base, c.key) for c in ScoringModel.__table__.columns if c.key != "id"}
        admin = region["bank-a"]["user_id"]
        s.execute(insert(ScoringModel), [{**cols, "version": 10 + i, "status": "retired", "created_by": admin,
                                          "approved_by": admin} for i in range(120)])
        ids = s.scalars(select(ScoringModel.id)).all()
        s.execute(insert(MonitoringRun), [{"institution_id": base.institution_id, "model_id": i, "rows": 10,
                                           "psi": 0.3, "level": "alert",
                                           "report_json": json.dumps({"csi": {"x": {"value": 0.3,
                                                                                    "level": "alert"}}})}
                                          for i in ids])
        s.execute(insert(Score), [{"institution_id": base.institution_id, "model_id": i, "subject_ref": f"s{i}",
                                   "pd": 0.1, "band": "D", "reasons_json": json.dumps(
                                       [{"code": "x", "points_lost": 1.5}])} for i in ids])


QUERIES = {
    "scoringModels": "scoringModels(first: $n) { edges { node { id institution { code } card { document "
                     "characteristics { name } } createdBy { email } approvedBy { email } metrics { auc } "
                     "stability { level csi { characteristic value } } } } }",
    "scoringModelCards": "scoringModelCards(first: $n) { edges { node { modelId institution { code } document } } }",
    "scoringAggregates": "scoringAggregates(first: $n) { edges { node { modelId institution { code } "
                         "bands { band count } meanPd stability { level psi alerts } } } }",
    "applicantScores": "applicantScores(first: $n) { edges { node { id score band reasonCodes { feature text } "
                       "model { id name version } } } }",
    "scoringMonitoringRuns": "scoringMonitoringRuns(first: $n, minLevel: WARN) { edges { node { id level csi { "
                             "characteristic level } } } }",
}


@pytest.mark.parametrize("field", sorted(QUERIES))
def test_statement_count_does_not_grow_with_the_page(app, gql, scoring_world, many, field):
    token = "regulator" if field in ("scoringModelCards", "scoringAggregates") else "bank-a"
    query = f"query($n: Int) {{ {QUERIES[field]} }}"
    warm = gql("{ me { roles } }", token=scoring_world.tokens[token])  # first use writes last_used_at: not counted
    assert warm[0] == 200 and "errors" not in warm[1], warm
    counts = {}
    for n in (10, 100):
        with counting(app.extensions["db"].engine) as seen:
            status, body = gql(query, {"n": n}, scoring_world.tokens[token])
        assert status == 200 and "errors" not in body, body
        assert len(body["data"][field]["edges"]) == n
        counts[n] = seen[0]
    assert counts[10] == counts[100], counts
