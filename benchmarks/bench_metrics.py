"""Benchmark of ``regionMetrics`` for the regulator against a naive per-institution loop, side by side.

    python benchmarks/bench_metrics.py [--quick] [--size small|medium] [--var DIR] [--repeat N]

Seeds the demo region (``portal demo``, medium by default, small with ``--quick``) into a temporary var dir — or
reuses the demo database of ``--var`` — then, in this process, times:

- **set-based**: the persisted operation ``RegulatorOverview`` (every figure of the regulator's page: NPL stock,
  buckets, trend, recovery, conduct, reports, findings, evidence) run through the GraphQL pipeline as the regulator;
- **baseline**: what a naive implementation does — for every bank, load its debts as ORM rows and compute NPL,
  buckets and recovery in Python, plus one NPL query per bank and month end for the trend; for every agency, load
  its attempts, then its violations and its reports; for every institution, count its evidence by kind.

Both read the same database warm (one untimed run first); the median of ``--repeat`` runs and the SQL statement
count are printed, and the region's NPL ratio of both is printed as a cross-check.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def seed(size: str) -> Path:
    """A temporary var dir holding the seeded demo region of ``size``."""
    var = Path(tempfile.mkdtemp(prefix=f"bench-metrics-{size}-"))
    env = {**os.environ, "PORTAL_VAR_DIR": str(var)}
    env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "portal", "demo", "--size", size, "--quiet"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    print(f"seeded the {size} demo in {time.perf_counter() - started:.0f} s ({var})")
    return var


class Counter:
    """SQL statements run on an engine while active."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _tick(self, *_args):
        self.count += 1

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._tick)
        return self

    def __exit__(self, *_exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._tick)


def set_based(db, principal, period, keyring, settings) -> tuple[float | None, dict]:
    """The dashboards' operation through the GraphQL pipeline; returns (region NPL ratio, data)."""
    from portal.api.execute import run_operation

    text = (ROOT / "graphql" / "operations" / "RegulatorOverview.graphql").read_text(encoding="utf-8")
    with db.unit_of_work(principal.institution_id) as session:
        out = run_operation(text, principal=principal, session=session, keyring=keyring, settings=settings,
                            secret=b"bench", variables={"from": str(period[0]), "to": str(period[1])})
    if out.errors:
        raise SystemExit(f"RegulatorOverview failed: {out.errors}")
    return out.data["regionMetrics"]["npl"]["region"]["ratio"], out.data


def baseline(db, period) -> float | None:
    """The naive per-institution loop; returns the region's NPL ratio it computed."""
    from sqlalchemy import func, select

    from portal.registry.models import Debt
    from portal.services.compliance.models import AttemptViolation, ComplianceReport, ContactAttempt
    from portal.services.evidence.models import EvidenceEntry
    from portal.tenancy.models import Institution

    start, end = period
    as_of = end
    npl_total = book_total = 0
    with db.unit_of_work() as s:
        institutions = s.scalars(select(Institution)).all()
        month_ends = []
        day = start
        while day <= end:
            nxt = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            month_ends.append(min(nxt - timedelta(days=1), end))
            day = nxt
        for inst in institutions:
            if inst.kind == "bank":
                debts = s.scalars(select(Debt).where(Debt.creditor_id == inst.id)).all()
                npl = total = recovered = adverse = 0
                buckets = {"1-30": 0, "31-90": 0, "91-180": 0, "180+": 0}
                for d in debts:
                    if d.status != "settled" and d.opened_on <= as_of:
                        total += d.outstanding_fen
                        dpd = (as_of - d.due_on).days if d.status != "current" else 0
                        if d.status in ("written_off", "in_litigation") or (d.status == "overdue" and dpd > 90):
                            npl += d.outstanding_fen
                        if dpd > 0:
                            key = "1-30" if dpd <= 30 else "31-90" if dpd <= 90 else "91-180" if dpd <= 180 else "180+"
                            buckets[key] += d.outstanding_fen
                    if d.adverse and d.due_on <= end and (d.settled_on is None or d.settled_on >= start):
                        adverse += d.principal_fen
                        if d.status == "settled" and d.settled_on and start <= d.settled_on <= end:
                            recovered += d.principal_fen
                npl_total, book_total = npl_total + npl, book_total + total
                for month_end in month_ends:  # the trend, one query per bank and month
                    s.execute(select(func.sum(Debt.outstanding_fen)).where(
                        Debt.creditor_id == inst.id, Debt.opened_on <= month_end, Debt.status != "settled")).scalar()
            elif inst.kind == "agency":
                attempts = s.scalars(select(ContactAttempt).where(ContactAttempt.agency_id == inst.id)).all()
                _in_period = [a for a in attempts if a.state == "logged"]
                violations = s.scalars(select(AttemptViolation).where(AttemptViolation.agency_id == inst.id)).all()
                _by_rule: dict[str, int] = {}
                for v in violations:
                    _by_rule[v.rule] = _by_rule.get(v.rule, 0) + 1
                s.scalars(select(ComplianceReport).where(ComplianceReport.agency_id == inst.id)).all()
            s.execute(select(EvidenceEntry.kind, func.count()).where(EvidenceEntry.institution_id == inst.id)
                      .group_by(EvidenceEntry.kind)).all()
    return None if not book_total else round(npl_total / book_total, 6)


