"""Benchmark: one score with reason codes through the API (POST /graphql with a bearer token) beside in process.

    python benchmarks/bench_scoring_api.py [--quick] [--json] [--requests N]

p50/p95 in milliseconds of scoring one German-credit applicant with bank-a's champion scorecard, reason codes
included, the score stored and committed:
- baseline, in process: ``Scorecard.score_one`` (the pure function), and ``operations.score_applicant`` in its own
  unit of work (validate, score, store, commit) on the same database;
- through the API: ``scoreApplicant`` via the Flask test client (features as a list, and as ``featuresJson``), and
  via a live werkzeug server on 127.0.0.1 (threaded, HTTP/1.1 keep-alive, ``http.client``): token check, GraphQL
  parse/validate/limits, resolver, store, commit, JSON. Target: p95 ≤ 50 ms through the API;
- the API floor: a ``{ me }`` query on the same path, i.e. what any authenticated request costs.
The database is a fresh SQLite file in a temporary directory (what ``make run`` uses).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("PORTAL_PASSWORD_HASH_PROFILE", "test")  # cheap argon2 for the bench user, before imports

SHARED = Path(os.environ.get("PORTAL_SHARED_DIR", HERE.parent.parent / "shared"))
GERMAN = SHARED / "datasets" / "german_credit" / "germancredit.csv"
QUERY = """mutation S($input: ScoreApplicantInput!) { scoreApplicant(input: $input) {
  id score pd band reasonCodes { feature points text } model { id version } } }"""
FLOOR = "{ me { user { email } institution { code } roles } }"
TARGET_MS = 50.0


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 3), "p95_ms": round(p95 * 1000, 3),
            "n": len(ordered)}


def _measure(fn: Callable[[int], None], n: int, warmup: int) -> dict[str, float]:
    for i in range(warmup):
        fn(i)
    samples = []
    for i in range(n):
        started = time.perf_counter()
        fn(warmup + i)
        samples.append(time.perf_counter() - started)
    return _percentiles(samples)


def _setup(tmp: str):
    """An app on a fresh SQLite file, bank-a with an admin and a token, and its promoted German scorecard."""
    from portal import create_app
    from portal.access import OPERATOR, Kind, Principal, allowed_roles
    from portal.core.db import Base
    from portal.models import import_all
    from portal.services.scoring import data, training
    from portal.services.scoring import operations as ops
    from portal.tenancy import operations as tenancy

    import_all()
    app = create_app({"database_url": f"sqlite:///{tmp}/bench.db", "var_dir": f"{tmp}/var", "mode": "testing",
                      "broker_url": "memory://", "result_backend": "cache+memory://",
                      "secret_key": "bench-secret-key-not-for-production",
                      "ratelimit_graphql": "1000000 per minute"}, mount_extensions=False)
    db = app.extensions["db"]
    Base.metadata.create_all(db.engine)
    ds = data.load_csv(GERMAN, "creditability", "bad")
    card = training.fit_frame(ds.features, ds.y, ds.numeric, ds.categorical, calibrate=True)
    with db.unit_of_work() as s:
        inst = tenancy.create_institution(OPERATOR, kind="bank", name="Bank A", code="bank-a", session=s)
        user = tenancy.create_user(OPERATOR, institution_code="bank-a", email="bench@bank-a.test",
                                   roles=[r.value for r in allowed_roles(Kind.BANK)],
                                   password=secrets.token_urlsafe(16), session=s)
        _row, token = tenancy.issue_token(OPERATOR, user, ttl_days=1, session=s)
        job = Principal.scheduled(inst.id, "bank-a", Kind.BANK)
        model_card = {"training_data": {"numeric": ds.numeric, "categorical": ds.categorical}}
        row = ops.register_model(job, name="retail-pd", model=card, training_data_sha256=ds.sha256,
                                 training_rows=ds.rows, metrics={}, baseline=ops._baseline(card, ds.features),
                                 model_card=model_card, session=s)
        me = user.principal()
        ops.approve_model(me, row.id, session=s)
        ops.promote_model(me, row.id, session=s)
    record = {k: (None if v != v else (f"{v:g}" if isinstance(v, float) else str(v)))
              for k, v in ds.features.iloc[3].to_dict().items()}
    return app, token, card, record, me


def _server(app):
    from werkzeug.serving import WSGIRequestHandler, make_server

    class KeepAlive(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_request(self, *_args, **_kwargs):  # quiet
            return None

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=KeepAlive)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def run(n: int, warmup: int) -> dict:
    """Every figure of this benchmark (see the module docstring)."""
    from portal.services.scoring import operations as ops

    with tempfile.TemporaryDirectory() as tmp:
        app, token, card, record, me = _setup(tmp)
        db = app.extensions["db"]
        features = [{"name": k, "value": v} for k, v in record.items()]
        numeric = {k: (float(v) if v is not None and k in card.inputs and
                       v.replace(".", "", 1).lstrip("-").isdigit() else v) for k, v in record.items()}
        out: dict = {"requests": n, "warmup": warmup, "database": "sqlite (WAL, synchronous=NORMAL)"}
        out["in_process_score_one"] = _measure(lambda _i: card.score_one(numeric), n, warmup)

        def in_process(i: int) -> None:
            with db.unit_of_work() as s:
                ops.score_applicant(me, dict(record), name="retail-pd", subject_ref=f"ip-{i}", session=s)

        out["in_process_score_applicant"] = _measure(in_process, n, warmup)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}

        def via_client(i: int) -> None:
            body = {"query": QUERY, "variables": {"input": {"features": features, "subjectRef": f"tc-{i}"}}}
            reply = client.post("/graphql", json=body, headers=headers).get_json()
            assert "errors" not in reply, reply

        out["api_flask_test_client"] = _measure(via_client, n, warmup)

        def via_client_json(i: int) -> None:
            body = {"query": QUERY, "variables": {"input": {"featuresJson": as_json, "subjectRef": f"tj-{i}"}}}
            reply = client.post("/graphql", json=body, headers=headers).get_json()
            assert "errors" not in reply, reply

        as_json = json.dumps(record)
        out["api_flask_test_client_features_json"] = _measure(via_client_json, n, warmup)

        def floor(_i: int) -> None:
            reply = client.post("/graphql", json={"query": FLOOR}, headers=headers).get_json()
            assert "errors" not in reply, reply

        out["api_floor_me_query"] = _measure(floor, n, warmup)
        server, thread = _server(app)
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        live_headers = {**headers, "Content-Type": "application/json"}

        def via_http(i: int) -> None:
            body = json.dumps({"query": QUERY, "variables": {"input": {"features": features, "subjectRef": f"h-{i}"}}})
            conn.request("POST", "/graphql", body=body, headers=live_headers)
            reply = json.loads(conn.getresponse().read())
            assert "errors" not in reply, reply

        try:
            out["api_live_werkzeug"] = _measure(via_http, n, warmup)
        finally:
            conn.close()
            server.shutdown()
            thread.join(timeout=10)
            db.dispose()
    worst = max(out["api_flask_test_client"]["p95_ms"], out["api_live_werkzeug"]["p95_ms"])
    out["target_p95_ms"] = TARGET_MS
    out["target_met"] = worst <= TARGET_MS
    return out


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures (``--json`` for machine-readable output)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 requests per path instead of 500")
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    n = args.requests or (100 if args.quick else 500)
    result = run(n, warmup=20)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"one score with reason codes, German scorecard; {n} requests per path after 20 warm-up; "
          f"{result['database']}")
    print(f"{'path':46} {'p50 ms':>9} {'p95 ms':>9}")
    for key, label in (("in_process_score_one", "baseline: Scorecard.score_one (pure)"),
                       ("in_process_score_applicant", "baseline: operations.score_applicant + commit"),
                       ("api_floor_me_query", "API floor: { me } query, Flask test client"),
                       ("api_flask_test_client", "API: POST /graphql, Flask test client"),
                       ("api_flask_test_client_features_json", "API: same, featuresJson instead of features"),
                       ("api_live_werkzeug", "API: POST /graphql, werkzeug on 127.0.0.1")):
        print(f"{label:46} {result[key]['p50_ms']:9.2f} {result[key]['p95_ms']:9.2f}")
    print(f"target p95 <= {TARGET_MS:.0f} ms through the API: {'met' if result['target_met'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
