"""Rate limits (HTTP 429): sign-in attempts per client address, GraphQL requests per principal.

Storage is in-process by default; at scale point ``PORTAL_RATELIMIT_STORAGE_URL`` at Redis so every web process
shares the counters.
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address


def _principal_key() -> str:
    from portal.web.auth import bearer_secret

    secret = bearer_secret()
    if secret:
        import hashlib

        return "token:" + hashlib.sha256(secret.encode()).hexdigest()[:16]
    return "addr:" + get_remote_address()


def _breach(limit: RequestLimit):
    body = {"errors": [{"message": f"rate limit exceeded ({limit.limit})", "extensions": {"code": "RATE_LIMITED"}}]}
    if request.path == "/graphql":
        body["data"] = None
    resp = jsonify(body)
    resp.status_code = 429
    return resp


limiter = Limiter(key_func=get_remote_address, on_breach=_breach, headers_enabled=True)
login_limit = limiter.limit(lambda: limiter_settings()["login"], methods=["POST"])
graphql_limit = limiter.limit(lambda: limiter_settings()["graphql"], key_func=_principal_key, methods=["POST"])


def limiter_settings() -> dict[str, str]:
    """The limits in force (from settings)."""
    from portal.core.runtime import settings

    cfg = settings()
    return {"login": cfg.ratelimit_login, "graphql": cfg.ratelimit_graphql}


def init_ratelimit(app: Flask) -> None:
    """Attach the limiter to ``app`` with the configured storage."""
    cfg = app.config["SETTINGS"]
    app.config["RATELIMIT_STORAGE_URI"] = cfg.ratelimit_storage_url
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
