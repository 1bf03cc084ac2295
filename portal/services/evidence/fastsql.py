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
    stmt = _insert_statement(session, table, tuple(rows[0]), returning)
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


def insert_with_children(session: Session, parent: Table, row: dict, returning: str,
                         children: Sequence[tuple[Table, str, Sequence[dict]]]) -> Any:
    """Insert one ``parent`` row and, for each ``(table, foreign_key, rows)`` in ``children``, its child rows (dicts
    with the same keys, the foreign key left out), and return the parent's ``returning`` column.

    On PostgreSQL this is ONE statement (one round trip, one parse): the parent in a data-modifying CTE, each
    child table filled from a ``VALUES`` list joined to it (foreign keys are checked at the end of the statement,
    when the parent exists). Elsewhere it is one insert per table, each waiting for the last."""
    if session.get_bind().dialect.name != "postgresql":
        key = insert_rows(session, parent, [row], returning=returning)
        for table, foreign_key, rows in children:
            insert_rows(session, table, [{foreign_key: key, **child} for child in rows])
        return key
    stmt = _family_statement(session, parent, tuple(row), returning, children)
    values = dict(row)
    for index, (_, _, rows) in enumerate(children):
        for number, child in enumerate(rows):
            values.update({f"c{index}_{number}_{name}": value for name, value in child.items()})
    cursor = _cursor(session)
    try:
        cursor.execute(stmt.sql, stmt.params(values))
        return cursor.fetchone()[0]
    finally:
        cursor.close()


def _family_statement(session: Session, parent: Table, names: tuple[str, ...], returning: str,
                      children: Sequence[tuple[Table, str, Sequence[dict]]]) -> _Compiled:
    """``WITH p AS (INSERT … RETURNING key), c0 AS (INSERT … SELECT p.key, v.* FROM p, (VALUES …) v) … SELECT key
    FROM p``, built once per shape (columns and row counts); identifiers come from table metadata, quoted."""
    shape = tuple((table.name, key, tuple(rows[0]) if rows else (), len(rows)) for table, key, rows in children)
    cache_key = (("family", parent.name, names, returning, shape), "postgresql")
    found = _CACHE.get(cache_key)
    if found is not None:
        return found
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    processors = {}

    def cell(table: Table, name: str, param: str) -> str:
        proc = table.c[name].type.bind_processor(dialect)
        if proc is not None:
            processors[param] = proc
        return f"%({param})s::{_sql_type(table.c[name], dialect)}"

    ret = quote(returning)
    parts = [f"p AS (INSERT INTO {quote(parent.name)} ({', '.join(map(quote, names))}) "  # noqa: S608
             f"VALUES ({', '.join(cell(parent, n, n) for n in names)}) RETURNING {ret})"]
    for index, ((table, _, _), (_, foreign_key, columns, count)) in enumerate(zip(children, shape, strict=True)):
        if count:
            tuples = ", ".join("(" + ", ".join(cell(table, n, f"c{index}_{number}_{n}") for n in columns) + ")"
                               for number in range(count))
            parts.append(f"c{index} AS (INSERT INTO {quote(table.name)} "  # noqa: S608 - quoted metadata
                         f"({', '.join(map(quote, (foreign_key, *columns)))}) "
                         f"SELECT p.{ret}, v.* FROM p, (VALUES {tuples}) AS v)")
    sql = f"WITH {', '.join(parts)} SELECT {ret} FROM p"  # noqa: S608 - identifiers from metadata, values bound
    found = _CACHE[cache_key] = _Compiled(sql, None, processors)
    return found


def _sql_type(column: Column, dialect: Any) -> str:
    """The column's SQL type; a foreign key declared without one takes its target's."""
    column_type = column.type
    if column_type._isnull and column.foreign_keys:
        column_type = next(iter(column.foreign_keys)).column.type
    return column_type.compile(dialect)


def _insert_statement(session: Session, table: Table, names: tuple[str, ...], returning: str | None) -> _Compiled:
    def build() -> ClauseElement:
        stmt = insert(table).values({name: bindparam(name) for name in names})
        return stmt.returning(table.c[returning]) if returning else stmt

    return _compiled(session, ("insert", table.name, names, returning), build, lambda: {n: table.c[n] for n in names})


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
    """``UPDATE table SET … WHERE key = …`` for each row (dicts with the same keys, ``key`` among them): one
    statement over ``unnest`` of one array per column on PostgreSQL, an ``executemany`` elsewhere. Values must need
    no bind processing (integers, bytes)."""
    if not rows:
        return
    names = tuple(rows[0])
    if session.get_bind().dialect.name == "postgresql":
        _update_from_arrays(session, table, key, names, rows)
        return

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


def _update_from_arrays(session: Session, table: Table, key: str, names: tuple[str, ...], rows: Sequence[dict]) -> None:
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    arrays = ", ".join(f"%({n})s::{_sql_type(table.c[n], dialect)}[]" for n in names)
    assignments = ", ".join(f"{quote(n)} = v.{quote(n)}" for n in names if n != key)
    target = quote(table.name)
    sql = (f"UPDATE {target} SET {assignments} FROM unnest({arrays}) "  # noqa: S608 - identifiers from metadata
           f"AS v({', '.join(map(quote, names))}) WHERE {target}.{quote(key)} = v.{quote(key)}")
    cursor = _cursor(session)
    try:
        cursor.execute(sql, {name: [row[name] for row in rows] for name in names})
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
