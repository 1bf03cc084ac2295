"""Access to the running app's database, keyring and settings from any edge (request, task, CLI)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g
from sqlalchemy.orm import Session

from portal.config import Settings
from portal.core.crypto import Keyring
from portal.core.db import Database, set_session_tenant


def database() -> Database:
    """The app's Database."""
    return current_app.extensions["db"]


def keyring() -> Keyring:
    """The app's Keyring."""
    return current_app.extensions["keyring"]


def settings() -> Settings:
    """The app's Settings."""
    return current_app.config["SETTINGS"]


def request_session(institution_id: int | None = None) -> Session:
    """The session of the current request (created on first use, closed at teardown; the view commits)."""
    session = g.get("db_session")
    if session is None:
        session = database().session(institution_id)
        g.db_session = session
    elif institution_id is not None and session.info.get("institution_id") != institution_id:
        set_session_tenant(session, institution_id)
    return session


def close_request_session(_exc: BaseException | None = None) -> None:
    """Teardown: roll back anything uncommitted and close the request's session."""
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()


@contextmanager
def unit_of_work(institution_id: int | None = None) -> Iterator[Session]:
    """One transaction for a task or command: commit on success, roll back on error."""
    with database().unit_of_work(institution_id) as session:
        yield session
