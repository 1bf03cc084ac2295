"""Benchmark of the audit service's serving paths.

    python benchmarks/bench_audit_realtime.py [--quick] [--requests N] [--transcripts N] [--skip-scan]

1. **Real-time monitor through HTTP**: ``POST /audit/realtime`` with a bearer token, one agent utterance per request
   (agent turns of the dev corpus, ~1 in 5 violating), measured (a) through the Flask test client (the whole Flask
   stack: token check, attempt and assignment queries, scan, JSON) and (b) through a live threaded werkzeug server
   on 127.0.0.1 with ``http.client`` over a kept-alive connection. Target: p95 <= 200 ms.
2. **Chunked batch scan with 1 and 2 worker processes**: a batch of N stored transcripts (dev corpus) is scanned by
   ``audit.scan_transcripts`` tasks (chunks of 500) fanned out as a group to ``portal worker`` processes
   (``--concurrency 1`` then ``2``, prefork) on the embedded broker (``sqla+sqlite``, or CELERY_BROKER_URL); the
   figure is transcripts per second from dispatch to the batch's last chunk (workers started and warmed up first).
   The baseline printed beside it is the same scan in one process without Celery (``scan_chunk`` only, no database).

Everything runs on a throw-away SQLite database (or ``--database-url``) under a temporary folder.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("PORTAL_PASSWORD_HASH_PROFILE", "test")

from sqlalchemy import func, insert, select, update  # noqa: E402

from portal import create_app  # noqa: E402
from portal.access import OPERATOR, allowed_roles  # noqa: E402
from portal.core.crypto import encrypt_blob  # noqa: E402
from portal.core.db import Base  # noqa: E402
from portal.core.keys import active_data_key  # noqa: E402
from portal.core.timeutil import utcnow  # noqa: E402
from portal.models import import_all  # noqa: E402

CORPUS = HERE / "speech_corpus" / "dev.jsonl"


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def build(folder: Path, database_url: str | None, broker: str) -> tuple:
    """An app on a fresh database with the region, one assigned debt and an agency token."""
    from portal.registry.models import Debt, DebtAssignment, Debtor
    from portal.tenancy import operations as tenancy
    from portal.tenancy.demo import DEMO_INSTITUTIONS, demo_uscc

    import_all()
    config = {"database_url": database_url or f"sqlite:///{folder / 'bench.db'}", "var_dir": str(folder / "var"),
              "mode": "testing", "broker_url": broker, "secret_key": "bench-secret",
              "result_backend": f"db+sqlite:///{folder / 'results.db'}", "ratelimit_graphql": "100000 per minute"}
    app = create_app(config, mount_extensions=False)
    Base.metadata.create_all(app.extensions["db"].engine)
    ids = {}
    with app.extensions["db"].unit_of_work() as s:
        for i, (code, kind, name, _en, district) in enumerate(DEMO_INSTITUTIONS, start=1):
            inst = tenancy.create_institution(OPERATOR, kind=kind, name=name, code=code, uscc=demo_uscc(i),
                                              district=district, session=s)
            tenancy.create_user(OPERATOR, institution_code=code, email=f"admin@{code}.bench",
                                roles=[r.value for r in allowed_roles(kind)], password="bench-password-123",  # noqa: S106 - throw-away
                                session=s)
            ids[code] = inst.id
        key_id, dek = active_data_key(s, app.extensions["keyring"], None)
        debtor = Debtor(kind="person", id_hash="b" * 64, id_cipher=encrypt_blob(dek, b"x"), key_id=key_id, name="甲")
        s.add(debtor)
        s.flush()
        debt = Debt(creditor_id=ids["bank-a"], debtor_id=debtor.id, client_key="bench", principal_fen=100_000,
                    outstanding_fen=90_000, opened_on=utcnow().date(), due_on=utcnow().date(), status="overdue")
        s.add(debt)
        s.flush()
        s.add(DebtAssignment(debt_id=debt.id, creditor_id=ids["bank-a"], agency_id=ids["agency-a"]))
        user = tenancy.user_by_email(s, "admin@agency-a.bench")
        _row, token = tenancy.issue_token(OPERATOR, user, ttl_days=2, session=s)
    return app, config, ids, debt.id, debtor.id, token


def add_attempts(app, ids: dict, debt_id: int, debtor_id: int, n: int, prefix: str) -> None:
    """n logged connected calls of agency-a, inserted in bulk."""
    from portal.services.compliance.models import ContactAttempt

    started = utcnow() - timedelta(days=1)
    rows = [{"agency_id": ids["agency-a"], "creditor_id": ids["bank-a"], "debt_id": debt_id, "debtor_id": debtor_id,
             "client_key": f"{prefix}{i}", "number_hash": "h" * 64, "number_masked": "138****0000",
             "counterparty": "debtor", "channel": "call", "started_at": started, "outcome": "connected",
             "duration_s": 60, "debtor_tz": "Asia/Shanghai", "extra": {}, "state": "logged",
             "created_at": started, "updated_at": started} for i in range(n)]
    with app.extensions["db"].unit_of_work() as s:
        for i in range(0, n, 5000):
            s.execute(insert(ContactAttempt), rows[i:i + 5000])


def corpus(limit: int | None = None) -> list[dict]:
    """Dev corpus transcripts (never the held-out set)."""
    out = []
    with CORPUS.open(encoding="utf-8") as fh:
        for line in fh:
            out.append(json.loads(line))
            if limit and len(out) >= limit:
                break
    return out


def bench_realtime(app, token: str, requests: int) -> None:
    """p50/p95/p99 of POST /audit/realtime through the test client and through a live server."""
    utterances = [(row["language"], t["text"]) for row in corpus() for t in row["turns"] if t["speaker"] == "agent"]
    utterances = utterances[:: max(1, len(utterances) // requests)][:requests]
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    for lang, text in utterances[:20]:  # warm-up
        client.post("/audit/realtime", json={"attempt": "rt0", "language": lang, "speaker": "agent", "text": text},
                    headers=headers)
    times, flagged = [], 0
    for lang, text in utterances:
        t0 = time.perf_counter()
        resp = client.post("/audit/realtime", headers=headers,
                           json={"attempt": "rt0", "language": lang, "speaker": "agent", "text": text})
        times.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200, resp.get_json()
        flagged += bool(resp.get_json()["findings"])
    print(f"realtime via Flask test client, {len(times)} requests ({flagged} with findings): "
          f"p50 {_pct(times, 50):.2f} ms, p95 {_pct(times, 95):.2f} ms, p99 {_pct(times, 99):.2f} ms "
          f"(target p95 <= 200 ms)")
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
    live = []
    try:
        for lang, text in utterances:
            body = json.dumps({"attempt": "rt0", "language": lang, "speaker": "agent", "text": text})
            t0 = time.perf_counter()
            conn.request("POST", "/audit/realtime", body=body,
                         headers={**headers, "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            live.append((time.perf_counter() - t0) * 1000)
            assert resp.status == 200
    finally:
        conn.close()
        server.shutdown()
    print(f"realtime via live HTTP server (127.0.0.1, keep-alive), {len(live)} requests: p50 {_pct(live, 50):.2f} ms, "
          f"p95 {_pct(live, 95):.2f} ms, p99 {_pct(live, 99):.2f} ms (target p95 <= 200 ms)")


def bench_scan(app, config: dict, ids: dict, debt_id: int, debtor_id: int, n: int) -> None:
    """Store N transcripts as one batch, then scan it with 1 and with 2 worker processes."""
    from portal.services.audit import operations
    from portal.services.audit.models import AuditFinding, Transcript, TranscriptBatch
    from portal.services.audit.monitor import scan_chunk
    from portal.services.audit.tasks import dispatch_scan
    from portal.tenancy.models import User

    rows = corpus()
    add_attempts(app, ids, debt_id, debtor_id, n + 1, "k")
    lines = [json.dumps({"id": f"k{i}", "language": rows[i % len(rows)]["language"],
                         "turns": rows[i % len(rows)]["turns"]}, ensure_ascii=False) for i in range(n)]
    t0 = time.perf_counter()
    base = [json.dumps({"id": i, "language": json.loads(x)["language"], "turns": json.loads(x)["turns"]},
                       ensure_ascii=False) for i, x in enumerate(lines)]
    for i in range(0, n, 500):
        scan_chunk(base[i:i + 500])
    baseline = n / (time.perf_counter() - t0)
    with app.extensions["db"].unit_of_work() as s:
        principal = s.scalar(select(User).where(User.email == "admin@agency-a.bench")).principal()
    t0 = time.perf_counter()
    with app.app_context(), app.extensions["db"].unit_of_work() as s:
        result = operations.upload_batch(principal, lines, filename="bench.jsonl",
                                         keyring=app.extensions["keyring"], session=s)
        batch_id, chunks = result.batch.id, result.chunks()
    print(f"batch store (parse, validate, encrypt, insert; one process): {n / (time.perf_counter() - t0):,.0f} "
          f"transcripts/s for {n}")
    env = {**os.environ, "PORTAL_DATABASE_URL": config["database_url"], "PORTAL_VAR_DIR": config["var_dir"],
           "PORTAL_BROKER_URL": config["broker_url"], "PORTAL_RESULT_BACKEND": config["result_backend"],
           "PORTAL_SECRET_KEY": config["secret_key"]}
    env.pop("CELERY_BROKER_URL", None)
    db = app.extensions["db"]
    for workers in (1, 2):
        with db.unit_of_work() as s:  # reset: nothing scanned yet
            s.execute(AuditFinding.__table__.delete())
            s.execute(update(Transcript).values(scanned_at=None, finding_count=0))
            s.execute(update(TranscriptBatch).where(TranscriptBatch.id == batch_id)
                      .values(status="scanning", chunks_done=0, chunks_total=len(chunks)))
        proc = subprocess.Popen([sys.executable, "-m", "portal", "worker", "--concurrency", str(workers),
                                 "--pool", "prefork", "--loglevel", "WARNING"], env=env, start_new_session=True)
        try:
            with app.app_context():
                warm = operations.upload_batch(principal, [lines[0].replace('"k0"', f'"k{n}"')], filename=None,
                                               keyring=app.extensions["keyring"],
                                               session=(ws := db.session(ids["agency-a"])))
                ws.commit()
                dispatch_scan(ids["agency-a"], warm.batch.id, warm.chunks(), principal.user_id)  # worker is up
                _wait(db, warm.batch.id, 120)
                t0 = time.perf_counter()
                dispatch_scan(ids["agency-a"], batch_id, chunks, principal.user_id)
                _wait(db, batch_id, 600)
                elapsed = time.perf_counter() - t0
            with db.unit_of_work() as s:
                found = s.scalar(select(func.count()).select_from(AuditFinding)
                                 .where(AuditFinding.transcript_id.in_(select(Transcript.id)
                                                                       .where(Transcript.batch_id == batch_id))))
            print(f"batch scan, {workers} worker process(es), {len(chunks)} chunks of 500: {n / elapsed:,.0f} "
                  f"transcripts/s ({n} in {elapsed:.1f} s, {found} findings stored); "
                  f"baseline scan_chunk in one process without Celery/DB: {baseline:,.0f}/s")
        finally:
            proc.terminate()
            proc.wait(timeout=60)
            with db.unit_of_work() as s:
                s.execute(update(Transcript).where(Transcript.batch_id != batch_id).values(batch_id=None))
                s.execute(TranscriptBatch.__table__.delete().where(TranscriptBatch.id != batch_id))
                s.execute(AuditFinding.__table__.delete().where(AuditFinding.transcript_id.in_(
                    select(Transcript.id).where(Transcript.batch_id.is_(None)))))
                s.execute(Transcript.__table__.delete().where(Transcript.batch_id.is_(None)))


def _wait(db, batch_id: int, timeout: float) -> None:
    from portal.services.audit.models import TranscriptBatch

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.unit_of_work() as s:
            if s.get(TranscriptBatch, batch_id).status == "scanned":
                return
        time.sleep(0.1)
    raise TimeoutError(f"batch {batch_id} not scanned within {timeout} s")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmarks and print each figure beside its target or baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests and transcripts")
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--transcripts", type=int, default=None)
    parser.add_argument("--skip-scan", action="store_true")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    requests = args.requests or (300 if args.quick else 2000)
    transcripts = args.transcripts or (4000 if args.quick else 20000)
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        folder = Path(tmp)
        broker = os.environ.get("CELERY_BROKER_URL") or f"sqla+sqlite:///{folder / 'broker.db'}"
        app, config, ids, debt_id, debtor_id, token = build(folder, args.database_url, broker)
        add_attempts(app, ids, debt_id, debtor_id, 1, "rt")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        bench_realtime(app, token, requests)
        if not args.skip_scan:
            bench_scan(app, config, ids, debt_id, debtor_id, transcripts)
        app.extensions["db"].dispose()


if __name__ == "__main__":
    main()
