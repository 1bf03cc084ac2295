"""Batch scoring as chunked Celery tasks on a real in-process worker, and PSI/CSI alerts surfaced through GraphQL."""

from __future__ import annotations

import json
import time

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import func, select

from portal.core.errors import Forbidden
from portal.services.scoring import metrics, tasks
from portal.services.scoring import operations as ops
from portal.services.scoring.models import MonitoringRun, Score, ScoringBatch, ScoringBatchChunk
from portal.tenancy.models import User
from tests.services.scoring.test_scoring_gql_access import code_of

BATCH = """mutation B($input: ScoreBatchInput!) { scoreBatch(input: $input) {
  id status rowsTotal chunksTotal chunksDone purpose } }"""
STATUS = """query S($id: ID!) { scoringBatch(id: $id) { id status rowsScored chunksDone chunksTotal error finishedAt
  monitoring { source rows psi psiLevel level csi { characteristic value level } alerts } } }"""
RUNS = """query R($level: StabilityLevel) { scoringMonitoringRuns(minLevel: $level) { edges { node {
  id modelId level psi psiLevel source alerts csi { characteristic value level } } } } }"""


def batch_rows(german, n: int, shift: bool = False) -> list[dict]:
    """``n`` German applicants with subject references (``shift``: a population unlike the training one)."""
    frame = german.features.iloc[:n].copy()
    if shift:
        frame["duration_in_month"] = frame["duration_in_month"] * 3
    frame["subject_ref"] = [f"b{i}" for i in range(n)]
    rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return json.loads(json.dumps(rows))


