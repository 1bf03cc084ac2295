"""Bulk demo seeding of the registry: multi-bank debtors, debts in realistic overdue buckets, assignments to the demo
agencies, a few disputes and inquiries — deterministic from the seed (and ``as_of``, default today in Shanghai).

Built for a million debtors in minutes: SQLAlchemy Core ``insert()`` compiled once per table and executed as a driver
executemany in chunks of 10,000 rows, explicit ids (no RETURNING round trips), one portal data key with one reused
AES-GCM object, hashes computed once per debtor; from 50,000 debtors on, a pool of forked processes generates the
chunks (each independent: its own random stream and id block) while this one writes. Memory stays flat: a few chunks
at a time. The caller owns the transaction (and on PostgreSQL with row-level security must seed as the tables'
owner, not as the app role).
"""

from __future__ import annotations

import functools
import multiprocessing
import operator
import os
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, LargeBinary, func, insert, select, text
from sqlalchemy.orm import Session

from portal.core.crypto import Keyring
from portal.core.errors import BadInput
from portal.core.keys import active_data_key
from portal.registry.demo_rows import AGENCIES, BANKS, CHUNK, Generator
from portal.registry.models import Debt, DebtAssignment, Debtor, Dispute, Inquiry
from portal.registry.vocab import shanghai_today

_TABLES = {"debtors": Debtor.__table__, "debts": Debt.__table__, "assignments": DebtAssignment.__table__,
           "disputes": Dispute.__table__, "inquiries": Inquiry.__table__}
PARALLEL_FROM = 50_000
CHUNK_TIMEOUT_S = 600
SIZES = {"tiny": 600, "small": 10_000, "medium": 100_000, "large": 1_000_000}
SQLITE_CACHE_KIB = 512 * 1024  # page cache while seeding: the debtors' hash index of the large size fits


def _next_id(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


def _bar(progress: Callable[..., Any] | None, label: str, total: int) -> Callable[[int], None]:
    """Adapt the caller's progress callback: ``progress(label, total)`` is called once and may return a bar with
    ``update(n)`` (tqdm-like), which then receives each chunk's count."""
    if progress is None:
        return lambda _n: None
    bar = progress(label, total)
    return bar.update if hasattr(bar, "update") else (lambda _n: None)


def seed_registry(target: Session | Connection, institutions: dict[str, int], size: str, seed: int,
                  keyring: Keyring, progress: Callable[..., Any] | None = None, *,
                  as_of: date | None = None, parallel: bool | None = None) -> dict[str, int]:
    """Write the demo registry for the given institutions (codes → ids); returns how many rows of each kind.

    ``parallel`` (default: from 50,000 debtors on) generates chunks in forked processes while this one writes;
    the rows are the same either way (each chunk has its own random stream and id block)."""
    if size not in SIZES:
        raise BadInput(f"demo size {size!r} is not one of {', '.join(SIZES)}")
    missing = [c for c in (*BANKS, *AGENCIES, "regulator") if c not in institutions]
    if missing:
        raise BadInput(f"demo institutions missing: {', '.join(missing)}")
    session = target if isinstance(target, Session) else Session(bind=target)
    conn = session.connection()
    key_id, dek = active_data_key(session, keyring, None)
    session.flush()
    total = SIZES[size]
    statements = {name: _Statement.of(table, conn.dialect) for name, table in _TABLES.items()}
    plan = _Plan(seed, dict(institutions), keyring, dek, key_id, as_of or shanghai_today(), total,
                 {t.name: _next_id(conn, t) for t in _TABLES.values()}, statements)
    if conn.dialect.name == "sqlite":  # random-key index inserts (id_hash) want the index pages in memory
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    tick = _bar(progress, "registry debtors", total)
    counts = dict.fromkeys(_TABLES, 0)
    use_pool = total >= PARALLEL_FROM if parallel is None else parallel
    use_pool = (use_pool and "fork" in multiprocessing.get_all_start_methods()
                and not multiprocessing.current_process().daemon)  # e.g. not inside a Celery child
    workers = min(4, os.cpu_count() or 2) if use_pool else 0
    for done, batch in _chunks(plan, workers):
        for name, (count, params) in batch.items():
            if count:
                statements[name].write(conn, params)
                counts[name] += count
        tick(done)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size=-2000")  # back to the default before the connection is pooled
    if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
        for table in _TABLES.values():
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                              f"(SELECT COALESCE(max(id), 1) FROM {table.name}))"))
    return counts


