"""Benchmark of the escalation sweep (set-based, chunked) against a naive per-debt ORM loop, in the same run.

    python benchmarks/bench_escalation.py [--quick] [--debts N] [--url DATABASE_URL]

One bank holds N debts (default 1,000,000; ``--quick``: 100,000), seeded set-based (Core executemany in chunks) with
due dates spread from 60 days ahead to 400 days past, mixed statuses and amounts. Each phase runs in its own process
so that its peak RSS is its own:
- seed: the book (not timed against the target);
- sweep: the first sweep as of AS_OF (the backfill: every overdue debt enters the ladder, letters drafted for those
  in the lawyer's-letter stage), the same sweep again (idempotent: nothing changes), and the next day's sweep (the
  daily case: only the debts crossing a threshold move);
- baseline: the naive loop — per debt an ORM read of the debt and its stage, the stage computed in Python, and the
  transition, stage and letter written with a flush each — over a sample of another bank's debts.
Target: the whole N = 1M first sweep in under 60 s on SQLite, memory flat (chunks of ``operations.CHUNK`` debts).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

AS_OF = date(2026, 11, 20)
BASELINE_DEBTS = 5_000
SEED_CHUNK = 20_000
MASTER = "bench-escalation-master-key-0001"


def _peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _keyring():
    import base64

    from portal.core.crypto import Keyring

    key = base64.b64encode(MASTER.encode()[:32].ljust(32, b"0")).decode()
    return Keyring.from_setting(f"k1:{key}", base64.b64encode(b"bench-lookup-secret-32-bytes-lng").decode())


def _db(url: str):
    from portal.core.db import Database
    from portal.models import import_all
    from portal.policies import import_policies

    import_all()
    import_policies()
    return Database(url, statement_timeout_ms=0)


def child_seed(url: str, debts: int) -> dict:
    """Create the tables and seed two banks: bank-a with ``debts`` debts, bank-b with the baseline sample."""
    from sqlalchemy import insert

    from portal.core.db import Base
    from portal.core.keys import active_data_key
    from portal.registry.demo_rows import _Sealer
    from portal.registry.models import DEBTOR_ID_PURPOSE, Debt, Debtor, identifier_aad
    from portal.tenancy.models import Institution

    db = _db(url)
    Base.metadata.create_all(db.engine)
    keyring, rng = _keyring(), random.Random(20261120)
    start = time.perf_counter()
    with db.unit_of_work() as session:
        banks = {}
        for code in ("bank-a", "bank-b"):
            inst = Institution(code=code, kind="bank", name=f"{code} 城市商业银行")
            session.add(inst)
            session.flush()
            banks[code] = inst.id
        key_id, dek = active_data_key(session, keyring, None)
        sealer = _Sealer(dek)
        conn = session.connection()
        debtor_id = debt_id = 0
        statuses = ("overdue",) * 15 + ("current", "current", "settled", "settled", "in_litigation")
        for code, total in (("bank-a", debts), ("bank-b", BASELINE_DEBTS)):
            for lo in range(0, total, SEED_CHUNK):
                n = min(SEED_CHUNK, total - lo)
                people, rows = [], []
                for _ in range((n + 1) // 2):
                    debtor_id += 1
                    number = f"3306021985{debtor_id:07d}X"[:17] + "X"
                    id_hash = keyring.lookup_hash(DEBTOR_ID_PURPOSE, number)
                    people.append({"id": debtor_id, "kind": "person", "id_hash": id_hash, "key_id": key_id,
                                   "id_cipher": sealer.seal(number, identifier_aad(id_hash, "id")),
                                   "name": f"债务人{debtor_id}"})
                for i in range(n):
                    debt_id += 1
                    status = rng.choice(statuses)
                    large = rng.random() < 0.03  # a few debts of 1M-900M yuan, most under 500k
                    fen = rng.randrange(1_000_000_00, 900_000_000_00) if large else rng.randrange(100_00, 500_000_00)
                    rows.append({"id": debt_id, "creditor_id": banks[code], "debtor_id": people[i // 2]["id"],
                                 "client_key": f"k{debt_id}", "principal_fen": fen, "outstanding_fen": fen,
                                 "currency": "CNY", "opened_on": date(2024, 1, 1),
                                 "due_on": AS_OF - timedelta(days=rng.randrange(-60, 400)), "status": status,
                                 "adverse": status != "current", "version": 1})
                conn.execute(insert(Debtor.__table__), people)
                conn.execute(insert(Debt.__table__), rows)
    seconds = time.perf_counter() - start
    db.dispose()
    return {"phase": "seed", "debts": debts + BASELINE_DEBTS, "seconds": round(seconds, 1),
            "peak_rss_mb": _peak_rss_mb(), "bank_a": banks["bank-a"], "bank_b": banks["bank-b"]}


def child_sweep(url: str, bank: int) -> dict:
    """The set-based sweep of bank-a: first (backfill), again (idempotent), next day (daily)."""
    from sqlalchemy import func, select

    from portal.access import Kind, Principal
    from portal.registry.models import Debt
    from portal.services.escalation import operations

    db, keyring = _db(url), _keyring()
    principal = Principal.scheduled(bank, "bank-a", Kind.BANK)
    out = {"phase": "sweep"}
    with db.unit_of_work() as session:
        out["debts"] = session.scalar(select(func.count()).select_from(Debt).where(Debt.creditor_id == bank))
    for label, day in (("first", AS_OF), ("again", AS_OF), ("next_day", AS_OF + timedelta(days=1))):
        start = time.perf_counter()
        with db.unit_of_work(bank) as session:
            row = operations.run_sweep(principal, bank, day, session=session, keyring=keyring)
            figures = {"transitions": row.transitions, "letters": row.letters, "referrals": row.referrals,
                       "chunks": row.chunks_total}
        seconds = time.perf_counter() - start
        out[label] = {**figures, "seconds": round(seconds, 2), "debts_per_s": round(out["debts"] / seconds)}
    out["peak_rss_mb"] = _peak_rss_mb()
    db.dispose()
    return out


def child_baseline(url: str, bank: int) -> dict:
    """The naive sweep: one ORM read and write (with a flush) per debt, over bank-b's sample."""
    from sqlalchemy import select

    from portal.core.crypto import decrypt_blob
    from portal.core.identifiers import mask_id_number
    from portal.core.keys import data_key
    from portal.core.timeutil import utcnow
    from portal.registry.models import Debt, Debtor, identifier_aad
    from portal.registry.vocab import days_past_due
    from portal.services.escalation.ladder import default_ladder
    from portal.services.escalation.models import DebtStage, EscalationSweep, LawyerLetter, StageTransition
    from portal.services.escalation.operations import render_letter
    from portal.tenancy.models import Institution

    db, keyring, ladder = _db(url), _keyring(), default_ladder()
    start = time.perf_counter()
    count = 0
    with db.unit_of_work(bank) as session:
        sweep = EscalationSweep(creditor_id=bank, as_of=AS_OF, ladder_version=ladder.version)
        session.add(sweep)
        session.flush()
        creditor = session.get(Institution, bank)
        for debt_id in session.scalars(select(Debt.id).where(Debt.creditor_id == bank).order_by(Debt.id)).all():
            debt = session.get(Debt, debt_id)
            current = session.get(DebtStage, debt_id)
            stage = ladder.stage_for(days_past_due(debt.status, debt.due_on, AS_OF))
            code = stage.code if stage else None
            count += 1
            if code == (current.stage if current else None):
                continue
            move = StageTransition(sweep_id=sweep.id, debt_id=debt.id, creditor_id=bank, from_stage=current and
                                   current.stage, to_stage=code, swept_on=AS_OF, at=utcnow(), due_on=debt.due_on,
                                   outstanding_fen=debt.outstanding_fen,
                                   referral_candidate=code == "judicial"
                                   and debt.outstanding_fen >= ladder.referral_threshold_fen)
            session.add(move)
            session.flush()
            if current is not None:
                session.delete(current)
                session.flush()
            if code is not None:
                session.add(DebtStage(debt_id=debt.id, creditor_id=bank, stage=code, entered_on=AS_OF,
                                      transition_id=move.id, referral_candidate=move.referral_candidate))
                session.flush()
            if code == "lawyer_letter":
                debtor = session.get(Debtor, debt.debtor_id)
                number = decrypt_blob(data_key(session, keyring, debtor.key_id), debtor.id_cipher,
                                      identifier_aad(debtor.id_hash, "id")).decode()
                body = render_letter(creditor=creditor.name, debtor_name=debtor.name,
                                     masked_id=mask_id_number(number), amount_fen=debt.outstanding_fen,
                                     due_on=debt.due_on, as_of=AS_OF, pay_by=ladder.pay_by(AS_OF),
                                     legal_basis=ladder.legal_basis_zh)
                session.add(LawyerLetter(transition_id=move.id, debt_id=debt.id, creditor_id=bank,
                                         amount_fen=debt.outstanding_fen, due_on=debt.due_on,
                                         pay_by=ladder.pay_by(AS_OF), drafted_on=AS_OF, body_zh=body))
                session.flush()
    seconds = time.perf_counter() - start
    db.dispose()
    return {"phase": "baseline", "debts": count, "seconds": round(seconds, 2), "debts_per_s": round(count / seconds),
            "peak_rss_mb": _peak_rss_mb()}


