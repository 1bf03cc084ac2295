"""The hot statements of the log, compiled once per dialect by SQLAlchemy and run on the driver directly.

Storing evidence and serving proofs run a few tiny statements each; SQLAlchemy's per-execution work (about 100 µs)
would cost more than everything else together. Here a Core statement is compiled once per dialect, bind values go
through the columns' own bind processors (so types such as the UTC timestamp are stored exactly as the ORM stores
them), and a cursor of the session's own connection (same transaction) runs it. Only columns whose values need no
result processing (integers, bytes) are read back this way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # parameter order for positional drivers (SQLite); None: named (psycopg)
    processors: dict[str, Callable[[Any], Any]]

    def params(self, values: dict[str, Any]) -> Any:
        for name, proc in self.processors.items():
            values[name] = proc(values[name])
        return tuple(values[name] for name in self.order) if self.order is not None else values


_CACHE: dict[tuple, _Compiled] = {}


def _cursor(session: Session) -> Any:
    """A DB-API cursor on the session's connection, inside its current transaction."""
    return session.connection().connection.cursor()


def _compiled(session: Session, key: tuple, build: Callable[[], ClauseElement],
              columns: Callable[[], dict[str, Column]] | None = None, *, literal: bool = False) -> _Compiled:
    dialect = session.get_bind().dialect
    found = _CACHE.get((key, dialect.name))
    if found is None:
        compiled = build().compile(dialect=dialect, compile_kwargs={"literal_binds": literal})
        processors = {}
        for name, column in (columns() if columns else {}).items():
            proc = column.type.bind_processor(dialect)
            if proc is not None:
                processors[name] = proc
        order = tuple(compiled.positiontup) if compiled.positional else None
        found = _CACHE[(key, dialect.name)] = _Compiled(compiled.string, order, processors)
    return found


def insert_rows(session: Session, table: Table, rows: Sequence[dict], *, returning: str | None = None) -> Any:
    """Insert ``rows`` (dicts with the same keys) with one ``executemany``; with ``returning``, insert one row and
    return that column's value."""
    if not rows:
        return None
    names = tuple(rows[0])

    def build() -> ClauseElement:
        stmt = insert(table).values({name: bindparam(name) for name in names})
        return stmt.returning(table.c[returning]) if returning else stmt

    stmt = _compiled(session, ("insert", table.name, names, returning), build, lambda: {n: table.c[n] for n in names})
    cursor = _cursor(session)
    try:
        if returning:
            cursor.execute(stmt.sql, stmt.params(dict(rows[0])))
            return cursor.fetchone()[0]
        if len(rows) == 1:  # psycopg's executemany pays a pipeline round trip even for one row
            cursor.execute(stmt.sql, stmt.params(dict(rows[0])))
        else:
            cursor.executemany(stmt.sql, [stmt.params(dict(row)) for row in rows])
        return None
    finally:
        cursor.close()


def insert_tuples(session: Session, table: Table, names: tuple[str, ...], rows: Sequence[tuple]) -> None:
    """Insert bulk ``rows`` given as tuples in ``names`` order, whose values the driver takes as they are (integers,
    bytes): no per-row work at all on positional drivers; ``COPY`` on PostgreSQL (psycopg)."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        cursor = _cursor(session)
        try:
            with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
        return
    stmt = _compiled(session, ("insert", table.name, names, None),
                     lambda: insert(table).values({name: bindparam(name) for name in names}))
    if stmt.order is None:
        params: Sequence[Any] = [dict(zip(names, row, strict=True)) for row in rows]
    elif stmt.order == names:
        params = rows
    else:
        params = [tuple(dict(zip(names, row, strict=True))[name] for name in stmt.order) for row in rows]
    cursor = _cursor(session)
    try:
        cursor.executemany(stmt.sql, params)
    finally:
        cursor.close()


def update_rows(session: Session, table: Table, key: str, rows: Sequence[dict]) -> None:
    """``UPDATE table SET … WHERE key = …`` once per row (dicts with the same keys, ``key`` among them)."""
    if not rows:
        return
    names = tuple(rows[0])

    def build() -> ClauseElement:
        stmt = update(table).where(table.c[key] == bindparam(f"p_{key}"))
        return stmt.values({name: bindparam(f"p_{name}") for name in names if name != key})

    stmt = _compiled(session, ("update", table.name, names, key), build,
                     lambda: {f"p_{n}": table.c[n] for n in names})
    cursor = _cursor(session)
    try:
        cursor.executemany(stmt.sql, [stmt.params({f"p_{name}": value for name, value in row.items()}) for row in rows])
    finally:
        cursor.close()


def select_in(session: Session, table: Table, columns: Sequence[str], key: str, values: Sequence[int]) -> list[tuple]:
    """``SELECT columns FROM table WHERE key IN values`` (integer keys; values read back unprocessed)."""
    if not values:
        return []
    names = tuple(f"k{i}" for i in range(len(values)))

    def build() -> ClauseElement:
        stmt = select(*(table.c[c] for c in columns))
        return stmt.where(table.c[key].in_([bindparam(name) for name in names]))

    stmt = _compiled(session, ("select_in", table.name, tuple(columns), key, len(values)), build)
    cursor = _cursor(session)
    try:
        cursor.execute(stmt.sql, stmt.params(dict(zip(names, values, strict=True))))
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def scalar(session: Session, name: str, build: Callable[[], ClauseElement]) -> Any:
    """The single value of a parameterless statement known by ``name`` (compiled once per dialect)."""
    stmt = _compiled(session, ("scalar", name), build, literal=True)
    cursor = _cursor(session)
    try:
        cursor.execute(stmt.sql)
        row = cursor.fetchone()
        return row[0] if row else None
    finally:
        cursor.close()
