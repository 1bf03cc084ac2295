"""Database plumbing: the declarative Base, the engine, and one session per unit of work.

Transactions end at the edge (request, task, CLI command): operations receive a session and never commit.
On PostgreSQL each transaction carries the acting institution in ``app.institution_id`` so that row-level security
policies (created in migrations) repeat the access rules as a second wall.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from portal.core.timeutil import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; BigInteger there must render as INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware UTC datetime (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given for a UTC column")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    """Declarative base of every table, with the constraint naming convention Alembic relies on."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), int: BigId}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, *, statement_timeout_ms: int = 5000, role: str = "", echo: bool = False) -> Engine:
    """An engine for ``url`` with the portal's connection settings (SQLite pragmas, PostgreSQL statement timeout).

    ``role`` (PostgreSQL only) is assumed on every new connection, so a superuser URL still runs the app as a role
    without BYPASSRLS and row-level security applies.
    """
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 10, "check_same_thread": False}
    elif url.startswith("postgresql"):
        kwargs["connect_args"] = {"options": f"-c statement_timeout={int(statement_timeout_ms)}"}
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling breaks SAVEPOINT: let SQLAlchemy emit BEGIN itself.
        event.listen(engine, "connect", _sqlite_autocommit_driver)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    elif role:
        event.listen(engine, "connect", lambda dbapi_conn, _rec: _set_role(dbapi_conn, role))
    return engine


def _sqlite_autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _set_role(dbapi_connection: Any, role: str) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{role}"')
    dbapi_connection.commit()


class Database:
    """An engine plus its session factory; lives in ``app.extensions['db']`` and in each worker."""

    def __init__(self, url: str, *, statement_timeout_ms: int = 5000, role: str = ""):
        self.url = url
        self.engine = make_engine(url, statement_timeout_ms=statement_timeout_ms, role=role)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False, future=True)
        if self.engine.dialect.name == "postgresql":
            event.listen(self.sessions, "after_begin", _set_tenant)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def session(self, institution_id: int | None = None) -> Session:
        """A new session; ``institution_id`` scopes PostgreSQL row-level security for its transactions."""
        session = self.sessions()
        set_session_tenant(session, institution_id)
        return session

    @contextmanager
    def unit_of_work(self, institution_id: int | None = None) -> Iterator[Session]:
        """One transaction: commit when the block ends normally, roll back when it raises."""
        session = self.session(institution_id)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def set_session_tenant(session: Session, institution_id: int | None) -> None:
    """Record the acting institution on the session; applied at the start of each of its transactions."""
    session.info["institution_id"] = institution_id
    if session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        _apply_tenant(session, session.connection())


def _apply_tenant(session: Session, connection: Any) -> None:
    value = session.info.get("institution_id")
    # The transaction-local form (third argument true): a session-level setting would leak to the next pooled user.
    connection.execute(
        text("SELECT set_config('app.institution_id', :i, true)"), {"i": "" if value is None else str(value)}
    )


def _set_tenant(session: Session, _transaction: Any, connection: Any) -> None:
    _apply_tenant(session, connection)
