"""Who calls an audit route: a bearer token, or the browser session — which must then carry the CSRF token on every
write (``X-CSRFToken`` header, or the form's ``csrf_token``). The audit blueprints are exempt from the global CSRF
check because bearer-token clients send none; this is the check for browser sessions."""

from __future__ import annotations

from flask import request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from portal.access import Principal
from portal.core.errors import Forbidden
from portal.web.auth import bearer_secret, require_principal


def request_principal(*, write: bool) -> Principal:
    """The caller (Unauthenticated when anonymous); for a write from a browser session, Forbidden without a valid
    CSRF token."""
    principal = require_principal()
    if write and bearer_secret() is None:
        token = request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token")
        if token is None and request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            token = request.form.get("csrf_token")
        try:
            validate_csrf(token or "")
        except (ValidationError, CSRFError):
            raise Forbidden("browser-session requests need a valid CSRF token") from None
    return principal
