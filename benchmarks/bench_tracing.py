"""Benchmark of tracing-signal resolution and scoring: the set-based batch path beside a naive baseline.

    python benchmarks/bench_tracing.py [--quick] [--signals N] [--debtors N] [--naive N]

Seeds a registry of enterprise (and some person) debtors in a temporary SQLite database (or DATABASE_URL), then
streams N JSONL signals (85% by credit code or identity number, 5% unknown identifiers, 10% name + district only,
with suffix/bracket/width variants) through ``operations.post_batch`` (chunks of 500, set-based look-ups) and
rescores the touched debtors in chunks with ``operations.rescore_debtors``: signals/s end to end. The baseline does
the same per signal (one look-up query, one insert, one rescore per signal) on a subset. Prints peak RSS too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("PORTAL_PASSWORD_HASH_PROFILE", "test")

from sqlalchemy import insert, select  # noqa: E402

from portal.access import Kind, Principal  # noqa: E402
from portal.core.crypto import Keyring, encrypt_blob  # noqa: E402
from portal.core.db import Base, Database  # noqa: E402
from portal.core.identifiers import USCC_ALPHABET, id_check_char, uscc_check_char  # noqa: E402
from portal.core.keys import active_data_key  # noqa: E402
from portal.core.timeutil import utcnow  # noqa: E402
from portal.models import import_all  # noqa: E402
from portal.registry.models import Debtor, identifier_aad  # noqa: E402
from portal.registry.parties import debtor_hash  # noqa: E402
from portal.services.tracing import operations  # noqa: E402
from portal.services.tracing.kinds import KINDS  # noqa: E402
from portal.services.tracing.matching import block_key, score_candidates  # noqa: E402
from portal.services.tracing.models import TracingNameKey, TracingSignal  # noqa: E402
from portal.services.tracing.operations.resolution import (  # noqa: E402
    Candidate,
    Resolution,
    refresh_name_index,
)
from portal.tenancy.models import Institution  # noqa: E402

DISTRICTS = ("越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县")
WORDS = "华丰宏远鑫达恒泰金源永盛天成瑞祥新光东方嘉禾明珠兴业汇通振华广源"
TRADES = ("纺织", "机械", "印染", "电子", "贸易", "化工", "建材", "服饰", "五金", "物流")
FORMS = ("有限公司", "有限责任公司", "股份有限公司")


def uscc(i: int) -> str:
    body = "91330600" + "".join(USCC_ALPHABET[(i // 31 ** p) % 31] for p in range(9))
    return body + uscc_check_char(body)


def person(i: int) -> str:
    j = i // 10  # persons are every tenth debtor: j is unique
    body = f"330602{1950 + j % 50}{1 + (j // 50) % 12:02d}{1 + (j // 600) % 28:02d}{(j // 16800) % 1000:03d}"
    return body + id_check_char(body)


def name(rng: random.Random, i: int) -> str:
    w = "".join(rng.choice(WORDS) for _ in range(2))
    return f"绍兴{w}{rng.choice(TRADES)}{i}号{rng.choice(FORMS)}"


def seed(db: Database, keyring: Keyring, n: int) -> tuple[Principal, list[tuple[str, str, str, str]]]:
    """Institutions and ``n`` debtors (90% enterprises); returns the tracer and (kind, number, name, district)."""
    rng = random.Random(7)
    subjects = []
    with db.unit_of_work() as s:
        s.add_all([Institution(kind="tracer", name="鹰眼", code="tracer", uscc=uscc(10**9), district="越城区"),
                   Institution(kind="bank", name="银行", code="bank", uscc=uscc(10**9 + 1), district="越城区")])
        s.flush()
        tracer = s.scalar(select(Institution).where(Institution.code == "tracer"))
        key_id, dek = active_data_key(s, keyring, None)
        rows = []
        for i in range(n):
            kind = "person" if i % 10 == 9 else "enterprise"
            number = person(i) if kind == "person" else uscc(i)
            label = f"张{i}" if kind == "person" else name(rng, i)
            district = DISTRICTS[i % len(DISTRICTS)]
            h = debtor_hash(keyring, number)
            rows.append({"kind": kind, "id_hash": h, "key_id": key_id, "name": label, "district": district,
                         "id_cipher": encrypt_blob(dek, number.encode(), identifier_aad(h, "id")),
                         "created_at": utcnow(), "updated_at": utcnow()})
            subjects.append((kind, number, label, district))
            if len(rows) >= 10_000:
                s.execute(insert(Debtor.__table__), rows)
                rows = []
        if rows:
            s.execute(insert(Debtor.__table__), rows)
        refresh_name_index(s)
        principal = Principal.scheduled(tracer.id, "tracer", Kind.TRACER)
    return principal, subjects


def signals(subjects, n: int, prefix: str):
    """``n`` JSONL lines, lazily."""
    rng = random.Random(prefix)
    now = utcnow()
    for i in range(n):
        kind, number, label, district = subjects[rng.randrange(len(subjects))]
        line = {"key": f"{prefix}{i}", "kind": rng.choice(KINDS).code, "severity": rng.choice(
            ("low", "medium", "high", "critical")), "observedAt": (now - timedelta(days=rng.randint(0, 200))
                                                                 ).isoformat(), "source": "bench"}
        r = rng.random()
        if r < 0.05:
            line["uscc"] = uscc(10**8 + i)
        elif r < 0.15 and kind == "enterprise":
            variant = label.replace("有限公司", "（分公司）").replace("股份", "") if rng.random() < 0.5 else label
            # one name signal in five comes with another district: it waits in the unresolved queue
            line.update(name=variant, district=district if rng.random() < 0.8 else rng.choice(DISTRICTS))
        else:
            line["uscc" if kind == "enterprise" else "idNumber"] = number
        yield json.dumps(line, ensure_ascii=False)


def set_based(db: Database, keyring: Keyring, tracer: Principal, subjects, n: int) -> tuple[float, dict]:
    start = time.perf_counter()
    with db.unit_of_work() as s:
        result = operations.post_batch(tracer, signals(subjects, n, "s"), keyring=keyring, session=s)
        b = result.batch
        stats = {"stored": b.lines_stored, "bad": b.lines_bad, "unresolved": b.unresolved, "resolved": b.resolved}
        chunks = result.chunks()
    stats["batch_s"] = round(time.perf_counter() - start, 1)
    alerts = 0
    for chunk in chunks:  # what the Celery tasks do, one unit of work per chunk
        with db.unit_of_work() as s:
            alerts += len(operations.rescore_debtors(tracer, chunk, session=s))
    stats["alerts"] = alerts
    return time.perf_counter() - start, stats


def naive(db: Database, keyring: Keyring, tracer: Principal, subjects, n: int) -> float:
    """One look-up query per signal, one insert per signal, one rescore per resolved signal."""
    start = time.perf_counter()
    with db.unit_of_work() as s:
        for line in signals(subjects, n, "n"):
            p = operations.parse_signal(json.loads(line), keyring)
            if p.subject_hash:
                hit = s.execute(select(Debtor.id, Debtor.kind).where(Debtor.id_hash == p.subject_hash)).first()
                r = Resolution("resolved", hit[0], "identifier", 1.0) if hit else Resolution("unmatched")
            else:
                cands = [Candidate(i, k, d) for i, k, d in s.execute(select(
                    TracingNameKey.debtor_id, TracingNameKey.name_key, TracingNameKey.district).where(
                    TracingNameKey.block == block_key(p.name_key)))]
                m = score_candidates(p.name_key, p.district, p.address, cands)
                r = Resolution("resolved" if m.debtor_id else "unresolved", m.debtor_id, "name", m.score)
            s.add(TracingSignal(tracer_id=tracer.institution_id, signal_key=p.key, payload_sha256=p.sha, kind=p.kind,
                                subject_hash=p.subject_hash, observed_at=p.observed_at, severity=p.severity,
                                status=r.status, debtor_id=r.debtor_id, details={}, match_explain={}))
            s.flush()
            if r.debtor_id:
                operations.rescore_debtors(tracer, [r.debtor_id], session=s)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10k signals over 10k debtors")
    ap.add_argument("--signals", type=int)
    ap.add_argument("--debtors", type=int)
    ap.add_argument("--naive", type=int, help="signals for the naive baseline (default 5%% of --signals)")
    ap.add_argument("--sqlite-cache-mb", type=int, default=0,
                    help="SQLite page cache per connection (default: SQLite's own 2 MB)")
    args = ap.parse_args()
    n_signals = args.signals or (10_000 if args.quick else 100_000)
    n_debtors = args.debtors or (10_000 if args.quick else 100_000)
    n_naive = args.naive or max(500, n_signals // 20)
    import_all()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        db = Database(url)
        if args.sqlite_cache_mb and db.engine.dialect.name == "sqlite":
            from sqlalchemy import event

            kib = args.sqlite_cache_mb * 1024
            event.listen(db.engine, "connect", lambda c, _r: c.execute(f"PRAGMA cache_size=-{kib}"))
        Base.metadata.create_all(db.engine)
        keyring = Keyring.generate()
        t0 = time.perf_counter()
        tracer, subjects = seed(db, keyring, n_debtors)
        print(f"seeded {n_debtors:,} debtors in {time.perf_counter() - t0:.1f}s ({db.engine.dialect.name})")
        secs, stats = set_based(db, keyring, tracer, subjects, n_signals)
        print(f"set-based: {n_signals:,} signals in {secs:.1f}s = {n_signals / secs:,.0f} signals/s  {stats}")
        nsecs = naive(db, keyring, tracer, subjects, n_naive)
        print(f"naive    : {n_naive:,} signals in {nsecs:.1f}s = {n_naive / nsecs:,.0f} signals/s "
              f"(one query, insert and rescore per signal)")
        print(f"speed-up : {(n_signals / secs) / (n_naive / nsecs):.1f}x; peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        db.dispose()


if __name__ == "__main__":
    main()
