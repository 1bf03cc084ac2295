import json, time, logging
from celery.contrib.testing.worker import start_worker
from sqlalchemy import select
from portal.services.scoring.models import ScoringBatchChunk
from tests.services.scoring.test_scoring_gql_batch import BATCH, STATUS, batch_rows

def test_dbg(app, gql, german, scoring_world):
    w = scoring_world
    body = gql(BATCH, {"input": {"modelId": str(w.champion), "rowsJson": json.dumps(batch_rows(german, 250)), "chunkSize": 100}}, w.tokens["bank-a"])[1]
    t0 = time.monotonic()
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="INFO"):
        for _ in range(30):
            t1=time.monotonic()
            st, b = gql(STATUS, {"id": "1"}, w.tokens["bank-a"])
            print(round(time.monotonic()-t0,2), round(time.monotonic()-t1,3), st, str(b)[:150], flush=True)
            if b.get("data") and b["data"]["scoringBatch"]["status"]=="DONE": break
            time.sleep(0.2)