def timed(fn, repeat: int, engine) -> tuple[float, int, object]:
    """(median seconds, statements of one run, the last result) after one untimed warm-up run."""
    fn()
    times, result, statements = [], None, 0
    for _ in range(repeat):
        with Counter(engine) as counter:
            started = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - started)
        statements = counter.count
    return statistics.median(times), statements, result


def main(argv: list[str] | None = None) -> int:
    """Seed (or reuse), measure both, print them side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small demo, 3 runs")
    parser.add_argument("--size", choices=("small", "medium"), default=None)
    parser.add_argument("--var", type=Path, help="reuse this var dir's demo database (not deleted)")
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args(argv)
    size = args.size or ("small" if args.quick else "medium")
    repeat = args.repeat or (3 if args.quick else 5)
    var = args.var or seed(size)
    try:
        os.environ["PORTAL_VAR_DIR"] = str(var)
        os.environ.pop("DATABASE_URL", None)
        from sqlalchemy import func, select

        from portal.config import load_settings
        from portal.core.crypto import Keyring
        from portal.core.db import Database
        from portal.models import import_all
        from portal.registry.models import Debt
        from portal.registry.vocab import shanghai_today
        from portal.tenancy.models import Institution, User

        import_all()
        settings = load_settings()
        db = Database(settings.database_url)
        with db.unit_of_work() as s:
            user = s.scalar(select(User).join(Institution).where(Institution.code == "regulator"))
            principal = user.principal()
            debts = s.scalar(select(func.count()).select_from(Debt))
            banks = s.scalar(select(func.count()).select_from(Institution).where(Institution.kind == "bank"))
        today = shanghai_today()
        period = (today - timedelta(days=364), today)
        keyring = Keyring.generate()
        fast = timed(lambda: set_based(db, principal, period, keyring, settings)[0], repeat, db.engine)
        slow = timed(lambda: baseline(db, period), repeat, db.engine)
        print(f"\nregionMetrics for the regulator · {size} demo · {debts:,} debts, {banks} banks · "
              f"period {period[0]} – {period[1]} · {db.dialect} · median of {repeat}")
        print(f"{'':34}{'median (s)':>12}{'statements':>12}{'region NPL':>12}")
        print(f"{'set-based (RegulatorOverview)':34}{fast[0]:>12.3f}{fast[1]:>12}{fast[2]!s:>12}")
        print(f"{'baseline (per-institution loop)':34}{slow[0]:>12.3f}{slow[1]:>12}{slow[2]!s:>12}")
        print(f"speed-up: {slow[0] / fast[0]:.1f}x")
        db.dispose()
    finally:
        if args.var is None:
            shutil.rmtree(var, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
