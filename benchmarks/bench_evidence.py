"""Benchmark of the evidence log, side by side with pymerkle 7 in the same run.

    python benchmarks/bench_evidence.py [--quick] [--entries N] [--e2e N]

Measures, on SQLite (or on PostgreSQL when DATABASE_URL=postgresql+psycopg://… is set):
1. tree appends: hashing leaf inputs and storing the tree, batched (content encryption excluded), up to N leaves;
2. inclusion and consistency proofs served by the public functions at tree size N, and their verification;
3. end to end: ``operations.store_evidence`` (salting, encryption, rows) plus batched integration, on top of the
   N-leaf log: one caller (judged against the target), then on PostgreSQL two caller processes at once (how it
   scales; SQLite has one writer at a time).
pymerkle 7 runs the same appends (SqliteTree.append_entries), proofs and verifications; its roots are checked
against ours. Targets (issue 7): appends >= 100k leaves/s on SQLite (>= 20k/s on PostgreSQL), end to end >= 2,000
entries/s, a proof <= 1 ms, a verification <= 0.1 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402

from portal.access import Kind, Principal, allowed_roles  # noqa: E402
from portal.core import models as _core_models  # noqa: E402, F401
from portal.core.crypto import Keyring  # noqa: E402
from portal.core.db import Base, Database  # noqa: E402
from portal.services.evidence import log, merkle, operations, store  # noqa: E402
from portal.services.evidence import models as _models  # noqa: E402, F401
from portal.tenancy.models import Institution, User  # noqa: E402

BATCH = 20_000
TARGETS = {"sqlite": 100_000, "postgresql": 20_000}


def leaf_inputs(n: int, seed: int = 7) -> list[bytes]:
    """Entry-like leaf inputs (~200 bytes of canonical JSON each), deterministic."""
    rng = random.Random(seed)
    template = ('{"files":[{"commitment":"%064x"}],"institution":"bank-a","kind":"contract",'
                '"parties":["agency-a","bank-a"],"stored_at":"2026-01-01T00:00:00.%06d+00:00","v":1}')
    return [(template % (rng.getrandbits(256), i % 1_000_000)).encode() for i in range(n)]


def _create_tables(db: Database) -> None:
    """Only the evidence tables and those they refer to (the benchmark does not depend on other features)."""
    wanted = {"institutions", "users", "data_keys", "activity_log"}
    tables = [t for t in Base.metadata.sorted_tables if t.name in wanted or t.name.startswith("evidence_")]
    Base.metadata.create_all(db.engine, tables=tables)


def fresh_database(workdir: Path) -> tuple[Database, Callable[[], None]]:
    """A new empty database: a SQLite file, or a new PostgreSQL database when DATABASE_URL says so."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        db = Database(f"sqlite:///{workdir / 'evidence.db'}", statement_timeout_ms=600_000)
        _create_tables(db)
        return db, db.dispose
    name = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(base.rsplit("/", 1)[0] + "/" + name, statement_timeout_ms=600_000)
    _create_tables(db)

    def drop() -> None:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return db, drop


def per_call_ms(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, 99th percentile) milliseconds of ``fn``."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def bench_ours(db: Database, leaves: list[bytes], proofs: int) -> dict:
    """Appends, proofs and verifications with the portal's store."""
    n = len(leaves)
    t, cpu = time.perf_counter(), time.process_time()
    for i in range(0, n, BATCH):
        with db.unit_of_work() as session:
            store.append_leaves(session, leaves[i : i + BATCH])
    appends, appends_cpu = n / (time.perf_counter() - t), n / (time.process_time() - cpu)
    keyring = Keyring.generate()
    with db.unit_of_work() as session:
        log.publish_checkpoint(session, keyring)
    rng = random.Random(1)
    out = {"appends": appends, "appends_cpu": appends_cpu}
    with db.unit_of_work() as session:
        root = store.root_hash(session, n)
        out["root"] = root
        out["inclusion"] = per_call_ms(lambda: operations.inclusion_proof(session, rng.randrange(n), n), proofs)
        out["consistency"] = per_call_ms(lambda: operations.consistency_proof(session, rng.randrange(1, n), n), proofs)
        index = rng.randrange(n)
        path = store.inclusion_path(session, index, n)
        leaf = merkle.leaf_hash(leaves[index])
        out["verify_inclusion"] = per_call_ms(lambda: merkle.verify_inclusion(index, n, leaf, path, root), proofs)
        old = rng.randrange(1, n)
        cons, old_root = store.consistency_path(session, old, n), store.root_hash(session, old)
        out["verify_consistency"] = per_call_ms(lambda: merkle.verify_consistency(old, n, old_root, root, cons), proofs)
    return out


