"""Benchmark of the registry's bulk demo seeding against ORM per-row inserts.

    python benchmarks/bench_registry_seed.py [--quick] [--large] [--url DATABASE_URL]

Each size runs in a fresh process on a fresh database (a temporary SQLite file, or a new PostgreSQL database when
``--url`` points at a server) and reports wall time including the commit, rows per second and that process's peak
RSS. The baseline, in the same run: the same generated rows written with the ORM one row at a time
(``session.add`` + ``flush``), as a naive seeder would, on a small sample; its rate is extrapolated to each size.
``--quick`` runs small only; ``--large`` adds the 1M-debtor size (target: ≤ 10 minutes, ≤ 2 GB on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

BASELINE_DEBTORS = 2_000
CODES = (("regulator", "regulator"), ("bank-a", "bank"), ("bank-b", "bank"), ("bank-c", "bank"),
         ("agency-a", "agency"), ("agency-b", "agency"), ("mediator", "mediator"), ("tracer", "tracer"))


def _fresh_database(url: str | None, workdir: str) -> tuple[str, Callable[[], object]]:
    """(URL of an empty database, its clean-up)."""
    if not url or not url.startswith("postgresql"):
        path = Path(workdir) / f"seed-{uuid.uuid4().hex[:8]}.db"
        return f"sqlite:///{path}", lambda: [p.unlink(missing_ok=True) for p in path.parent.glob(path.name + "*")]
    from sqlalchemy import create_engine, text

    name = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.rsplit("/", 1)[0] + "/" + name, drop


def _setup(url: str):
    from portal.core.crypto import Keyring
    from portal.core.db import Base, Database
    from portal.models import import_all
    from portal.tenancy.models import Institution

    import_all()
    import portal.registry.models  # noqa: F401

    db = Database(url, statement_timeout_ms=0)
    needed = {"institutions", "users", "user_roles", "data_keys", "debtors", "debts", "debt_guarantors",
              "debt_history", "debt_assignments", "disputes", "inquiries"}
    Base.metadata.create_all(db.engine, tables=[t for t in Base.metadata.sorted_tables if t.name in needed])
    ids = {}
    with db.unit_of_work() as session:
        for code, kind in CODES:
            inst = Institution(code=code, kind=kind, name=code)
            session.add(inst)
            session.flush()
            ids[code] = inst.id
    return db, ids, Keyring.generate()


def child_bulk(size: str, url: str) -> dict:
    """Seed ``size`` with the bulk path; figures of this process."""
    from portal.registry.demo import seed_registry

    db, ids, keyring = _setup(url)
    start = time.perf_counter()
    with db.unit_of_work() as session:
        counts = seed_registry(session, ids, size, 20261128, keyring)
    seconds = time.perf_counter() - start
    db.dispose()
    rows = sum(counts.values())
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024  # the forked generator, if any
    return {"size": size, "seconds": round(seconds, 1), "rows": rows, "counts": counts,
            "rows_per_s": round(rows / seconds), "peak_rss_mb": _peak_rss_mb(), "worker_peak_rss_mb": worker}


def child_baseline(url: str) -> dict:
    """The same generator's rows, written through the ORM one row at a time with a flush each."""
    from datetime import date

    from portal.core.keys import active_data_key
    from portal.registry.demo import _TABLES
    from portal.registry.demo_rows import Generator
    from portal.registry.models import Debt, DebtAssignment, Debtor, Dispute, Inquiry

    models = {"debtors": Debtor, "debts": Debt, "assignments": DebtAssignment, "disputes": Dispute,
              "inquiries": Inquiry}
    db, ids, keyring = _setup(url)
    with db.unit_of_work() as session:
        key_id, dek = active_data_key(session, keyring, None)
    start = time.perf_counter()
    rows = 0
    with db.unit_of_work() as session:
        gen = Generator(1, ids, keyring, dek, key_id, date.today(), BASELINE_DEBTORS,
                        dict.fromkeys((t.name for t in _TABLES.values()), 1))
        batch = gen.chunk(0)
        for name in ("debtors", "debts", "assignments", "disputes", "inquiries"):
            for values in batch[name]:
                session.add(models[name](**values))
                session.flush()
                rows += 1
    seconds = time.perf_counter() - start
    db.dispose()
    return {"size": f"orm-per-row ({BASELINE_DEBTORS} debtors)", "seconds": round(seconds, 1), "rows": rows,
            "rows_per_s": round(rows / seconds), "peak_rss_mb": _peak_rss_mb()}


def _peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _run_child(args: list[str], url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        db_url, cleanup = _fresh_database(url, workdir)
        try:
            out = subprocess.run([sys.executable, __file__, "--child", *args, "--url", db_url], check=True,
                                 capture_output=True, text=True)
        finally:
            cleanup()
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small only")
    parser.add_argument("--large", action="store_true", help="also the 1M-debtor size")
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL"), help="a PostgreSQL server URL")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind = args.child[0]
        result = child_baseline(args.url) if kind == "baseline" else child_bulk(kind, args.url)
        print(json.dumps(result, ensure_ascii=False))
        return
    sizes = ["small"] if args.quick else ["small", "medium"]
    if args.large:
        sizes.append("large")
    backend = "postgresql" if args.url and args.url.startswith("postgresql") else "sqlite"
    baseline = _run_child(["baseline"], args.url)
    print(f"backend {backend}, {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    print(f"baseline {baseline['size']}: {baseline['rows']} rows in {baseline['seconds']} s = "
          f"{baseline['rows_per_s']} rows/s, peak RSS {baseline['peak_rss_mb']} MB")
    for size in sizes:
        r = _run_child([size], args.url)
        naive = r["rows"] / baseline["rows_per_s"]
        print(f"{size:>6}: {r['counts']['debtors']:>9,} debtors {r['counts']['debts']:>9,} debts  "
              f"{r['rows']:>9,} rows in {r['seconds']:>7.1f} s = {r['rows_per_s']:>7,} rows/s, "
              f"peak RSS {r['peak_rss_mb']:>5} MB (+ generator {r['worker_peak_rss_mb']} MB)")
        print(f"        ORM per-row would take ≈ {naive:,.0f} s (×{naive / r['seconds']:.0f})")
        print(json.dumps({"bench": "registry_seed", "backend": backend, **r,
                          "baseline_rows_per_s": baseline["rows_per_s"]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
