"""Facts about the database itself (is it a demo database?), kept in the ``portal_meta`` table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core.models import PortalMeta


def get_meta(session: Session, key: str) -> str | None:
    """The value stored under ``key``, if any."""
    return session.scalar(select(PortalMeta.value).where(PortalMeta.key == key))


def set_meta(session: Session, key: str, value: str) -> None:
    """Store ``value`` under ``key`` (insert or replace)."""
    row = session.get(PortalMeta, key)
    if row is None:
        session.add(PortalMeta(key=key, value=value))
    else:
        row.value = value


def demo_database(session: Session) -> bool:
    """Whether this database was created by `portal demo` (demo users may sign in only then)."""
    return get_meta(session, "demo_seed") is not None