def wait_for(app, batch_id: str, seconds: float = 40) -> None:
    """Wait until the batch is done or failed, reading the database only: an API request racing the worker for
    SQLite's write lock (the token's last-use update) would fail at once under WAL, see the report."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.extensions["db"].unit_of_work() as s:
            if s.get(ScoringBatch, int(batch_id)).status in ("done", "failed"):
                return
        time.sleep(0.2)


@pytest.mark.slow
def test_batch_fans_out_in_chunks_on_a_real_worker(app, gql, german, scoring_world):
    w, token = scoring_world, scoring_world.tokens["bank-a"]
    variables = {"input": {"modelId": str(w.champion), "rowsJson": json.dumps(batch_rows(german, 250, shift=True)),
                           "chunkSize": 100, "purpose": "POST_LOAN_MANAGEMENT"}}
    status, body = gql(BATCH, variables, token)
    assert status == 200 and "errors" not in body, body
    created = body["data"]["scoreBatch"]
    assert (created["status"], created["rowsTotal"], created["chunksTotal"], created["chunksDone"]) == \
        ("QUEUED", 250, 3, 0)
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=10):
        wait_for(app, created["id"])
    done = gql(STATUS, {"id": created["id"]}, token)[1]["data"]["scoringBatch"]
    assert (done["status"], done["rowsScored"], done["chunksDone"], done["error"]) == ("DONE", 250, 3, None)
    run = done["monitoring"]
    assert run["source"] == "batch" and run["rows"] == 250 and run["level"] == "ALERT"
    assert {c["characteristic"] for c in run["csi"]} and "duration_in_month" in run["alerts"]
    with app.extensions["db"].unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Score).where(Score.batch_id == created["id"])) == 250
        assert s.scalars(select(ScoringBatchChunk.rows_json)).all() == [None, None, None]  # inputs dropped
        one = s.scalar(select(Score).where(Score.batch_id == created["id"], Score.subject_ref == "b7"))
        assert one.purpose == "POST_LOAN_MANAGEMENT" and json.loads(one.reasons_json)
    page = gql('query($b: ID) { applicantScores(batchId: $b, first: 100) { edges { node { subjectRef } } '
               'pageInfo { hasNextPage } } }', {"b": created["id"]}, token)[1]["data"]["applicantScores"]
    assert len(page["edges"]) == 100 and page["pageInfo"]["hasNextPage"]
    for code in ("bank-b", "regulator", "agency-a"):
        assert code_of(gql(STATUS, {"id": created["id"]}, w.tokens[code])[1]) == "FORBIDDEN", code
        assert code_of(gql(BATCH, variables, w.tokens[code])[1]) == "FORBIDDEN", code


def test_batch_input_is_checked_before_anything_is_queued(app, gql, german, scoring_world):
    w, token = scoring_world, scoring_world.tokens["bank-a"]
    rows = batch_rows(german, 5)
    rows[3]["age_in_years"] = "old"

    def send(rows_json, **extra):
        return gql(BATCH, {"input": {"modelId": str(w.champion), "rowsJson": rows_json, **extra}}, token)[1]

    body = send(json.dumps(rows))
    assert code_of(body) == "BAD_USER_INPUT" and "rows[4]" in body["errors"][0]["message"]
    assert "'old'" in body["errors"][0]["message"]
    assert code_of(send("not json")) == "BAD_USER_INPUT"
    assert code_of(send("[]")) == "BAD_USER_INPUT"
    assert "subject_ref" in send(json.dumps([{"age_in_years": 30}]))["errors"][0]["message"]
    assert "chunkSize" in send(json.dumps(batch_rows(german, 5)), chunkSize=0)["errors"][0]["message"]
    with app.extensions["db"].unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(ScoringBatch)) == 0


def _batch(app, region, scoring_world, german, n: int = 30, size: int = 10):
    with app.extensions["db"].unit_of_work() as s:
        user = s.get(User, region["bank-a"]["user_id"])
        view = ops.create_batch(user.principal(), scoring_world.champion, batch_rows(german, n), chunk_size=size,
                                session=s)
    return view


def test_chunk_tasks_take_ids_run_once_and_stop_for_a_deactivated_user(app, region, german, scoring_world):
    inst, uid = region["bank-a"]["id"], region["bank-a"]["user_id"]
    view = _batch(app, region, scoring_world, german)
    with app.app_context():
        assert tasks.score_batch_chunk(inst, view.chunk_ids[0], uid) == 10
        assert tasks.score_batch_chunk(inst, view.chunk_ids[0], uid) == 0  # redelivered: not scored twice
        assert tasks.finish_batch(inst, view.id, uid) == "failed"  # two chunks never ran
        second = _batch(app, region, scoring_world, german)
        with app.extensions["db"].unit_of_work() as s:
            s.get(User, uid).active = False
        assert tasks.score_batch_chunk(inst, second.chunk_ids[0], uid) == 0
        with app.extensions["db"].unit_of_work() as s:
            chunk = s.get(ScoringBatchChunk, second.chunk_ids[0])
            assert chunk.scored_at is None and "no longer active" in chunk.error
            assert s.scalar(select(func.count()).select_from(Score).where(Score.batch_id == str(second.id))) == 0
        with pytest.raises(Forbidden, match="own models"):  # another bank's job can neither score nor mark it
            tasks.score_batch_chunk(region["bank-b"]["id"], view.chunk_ids[1], None)
        with app.extensions["db"].unit_of_work() as s:
            chunk = s.get(ScoringBatchChunk, view.chunk_ids[1])
            assert (chunk.scored_at, chunk.error) == (None, None)


def test_monitoring_alerts_surface_for_the_bank_and_in_the_regulators_aggregates(app, gql, region, german,
                                                                                 scoring_world):
    w = scoring_world
    with app.extensions["db"].unit_of_work() as s:
        me = s.get(User, region["bank-a"]["user_id"]).principal()
        stable = ops.monitor_model(me, w.champion, german.features.sample(500, random_state=1), session=s)
        shifted = german.features.copy()
        shifted["status_of_existing_checking_account"] = shifted["status_of_existing_checking_account"].iloc[0]
        alert = ops.monitor_model(me, w.champion, shifted, session=s)
    assert stable["level"] == "stable" and alert["level"] == "alert"
    body = gql(RUNS, {"level": "WARN"}, w.tokens["bank-a"])[1]
    runs = [e["node"] for e in body["data"]["scoringMonitoringRuns"]["edges"]]
    assert [r["id"] for r in runs] == [str(alert["run_id"])]
    csi = {c["characteristic"]: c for c in runs[0]["csi"]}
    assert csi["status_of_existing_checking_account"]["level"] == "ALERT"
    assert csi["status_of_existing_checking_account"]["value"] >= 0.25
    assert "status_of_existing_checking_account" in runs[0]["alerts"] and runs[0]["source"] == "applications"
    assert len(gql(RUNS, {}, w.tokens["bank-a"])[1]["data"]["scoringMonitoringRuns"]["edges"]) == 2
    models = gql("{ scoringModels { edges { node { id stability { level } } } } }", token=w.tokens["bank-a"])[1]
    assert {e["node"]["id"]: e["node"]["stability"] for e in models["data"]["scoringModels"]["edges"]}[
        str(w.champion)] == {"level": "ALERT"}
    aggs = gql("{ scoringAggregates { edges { node { modelId stability { level psi alerts } } } } }",
               token=w.tokens["regulator"])[1]["data"]["scoringAggregates"]["edges"]
    mine = next(e["node"] for e in aggs if e["node"]["modelId"] == str(w.champion))
    assert mine["stability"]["level"] == "ALERT" and mine["stability"]["alerts"]
    assert gql(RUNS, {"level": "WARN"}, w.tokens["bank-b"])[1]["data"]["scoringMonitoringRuns"]["edges"] == []
    for code in ("regulator", "agency-a", "mediator", "tracer"):
        assert code_of(gql(RUNS, {"level": "WARN"}, w.tokens[code])[1]) == "FORBIDDEN", code
    assert [metrics.stability_level(v) for v in (0.0999, 0.10, 0.2499, 0.25)] == ["stable", "warn", "warn", "alert"]


@pytest.mark.slow
def test_scheduled_monitoring_runs_as_the_banks_system_principal(app, gql, german, scoring_world, region):
    assert app.extensions["celery"].conf.beat_schedule["scoring-monitor-champions"]["task"] == \
        "scoring.monitor_champions"
    with app.extensions["db"].unit_of_work() as s:
        me = s.get(User, region["bank-a"]["user_id"]).principal()
        frame = german.features.iloc[:150].copy()
        frame["subject_ref"] = [f"m{i}" for i in range(150)]
        for chunk in ops.iter_chunks(frame, size=150):
            ops.score_chunk(me, scoring_world.champion, chunk, session=s)
    celery = app.extensions["celery"]
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert celery.send_task("scoring.monitor_champions").get(timeout=20) == 1
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with app.extensions["db"].unit_of_work() as s:
                if s.scalar(select(func.count()).select_from(MonitoringRun)):
                    break
            time.sleep(0.2)
    runs = gql(RUNS, {}, scoring_world.tokens["bank-a"])[1]["data"]["scoringMonitoringRuns"]["edges"]
    assert [(r["node"]["source"], r["node"]["csi"]) for r in runs] == [("scores", [])]
    assert runs[0]["node"]["psi"] < 0.25
