"""Shared fixtures: a fresh database per test (SQLite by default, PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

os.environ.setdefault("PORTAL_PASSWORD_HASH_PROFILE", "test")  # cheap argon2 parameters, before portal imports

from portal.core.crypto import Keyring
from portal.core.db import Base, Database

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PORTAL_SHARED_DIR", ROOT.parent / "shared"))


def _import_all_models() -> None:
    from portal.models import import_all

    import_all()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's shared/ folder (design, standards, datasets, vectors)."""
    assert SHARED.is_dir(), f"shared material not found at {SHARED}; set PORTAL_SHARED_DIR"
    return SHARED


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database for one test: a temporary SQLite file, or a fresh PostgreSQL database."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _shared_pg_url() -> Iterator[str | None]:
    """On PostgreSQL, one database per test session with every table created once (tests empty it in between)."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield None
        return
    _import_all_models()
    name = "t_shared_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def tables_url(_shared_pg_url: str | None, tmp_path: Path) -> str:
    """A database holding every table, all empty: a fresh SQLite file, or the session's PostgreSQL database
    truncated (far cheaper than a database per test; migrations and the CLI get fresh ones via ``database_url``)."""
    from portal.services.evidence.log import forget_process_caches

    forget_process_caches()
    _import_all_models()
    if _shared_pg_url is None:
        url = f"sqlite:///{tmp_path / 'test.db'}"
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        return url
    engine = create_engine(_shared_pg_url)
    with engine.begin() as conn:
        names = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
        if names:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))
    engine.dispose()
    return _shared_pg_url


@pytest.fixture
def db(tables_url: str) -> Iterator[Database]:
    """A Database with every table created from the models and empty (migrations are tested on their own)."""
    database = Database(tables_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def session(db: Database):
    """A session on the fresh database; rolled back and closed after the test."""
    s = db.session()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    """A throw-away keyring for encryption tests."""
    return Keyring.generate()


# -- the application --
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def app_config(tables_url: str, tmp_path: Path) -> dict:
    """Settings for a test app: its own database and var dir, an in-memory broker unless a real one is given."""
    broker = os.environ.get("CELERY_BROKER_URL") or "memory://"
    return {
        "database_url": tables_url,
        "var_dir": str(tmp_path / "var"),
        "mode": "testing",
        "broker_url": broker,
        "result_backend": "cache+memory://" if broker == "memory://" else "redis://127.0.0.1:6379/14",
        "secret_key": "test-secret-key-not-for-production",
    }


@pytest.fixture
def app(app_config: dict):
    """A portal app on a fresh database with every table created (dashboards not mounted: see dashboards tests)."""
    from portal import create_app

    _import_all_models()
    application = create_app(app_config, mount_extensions=False)
    Base.metadata.create_all(application.extensions["db"].engine)
    yield application
    application.extensions["db"].dispose()


@pytest.fixture
def client(app):
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture
def region(app) -> dict:
    """The eight stable institutions with one admin user each (password PASSWORD, not demo users).

    Returns code -> {"id", "email"}; the regulator's user has TOTP enrolled with secret in "totp".
    """
    from portal.access import OPERATOR, allowed_roles
    from portal.tenancy import operations as tenancy
    from portal.tenancy.demo import DEMO_INSTITUTIONS, demo_uscc

    out: dict = {}
    with app.extensions["db"].unit_of_work() as s:
        for index, (code, kind, name, _en, district) in enumerate(DEMO_INSTITUTIONS, start=1):
            inst = tenancy.create_institution(
                OPERATOR, kind=kind, name=name, code=code, uscc=demo_uscc(index), district=district, session=s
            )
            user = tenancy.create_user(
                OPERATOR,
                institution_code=code,
                email=f"admin@{code}.test",
                roles=[r.value for r in allowed_roles(kind)],
                password=PASSWORD,
                session=s,
            )
            out[code] = {"id": inst.id, "email": user.email, "user_id": user.id}
    return out


def csrf_from(html: str) -> str:
    """The CSRF token embedded in a rendered page."""
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client, email: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in through the form; returns a CSRF token valid for the signed-in session."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return csrf_from(client.get("/").get_data(as_text=True))


@pytest.fixture
def api_token(app, region):
    """A function issuing a bearer token for the admin of institution ``code``."""
    from portal.access import OPERATOR
    from portal.tenancy import operations as tenancy

    def issue(code: str, ttl_days: int = 30) -> str:
        with app.extensions["db"].unit_of_work() as s:
            user = tenancy.user_by_email(s, region[code]["email"])
            _row, secret = tenancy.issue_token(OPERATOR, user, ttl_days=ttl_days, session=s)
        return secret

    return issue


@pytest.fixture
def gql(client):
    """POST a GraphQL operation with a bearer token; returns (status, body)."""

    def run(query: str, variables: dict | None = None, token: str | None = None, **extra):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = {"query": query, "variables": variables or {}, **extra}
        resp = client.post("/graphql", json=body, headers=headers)
        return resp.status_code, resp.get_json()

    return run