def _run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"child {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fresh(url: str | None, workdir: str) -> tuple[str, object]:
    if not url or not url.startswith("postgresql"):
        return f"sqlite:///{Path(workdir) / 'bench-escalation.db'}", lambda: None
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


def main() -> None:
    """Seed, sweep, baseline; print one JSON line per phase and a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 debts instead of 1,000,000")
    parser.add_argument("--debts", type=int, help="how many debts bank-a holds")
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL"), help="a PostgreSQL server URL")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, url, *rest = args.child
        fn = {"seed": child_seed, "sweep": child_sweep, "baseline": child_baseline}[kind]
        print(json.dumps(fn(url, *map(int, rest)), ensure_ascii=False))
        return
    debts = args.debts or (100_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory() as workdir:
        url, cleanup = _fresh(args.url, workdir)
        try:
            seed = _run_child("seed", url, str(debts))
            print(json.dumps(seed, ensure_ascii=False), flush=True)
            sweep = _run_child("sweep", url, str(seed["bank_a"]))
            print(json.dumps(sweep, ensure_ascii=False), flush=True)
            base = _run_child("baseline", url, str(seed["bank_b"]))
            print(json.dumps(base, ensure_ascii=False), flush=True)
        finally:
            cleanup()
    first = sweep["first"]
    print(f"\nescalation sweep, {sweep['debts']:,} debts ({'PostgreSQL' if args.url else 'SQLite'}):")
    print(f"  set-based, first sweep : {first['seconds']:>8.2f} s  {first['debts_per_s']:>10,} debts/s  "
          f"({first['transitions']:,} transitions, {first['letters']:,} letters, {first['referrals']:,} referrals)")
    for label in ("again", "next_day"):
        row = sweep[label]
        print(f"  set-based, {label:<12}: {row['seconds']:>8.2f} s  {row['debts_per_s']:>10,} debts/s  "
              f"({row['transitions']:,} transitions)")
    print(f"  naive ORM per debt     : {base['seconds']:>8.2f} s  {base['debts_per_s']:>10,} debts/s  "
          f"(sample of {base['debts']:,}; {sweep['debts'] / base['debts_per_s']:,.0f} s extrapolated)")
    print(f"  speed-up {first['debts_per_s'] / base['debts_per_s']:.0f}x; peak RSS sweep {sweep['peak_rss_mb']} MB, "
          f"baseline {base['peak_rss_mb']} MB, seed {seed['peak_rss_mb']} MB; target < 60 s: "
          f"{'met' if first['seconds'] < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