@dataclass(frozen=True)
class _Statement:
    """A Core ``insert()`` of every column, compiled once for the dialect, and the column types' bind processors.

    Rows become driver parameters (tuples) with the processors SQLAlchemy would apply, in the generating process, so
    writing a chunk costs no per-row SQLAlchemy work: one driver executemany on SQLite; on PostgreSQL ``COPY … FROM
    STDIN`` through psycopg (its executemany sends one statement per row, and it re-parses a large multi-row
    ``VALUES`` in Python at every call — both measured several times slower)."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, processor) where one applies
    copy: bool

    @classmethod
    def of(cls, table: Any, dialect: Any) -> _Statement:
        keys = [c.key for c in table.columns]
        compiled = insert(table).compile(dialect=dialect, column_keys=keys)
        copy = dialect.name == "postgresql"
        names = tuple(compiled.positiontup) if compiled.positional else tuple(keys)
        processors = []
        for i, name in enumerate(names):
            if isinstance(table.c[name].type, LargeBinary):
                continue  # bytes go through as they are (and stay picklable)
            proc = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:  # dates, timestamps and booleans repeat a lot: memoise the conversion
                processors.append((i, functools.lru_cache(maxsize=1 << 16)(proc)))
        if copy:
            quote = dialect.identifier_preparer.quote
            sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
        else:
            sql = compiled.string
        return cls(sql, names, tuple(processors), copy)

    def params(self, rows: list[dict[str, Any]]) -> list[Any]:
        """Driver parameters for ``rows``: one tuple per row, or for COPY one block of its text format."""
        pick = operator.itemgetter(*self.names)
        out = []
        for row in rows:
            values = list(pick(row))
            for i, proc in self.processors:
                values[i] = proc(values[i])
            out.append(tuple(values))
        if self.copy:  # formatted here, in the generating process, so the writer only streams bytes
            return [b"".join(b"\t".join(_copy_field(v) for v in row) + b"\n" for row in out)] if out else []
        return out

    def write(self, conn: Connection, params: list[Any]) -> None:
        """Insert the rows of ``params`` in the connection's transaction."""
        if not self.copy:
            conn.exec_driver_sql(self.sql, params)
            return
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(self.sql) as copy:
            for block in params:
                copy.write(block)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: Any) -> bytes:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return b"\\N"
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, bytes | bytearray | memoryview):
        return b"\\\\x" + bytes(value).hex().encode()
    if isinstance(value, date | datetime):
        return value.isoformat().encode()
    return str(value).translate(_COPY_ESCAPES).encode()


@dataclass(frozen=True)
class _Plan:
    """Everything the generator needs (handed to a forked worker process as it is)."""

    seed: int
    institutions: dict[str, int]
    keyring: Keyring
    dek: bytes
    key_id: int
    as_of: date
    total: int
    first_ids: dict[str, int]
    statements: dict[str, _Statement]


def _generate(plan: _Plan, k: int) -> tuple[int, dict[str, list[Any]]]:
    """(debtors in chunk ``k``, driver parameters by table)."""
    gen = _WORKER.get("generator")
    if gen is None or _WORKER.get("plan") is not plan:
        gen = Generator(plan.seed, plan.institutions, plan.keyring, plan.dek, plan.key_id, plan.as_of, plan.total,
                        plan.first_ids)
        _WORKER.update(plan=plan, generator=gen)
    rows = gen.chunk(k)
    return len(rows["debtors"]), {name: (len(rows[name]), plan.statements[name].params(rows[name]))
                                  for name in _TABLES}


_WORKER: dict[str, Any] = {}


def _work(k: int) -> tuple[int, dict[str, list[Any]]]:
    """In a pool process: chunk ``k`` of the plan inherited at fork."""
    return _generate(_WORKER["plan"], k)


def _chunks(plan: _Plan, workers: int) -> Iterator[tuple[int, dict[str, list[Any]]]]:
    """Every chunk in order: generated here (``workers`` = 0) or by a pool of forked processes, at most a few chunks
    ahead of the writer (memory stays flat). Fork, not spawn: a spawned child re-imports the parent's ``__main__``
    (an unguarded CLI would run again); the children only generate rows — no database, no threads of their own."""
    count = -(-plan.total // CHUNK)
    _WORKER.clear()
    try:
        if workers == 0:
            for k in range(count):
                yield _generate(plan, k)
            return
        _WORKER["plan"] = plan  # inherited by the forked pool processes
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(processes=workers) as pool:
            pending: deque[Any] = deque()
            submitted = 0
            while submitted < count or pending:
                while submitted < count and len(pending) < workers + 1:
                    pending.append(pool.apply_async(_work, (submitted,)))
                    submitted += 1
                yield pending.popleft().get(timeout=CHUNK_TIMEOUT_S)  # a lost worker must not hang us
    finally:
        _WORKER.clear()  # no data key left behind in a module global


def seed(ctx: Any) -> None:
    """The registry's part of ``portal demo`` (a ``portal.demo.DemoContext``)."""
    seed_registry(ctx.session, ctx.institutions, ctx.size, ctx.seed, ctx.keyring, ctx.progress)