def bench_pymerkle(workdir: Path, leaves: list[bytes], proofs: int) -> dict | None:
    """The same with pymerkle 7's SqliteTree (1-based indices)."""
    try:
        from pymerkle import SqliteTree, verify_consistency, verify_inclusion
    except ImportError:
        return None
    n = len(leaves)
    tree = SqliteTree(str(workdir / "pymerkle.db"), algorithm="sha256")
    t, cpu = time.perf_counter(), time.process_time()
    tree.append_entries(leaves, chunksize=BATCH)
    out: dict = {"appends": n / (time.perf_counter() - t), "appends_cpu": n / (time.process_time() - cpu),
                 "root": tree.get_root(n)}
    rng = random.Random(1)
    out["inclusion"] = per_call_ms(lambda: tree.prove_inclusion(rng.randrange(1, n + 1), n), proofs)
    out["consistency"] = per_call_ms(lambda: tree.prove_consistency(rng.randrange(1, n), n), proofs)
    index = rng.randrange(1, n + 1)
    proof, base, root = tree.prove_inclusion(index, n), tree.get_leaf(index), out["root"]
    out["verify_inclusion"] = per_call_ms(lambda: verify_inclusion(base, root, proof), proofs)
    old = rng.randrange(1, n)
    cons, old_root = tree.prove_consistency(old, n), tree.get_root(old)
    out["verify_consistency"] = per_call_ms(lambda: verify_consistency(old_root, root, cons), proofs)
    tree.close()
    return out


def _store_many(db: Database, bank: Principal, keyring: Keyring, count: int, commit_every: int) -> None:
    content = os.urandom(1024)
    done = 0
    while done < count:
        with db.unit_of_work() as session:
            for i in range(min(commit_every, count - done)):
                operations.store_evidence(bank, [(f"call-{done + i}.txt", content)], "call-recording", ["agency-a"],
                                          session=session, keyring=keyring)
            log.integrate(session)
        done += min(commit_every, count - done)


def _caller(url: str, bank: Principal, keyring: Keyring, count: int, commit_every: int, start, finished) -> None:
    db = Database(url, statement_timeout_ms=600_000)
    start.wait()
    try:
        _store_many(db, bank, keyring, count, commit_every)
        finished.put(None)
    except Exception as exc:  # reported by the parent, which would otherwise wait for nothing
        finished.put(f"caller {os.getpid()}: {exc!r}")
    finally:
        db.dispose()


def bench_callers(db: Database, bank: Principal, keyring: Keyring, count: int, callers: int,
                  commit_every: int = 1000) -> float:
    """Entries per second (wall) when ``callers`` processes store ``count`` entries between them at once, as
    several web or Celery workers do (each its own connection; integration under the log lock)."""
    context = multiprocessing.get_context("fork")
    start, finished = context.Barrier(callers + 1), context.Queue()
    share = count // callers
    processes = [context.Process(target=_caller, args=(db.url, bank, keyring, share, commit_every, start, finished))
                 for _ in range(callers)]
    for process in processes:
        process.start()
    start.wait()
    t = time.perf_counter()
    errors = [error for error in (finished.get(timeout=600) for _ in processes) if error]
    if errors:
        raise RuntimeError("; ".join(errors))
    elapsed = time.perf_counter() - t
    for process in processes:
        process.join()
    return share * callers / elapsed


