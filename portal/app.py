"""The application factory's steps: settings → logging → database and keys → sign-in and CSRF → blueprints →
GraphQL → Celery → start-up checks. Mounted extensions (the Dash dashboards) come from the ``portal.mounts`` entry
points, so this package never imports them.
"""

from __future__ import annotations

import logging
import os
import secrets
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, jsonify, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from portal.access import require_policies
from portal.config import Settings, load_settings
from portal.core.celery import celery_init_app
from portal.core.crypto import Keyring
from portal.core.db import Database
from portal.core.errors import PortalError
from portal.core.logs import configure_logging, new_request_id
from portal.core.runtime import close_request_session
from portal.policies import import_policies
from portal.tasks import import_tasks

csrf = CSRFProtect()
log = logging.getLogger("portal.app")


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.var_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def make_keyring(settings: Settings) -> Keyring:
    """The master keys from settings, or the embedded key file under var/ for the pilot set-up."""
    if settings.master_keys:
        return Keyring.from_setting(settings.master_keys, settings.lookup_secret)
    return Keyring.from_file(Path(settings.var_dir) / "keys" / "master.json")


def build_app(config: dict[str, Any] | None = None, *, mount_extensions: bool = True) -> Flask:
    """Assemble the Flask app (see the module docstring for the order)."""
    settings = load_settings(config)
    configure_logging()
    Path(settings.var_dir).mkdir(parents=True, exist_ok=True)

    app = Flask("portal", template_folder="web/templates")
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=_secret_key(settings),
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure or settings.production,
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure or settings.production,
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_HEADERS=["X-CSRFToken", "X-CSRF-Token"],
        TESTING=settings.mode == "testing",
    )
    app.extensions["db"] = Database(
        settings.database_url, statement_timeout_ms=settings.statement_timeout_ms, role=settings.db_role
    )
    app.extensions["keyring"] = make_keyring(settings)

    _init_web(app)
    import_tasks()  # registers shared tasks and their beat entries before Celery reads the schedule
    celery_init_app(app)
    import_policies()
    require_policies()
    if mount_extensions:
        for ep in entry_points(group="portal.mounts"):
            ep.load()(app)
    return app


def _init_web(app: Flask) -> None:
    from portal.api.view import bp as api_bp
    from portal.services.audit.views import bp as audit_bp
    from portal.services.compliance.views import bp as compliance_bp
    from portal.services.evidence.views import bp as evidence_bp
    from portal.web import health
    from portal.web.auth import current_principal, init_auth
    from portal.web.i18n import current_language, translate
    from portal.web.ratelimit import init_ratelimit
    from portal.web.views import bp as web_bp

    csrf.init_app(app)
    init_ratelimit(app)
    csrf.exempt(api_bp)  # /graphql checks the CSRF header itself for browser sessions only
    init_auth(app)
    app.register_blueprint(web_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(evidence_bp)
    app.register_blueprint(compliance_bp)
    app.teardown_appcontext(close_request_session)

    @app.before_request
    def _start() -> None:
        g.request_id = new_request_id(request.headers.get("X-Request-ID"))
        health.start_timer()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith(("/login", "/graphql")) or request.path == "/":
            response.headers.setdefault("X-Frame-Options", "DENY")
        return health.observe(response)

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        try:
            principal = current_principal()
        except PortalError:
            principal = None
        return {"t": translate, "lang": current_language(), "principal": principal}

    @app.errorhandler(PortalError)
    def _portal_error(exc: PortalError):
        return jsonify({"error": exc.message, "code": exc.code}), exc.http_status

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return jsonify({"error": f"CSRF check failed: {exc.description}", "code": "FORBIDDEN"}), 400

    @app.errorhandler(413)
    def _too_large(_exc: Exception):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return jsonify({"error": f"request body larger than {limit} MB", "code": "BAD_USER_INPUT"}), 413
