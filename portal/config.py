"""Declared settings: ``PORTAL_*`` environment variables (plus the conventional DATABASE_URL / CELERY_BROKER_URL)
with embedded defaults — SQLite under ``var/`` and a broker that needs no server.

Every setting is declared once with its type and default; a malformed value is refused at start-up with an error
naming the variable and the value (secrets are never echoed).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from portal.core.errors import BadInput

ROOT = Path(__file__).resolve().parents[1]


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true/false")


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("expected a positive whole number")
    return value


def _mode(text: str) -> str:
    if text not in {"development", "production", "testing"}:
        raise ValueError("expected development, production or testing")
    return text


def _rate(text: str) -> str:
    from limits import parse_many

    parse_many(text)  # raises ValueError naming what it could not read
    return text


def _identifier(text: str) -> str:
    if not text.replace("_", "").isalnum():
        raise ValueError("expected a plain SQL role name (letters, digits, underscore)")
    return text


def _url(text: str) -> str:
    if "://" not in text:
        raise ValueError("expected a URL such as sqlite:///var/portal.db or postgresql+psycopg://host/db")
    return text


@dataclass(frozen=True)
class Setting:
    """One declared setting: attribute name, environment variable(s), parser, whether it is secret."""

    name: str
    env: tuple[str, ...]
    parse: Callable[[str], Any]
    secret: bool = False


@dataclass(frozen=True)
class Settings:
    """The portal's configuration. Build with :func:`load_settings`; tests pass overrides as a mapping."""

    mode: str = "development"
    var_dir: Path = ROOT / "var"
    database_url: str = ""
    broker_url: str = ""
    result_backend: str = ""
    secret_key: str = ""
    master_keys: str = ""
    lookup_secret: str = ""
    session_cookie_secure: bool = False
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    token_default_ttl_days: int = 90
    max_upload_mb: int = 64
    request_timeout_s: int = 10
    statement_timeout_ms: int = 5000
    host: str = "127.0.0.1"
    port: int = 8000
    celery_eager: bool = False
    ratelimit_storage_url: str = "memory://"
    ratelimit_login: str = "30 per minute"
    ratelimit_graphql: str = "600 per minute"
    db_role: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        """True in production mode (persisted operations only for browsers, no introspection, secure cookies)."""
        return self.mode == "production"


SETTINGS: tuple[Setting, ...] = (
    Setting("mode", ("PORTAL_MODE",), _mode),
    Setting("var_dir", ("PORTAL_VAR_DIR",), Path),
    Setting("database_url", ("PORTAL_DATABASE_URL", "DATABASE_URL"), _url, secret=True),
    Setting("broker_url", ("PORTAL_BROKER_URL", "CELERY_BROKER_URL"), _url, secret=True),
    Setting("result_backend", ("PORTAL_RESULT_BACKEND", "CELERY_RESULT_BACKEND"), _url, secret=True),
    Setting("secret_key", ("PORTAL_SECRET_KEY",), str, secret=True),
    Setting("master_keys", ("PORTAL_MASTER_KEYS",), str, secret=True),
    Setting("lookup_secret", ("PORTAL_LOOKUP_SECRET",), str, secret=True),
    Setting("session_cookie_secure", ("PORTAL_SESSION_COOKIE_SECURE",), _bool),
    Setting("login_max_failures", ("PORTAL_LOGIN_MAX_FAILURES",), _positive_int),
    Setting("login_lockout_minutes", ("PORTAL_LOGIN_LOCKOUT_MINUTES",), _positive_int),
    Setting("token_default_ttl_days", ("PORTAL_TOKEN_TTL_DAYS",), _positive_int),
    Setting("max_upload_mb", ("PORTAL_MAX_UPLOAD_MB",), _positive_int),
    Setting("request_timeout_s", ("PORTAL_REQUEST_TIMEOUT_S",), _positive_int),
    Setting("statement_timeout_ms", ("PORTAL_STATEMENT_TIMEOUT_MS",), _positive_int),
    Setting("host", ("PORTAL_HOST",), str),
    Setting("port", ("PORTAL_PORT",), _positive_int),
    Setting("celery_eager", ("PORTAL_CELERY_EAGER",), _bool),
    Setting("ratelimit_storage_url", ("PORTAL_RATELIMIT_STORAGE_URL",), _url, secret=True),
    Setting("ratelimit_login", ("PORTAL_RATELIMIT_LOGIN",), _rate),
    Setting("ratelimit_graphql", ("PORTAL_RATELIMIT_GRAPHQL",), _rate),
    Setting("db_role", ("PORTAL_DB_ROLE",), _identifier),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def _parse(setting: Setting, source: str, raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return setting.parse(raw)
    except (TypeError, ValueError) as exc:
        shown = "(secret value hidden)" if setting.secret else repr(raw)
        raise BadInput(f"setting {source}={shown} is invalid: {exc}") from exc


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, then ``overrides`` (attribute names), with embedded defaults filled in."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        for var in setting.env:
            if env.get(var):
                values[setting.name] = _parse(setting, var, env[var])
                break
    extra: dict[str, Any] = {}
    for key, raw in (overrides or {}).items():
        if key in _BY_NAME:
            values[key] = _parse(_BY_NAME[key], key, raw)
        elif key in {f.name for f in fields(Settings)}:
            values[key] = raw
        else:
            extra[key] = raw
    settings = Settings(**values, extra=extra)
    return _with_defaults(settings)


def _with_defaults(s: Settings) -> Settings:
    var = Path(s.var_dir)
    changes: dict[str, Any] = {"var_dir": var}
    if not s.database_url:
        changes["database_url"] = f"sqlite:///{var / 'portal.db'}"
    if not s.broker_url:
        changes["broker_url"] = f"sqla+sqlite:///{var / 'celery-broker.db'}"
    if not s.result_backend:
        changes["result_backend"] = f"db+sqlite:///{var / 'celery-results.db'}"
    if s.production and not s.secret_key:
        raise BadInput("PORTAL_SECRET_KEY must be set in production mode")
    if s.production and not s.master_keys:
        raise BadInput("PORTAL_MASTER_KEYS must be set in production mode")
    return Settings(**{**s.__dict__, **changes})