def bench_end_to_end(db: Database, count: int, commit_every: int = 1000) -> tuple[float, float, Principal, Keyring]:
    """Entries per second (wall, CPU) through operations.store_evidence (1 KB file, two parties), integrating and
    committing every ``commit_every`` entries; also the bank principal and keyring used."""
    keyring = Keyring.generate()
    with db.unit_of_work() as session:
        principals = []
        for code, kind in (("bank-a", Kind.BANK), ("agency-a", Kind.AGENCY)):
            inst = Institution(code=code, kind=kind.value, name=code)
            session.add(inst)
            session.flush()
            user = User(institution_id=inst.id, email=f"bench@{code}")
            session.add(user)
            session.flush()
            principals.append(Principal(user.id, inst.id, code, kind, allowed_roles(kind)))
    bank = principals[0]
    t, cpu = time.perf_counter(), time.process_time()
    _store_many(db, bank, keyring, count, commit_every)
    return count / (time.perf_counter() - t), count / (time.process_time() - cpu), bank, keyring


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100k leaves, fewer proofs (a minute or so)")
    parser.add_argument("--entries", type=int, default=None, help="tree size (default 1,000,000)")
    parser.add_argument("--e2e", type=int, default=None, help="entries stored end to end (default 20,000)")
    args = parser.parse_args()
    n = args.entries or (100_000 if args.quick else 1_000_000)
    e2e = args.e2e or (5_000 if args.quick else 20_000)
    proofs = 300 if args.quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db, drop = fresh_database(workdir)
        dialect = db.dialect
        print(f"evidence log benchmark: {n:,} leaves on {dialect}, {e2e:,} entries end to end, {proofs} proofs")
        leaves = leaf_inputs(n)
        try:
            ours = bench_ours(db, leaves, proofs)
            theirs = bench_pymerkle(workdir, leaves, proofs)
            *end_to_end, bank, keyring = bench_end_to_end(db, e2e)
            # SQLite has one writer at a time: concurrent callers only make sense on PostgreSQL
            end_to_end.append(bench_callers(db, bank, keyring, e2e, 2) if dialect == "postgresql" else None)
        finally:
            drop()
    if theirs is not None and theirs["root"] != ours["root"]:
        print("ROOT MISMATCH with pymerkle", file=sys.stderr)
        return 1
    report(ours, theirs, end_to_end, dialect)
    return 0


def report(ours: dict, theirs: dict | None, end_to_end: list[float | None], dialect: str) -> None:
    """Print the side-by-side table with the targets (pass/fail judged on wall-clock figures)."""
    def fmt_ms(pair: tuple[float, float]) -> str:
        return f"{pair[0]:.3f} ms (p99 {pair[1]:.3f})"

    def fmt_rate(result: dict) -> str:
        return f"{result['appends']:,.0f} (cpu {result['appends_cpu']:,.0f})"

    rows = [
        ("tree appends (leaves/s)", fmt_rate(ours), theirs and fmt_rate(theirs), f">= {TARGETS[dialect]:,}",
         ours["appends"] >= TARGETS[dialect]),
        ("inclusion proof", fmt_ms(ours["inclusion"]), theirs and fmt_ms(theirs["inclusion"]), "<= 1 ms",
         ours["inclusion"][0] <= 1),
        ("consistency proof", fmt_ms(ours["consistency"]), theirs and fmt_ms(theirs["consistency"]), "<= 1 ms",
         ours["consistency"][0] <= 1),
        ("verify inclusion", fmt_ms(ours["verify_inclusion"]), theirs and fmt_ms(theirs["verify_inclusion"]),
         "<= 0.1 ms", ours["verify_inclusion"][0] <= 0.1),
        ("verify consistency", fmt_ms(ours["verify_consistency"]), theirs and fmt_ms(theirs["verify_consistency"]),
         "<= 0.1 ms", ours["verify_consistency"][0] <= 0.1),
        ("store_evidence end to end (entries/s)", f"{end_to_end[0]:,.0f} (cpu {end_to_end[1]:,.0f})", "n/a",
         ">= 2,000", end_to_end[0] >= 2000),
    ]
    if end_to_end[2] is not None:
        rows.append(("  same, 2 callers at once (entries/s)", f"{end_to_end[2]:,.0f}", "n/a", "", True))
    print(f"{'measure':40} {'portal':>28} {'pymerkle 7':>28} {'target':>12}  ok")
    for name, mine, other, target, ok in rows:
        print(f"{name:40} {mine:>28} {other or 'not installed':>28} {target:>12}  {'yes' if ok else 'NO'}")
    print("roots agree with pymerkle" if theirs else "pymerkle not installed: pip install -e '.[bench]'")
    print("wall-clock figures; '(cpu …)' is the same work per second of this process's CPU time, which a shared or"
          " busy machine does not distort (on PostgreSQL it leaves out the server's share)")
    print(machine_load())


def machine_load() -> str:
    """How busy the machine was (load average; Linux CPU pressure: share of time runnable tasks waited for a CPU)."""
    text = f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        text += f", CPU pressure (some) avg60 {line.split('avg60=')[1].split()[0]}%"
    except (OSError, IndexError):
        pass
    return text


if __name__ == "__main__":
    sys.exit(main())
