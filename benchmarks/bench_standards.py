"""Benchmark of the standards engine: batch evaluation of one month of a large agency's contact attempts.

    python benchmarks/bench_standards.py            # 1,000,000 attempts on 100,000 debts
    python benchmarks/bench_standards.py --quick    # 50,000 attempts on 5,000 debts

The data are generated deterministically (``--seed``). The engine's batch path (sorted by time, per-key deques,
offsets cached per zone and hour) is timed on all attempts, pinned to one CPU core. In the same run the naive
baseline asks SQLite, for each attempt, for its history (same debtor, number or debt, before it) and its case
events, rebuilds those records and judges the attempt with ``check_planned``. It is timed on an evenly spread
sample of the attempts (the whole log is in the database, so each query sees the real history), and its verdicts
are compared with the engine's for the same attempts. Both figures are given by wall clock and by CPU time (the
CPU time is what the one core spent, whatever else the machine is running).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from standards import CaseEvent, ContactAttempt, Engine, resolve  # noqa: E402

MONTH_START = datetime(2026, 3, 1, tzinfo=timezone(timedelta(hours=8)))
ZONES = ["Asia/Shanghai"] * 95 + [
    "Asia/Hong_Kong",
    "Asia/Urumqi",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
]
CHANNELS = ["call"] * 55 + ["ai_voice"] * 20 + ["sms"] * 18 + ["visit"] * 2 + ["letter"] * 3 + ["email"] * 2
COUNTERPARTIES = ["debtor"] * 93 + ["guarantor"] * 4 + ["third_party"] * 2 + ["attorney"]
VOICE_OUTCOMES = ["connected"] * 35 + ["unanswered"] * 45 + ["busy"] * 8 + ["not_in_service"] * 4 + ["voicemail"] * 8
HOURS = [8, 9, 10, 10, 11, 11, 14, 14, 15, 15, 16, 16, 17, 18, 19, 20, 21] * 10 + [22, 7, 23]
AGENCIES = ["AG1"] * 45 + ["AG2"] * 45 + ["AG3"] * 4 + ["AG4"] * 4 + ["AG5"] * 2  # weights: most work is in order
BANKS = ["BANK-A", "BANK-B", "BANK-C"]


def generate(attempt_count: int, debt_count: int, seed: int) -> tuple[list[ContactAttempt], list[CaseEvent]]:
    """A deterministic month of attempts and case events."""
    rng = random.Random(seed)
    debtor_count = max(1, debt_count * 4 // 5)
    debt_tz = [rng.choice(ZONES) for _ in range(debtor_count)]
    debt_dpd = [rng.randint(-3, 200) for _ in range(debt_count)]
    debt_agency = [rng.choice(AGENCIES) for _ in range(debt_count)]
    debt_bank = [rng.choice(BANKS) for _ in range(debt_count)]
    debts = [f"D{i:07d}" for i in range(debt_count)]
    debtors = [f"P{i:07d}" for i in range(debtor_count)]
    start = MONTH_START.timestamp()
    shift = {
        zone: 8 * 3600 - int(ZoneInfo(zone).utcoffset(MONTH_START.replace(tzinfo=None)).total_seconds())
        for zone in set(ZONES)
    }  # so that HOURS are local hours in every zone (DST aside)
    attempts = []
    for index in range(attempt_count):
        debt = min(int(rng.random() ** 2 * debt_count), debt_count - 1)  # some debts are worked much harder
        debtor = debt % debtor_count
        day = rng.randrange(31)
        local_seconds = rng.choice(HOURS) * 3600 + rng.randrange(3600)
        epoch = start + day * 86400 + local_seconds + shift[debt_tz[debtor]]
        channel = rng.choice(CHANNELS)
        counterparty = rng.choice(COUNTERPARTIES)
        voice = channel in ("call", "ai_voice")
        outcome = rng.choice(VOICE_OUTCOMES) if voice else "connected"
        extra: dict[str, object] = {
            "days_past_due": debt_dpd[debt] + day,
            "agency_ref": debt_agency[debt],
            "creditor_ref": debt_bank[debt],
        }
        if outcome == "connected" and voice:
            extra["identified"] = rng.random() < 0.98
            extra["recorded"] = rng.random() < 0.97
        if counterparty == "third_party":
            extra["purpose"] = "location" if rng.random() < 0.8 else "collection"
            number = f"9{debtor:07d}{rng.randrange(3)}"
        else:
            number = f"1{debtor:07d}{rng.randrange(1 + debtor % 3)}"
        attempts.append(
            ContactAttempt(
                attempt_id=f"A{index:08d}",
                debt_ref=debts[debt],
                debtor_ref=debtors[debtor],
                number=number,
                counterparty=counterparty,
                channel=channel,
                started_at=datetime.fromtimestamp(epoch, UTC),
                outcome=outcome,
                duration_s=float(rng.randint(30, 600)) if outcome == "connected" else 0.0,
                debtor_tz=debt_tz[debtor],
                extra=extra,
            )
        )
    return attempts, _events(rng, debts, debtors, start)


def _events(rng: random.Random, debts: list[str], debtors: list[str], start: float) -> list[CaseEvent]:
    def at(day: float) -> datetime:
        return datetime.fromtimestamp(start + day * 86400, UTC)

    events = []
    for debt in rng.sample(debts, max(1, len(debts) // 100)):
        opened = rng.uniform(-5, 30)
        events.append(CaseEvent("dispute_opened", at(opened), debt_ref=debt))
        if rng.random() < 0.5:
            events.append(CaseEvent("dispute_answered", at(opened + rng.uniform(1, 10)), debt_ref=debt))
    for debt in rng.sample(debts, max(1, len(debts) // 200)):
        events.append(CaseEvent("mediation_opened", at(rng.uniform(-5, 30)), debt_ref=debt))
    for debtor in rng.sample(debtors, max(1, len(debtors) // 500)):
        events.append(CaseEvent("cease_requested", at(rng.uniform(-5, 30)), debtor_ref=debtor))
    for agency in sorted(set(AGENCIES)):
        until = at(15) if agency == "AG5" else at(400)  # AG5's licence lapses mid-month
        events.append(CaseEvent("licence_granted", at(-200), agency_ref=agency, valid_until=until))
        events.append(CaseEvent("agency_evaluated", at(-400 if agency == "AG3" else -100), agency_ref=agency))
        for bank in BANKS:
            if not (agency == "AG4" and bank == "BANK-C"):
                events.append(CaseEvent("whitelisted", at(-100), agency_ref=agency, creditor_ref=bank))
    return events


class Stopwatch:
    """Wall-clock and CPU seconds of a block (CPU time is what one core spent, whatever else the machine runs)."""

    def __enter__(self) -> Stopwatch:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu

    def rates(self, count: int) -> str:
        """``count`` per second, by wall clock and by CPU time."""
        return (
            f"{count / self.wall:,.0f} attempts/s wall ({self.wall:.2f} s), "
            f"{count / self.cpu:,.0f} attempts/s CPU ({self.cpu:.2f} s)"
        )


def run_engine(engine: Engine, attempts: list[ContactAttempt], events: list[CaseEvent]) -> tuple[Stopwatch, list]:
    """Time of the batch evaluation, and its verdicts."""
    with Stopwatch() as watch:
        verdicts = engine.evaluate(attempts, events)
    return watch, verdicts


def _load_database(path: Path, attempts: list[ContactAttempt], events: list[CaseEvent]) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE attempts (seq INTEGER PRIMARY KEY, attempt_id TEXT, debt_ref TEXT, debtor_ref TEXT, "
        "number TEXT, counterparty TEXT, channel TEXT, epoch REAL, outcome TEXT, duration_s REAL, "
        "debtor_tz TEXT, extra TEXT)"
    )
    db.execute(
        "CREATE TABLE events (kind TEXT, epoch REAL, debt_ref TEXT, debtor_ref TEXT, number TEXT, "
        "agency_ref TEXT, creditor_ref TEXT, valid_until REAL)"
    )
    order = sorted(range(len(attempts)), key=lambda i: attempts[i].epoch)
    db.executemany(
        "INSERT INTO attempts VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            (
                seq,
                a.attempt_id,
                a.debt_ref,
                a.debtor_ref,
                a.number,
                a.counterparty,
                a.channel,
                a.epoch,
                a.outcome,
                a.duration_s,
                a.debtor_tz,
                json.dumps(a.extra),
            )
            for seq, a in ((s, attempts[i]) for s, i in enumerate(order))
        ),
    )
    db.executemany(
        "INSERT INTO events VALUES (?,?,?,?,?,?,?,?)",
        (
            (
                e.kind,
                e.epoch,
                e.debt_ref,
                e.debtor_ref,
                e.number,
                e.agency_ref,
                e.creditor_ref,
                e.valid_until.timestamp() if e.valid_until else None,
            )
            for e in events
        ),
    )
    for column in ("debtor_ref", "number", "debt_ref"):
        db.execute(f"CREATE INDEX attempts_{column} ON attempts ({column}, seq)")
    for column in ("debt_ref", "debtor_ref", "agency_ref"):
        db.execute(f"CREATE INDEX events_{column} ON events ({column}, epoch)")
    db.commit()
    return db


_HISTORY = (
    "SELECT * FROM attempts WHERE debtor_ref = ?1 AND seq < ?4 UNION "
    "SELECT * FROM attempts WHERE number = ?2 AND seq < ?4 UNION "
    "SELECT * FROM attempts WHERE debt_ref = ?3 AND seq < ?4 ORDER BY seq"
)
_EVENTS = "SELECT * FROM events WHERE (debt_ref = ?1 OR debtor_ref = ?2 OR agency_ref = ?3) AND epoch <= ?4"


def _attempt(row: tuple) -> ContactAttempt:
    return ContactAttempt(
        attempt_id=row[1],
        debt_ref=row[2],
        debtor_ref=row[3],
        number=row[4],
        counterparty=row[5],
        channel=row[6],
        started_at=datetime.fromtimestamp(row[7], UTC),
        outcome=row[8],
        duration_s=row[9],
        debtor_tz=row[10],
        extra=json.loads(row[11]),
    )


def _event(row: tuple) -> CaseEvent:
    until = datetime.fromtimestamp(row[7], UTC) if row[7] is not None else None
    return CaseEvent(
        row[0],
        datetime.fromtimestamp(row[1], UTC),
        debt_ref=row[2],
        debtor_ref=row[3],
        number=row[4],
        agency_ref=row[5],
        creditor_ref=row[6],
        valid_until=until,
    )


def run_baseline(
    engine: Engine, db: sqlite3.Connection, ordered: list[ContactAttempt], sample: list[int]
) -> tuple[Stopwatch, dict[str, list]]:
    """Time taken to judge the sampled attempts (positions in time order) the naive way, and their verdicts."""
    verdicts: dict[str, list] = {}
    with Stopwatch() as watch:
        for seq in sample:
            _judge_one(engine, db, ordered[seq], seq, verdicts)
    return watch, verdicts


def _judge_one(
    engine: Engine, db: sqlite3.Connection, current: ContactAttempt, seq: int, verdicts: dict[str, list]
) -> None:
    history = [
        _attempt(row) for row in db.execute(_HISTORY, (current.debtor_ref, current.number, current.debt_ref, seq))
    ]
    events = [
        _event(row)
        for row in db.execute(
            _EVENTS, (current.debt_ref, current.debtor_ref, current.extra.get("agency_ref"), current.epoch)
        )
    ]
    verdicts[current.attempt_id] = list(engine.check_planned(current, history, events).verdicts)


def _pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to CPU {core}"


def main() -> int:
    """Generate, evaluate, compare; print both figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50,000 attempts on 5,000 debts")
    parser.add_argument("--attempts", type=int, help="number of attempts (default 1,000,000)")
    parser.add_argument("--debts", type=int, help="number of debts (default 100,000)")
    parser.add_argument("--baseline-sample", type=int, help="attempts judged by the baseline (default 20,000)")
    parser.add_argument("--standard", default="cn-regional", help="standard code (default cn-regional)")
    parser.add_argument("--seed", type=int, default=20260301)
    args = parser.parse_args()
    attempt_count = args.attempts or (50_000 if args.quick else 1_000_000)
    debt_count = args.debts or (5_000 if args.quick else 100_000)
    sample_size = min(args.baseline_sample or (2_000 if args.quick else 20_000), attempt_count)
    print(
        f"standards benchmark: {attempt_count:,} attempts, {debt_count:,} debts, standard {args.standard}, "
        f"{_pin_to_one_core()}"
    )

    began = time.perf_counter()
    attempts, events = generate(attempt_count, debt_count, args.seed)
    print(f"generated in {time.perf_counter() - began:.1f} s ({len(events):,} case events)")
    engine = Engine(resolve(args.standard))

    watch, verdicts = run_engine(engine, attempts, events)
    engine_rate = attempt_count / watch.cpu
    print(f"engine (batch): {attempt_count:,} attempts: {watch.rates(attempt_count)}; {len(verdicts):,} violations")
    for rule, count in sorted(Counter(v.rule for v in verdicts).items()):
        print(f"    {rule:<18} {count:>9,}")

    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        db = _load_database(Path(folder) / "attempts.db", attempts, events)
        print(f"baseline database loaded in {time.perf_counter() - began:.1f} s")
        step = attempt_count / sample_size
        sample = [int(k * step) for k in range(sample_size)]
        ordered = sorted(attempts, key=lambda a: a.epoch)
        base_watch, base_verdicts = run_baseline(engine, db, ordered, sample)
        db.close()
    base_rate = sample_size / base_watch.cpu
    print(
        f"baseline (SQLite queries per attempt + check_planned): {sample_size:,} sampled attempts: "
        f"{base_watch.rates(sample_size)}"
    )
    by_attempt: dict[str, list] = {}
    for verdict in verdicts:
        by_attempt.setdefault(verdict.attempt_id, []).append(verdict)
    mismatches = sum(
        1
        for attempt_id, found in base_verdicts.items()
        if [v.comparable() for v in found] != [v.comparable() for v in by_attempt.get(attempt_id, [])]
    )
    print(
        f"verdicts of the sampled attempts: engine and baseline "
        f"{'agree' if not mismatches else f'DISAGREE on {mismatches}'} ({sample_size:,} compared)"
    )
    wall_rate = attempt_count / watch.wall
    print(
        f"speed-up (CPU): {engine_rate / base_rate:,.1f}x; target 50,000 attempts/s: "
        f"{'met' if engine_rate >= 50_000 else 'NOT met'} by CPU time, "
        f"{'met' if wall_rate >= 50_000 else 'NOT met'} by wall clock"
    )
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
