"""Who is calling: a bearer token or the flask-login browser session, resolved to a Principal once per request."""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import LoginManager, UserMixin, current_user

from portal.access import ANONYMOUS, Principal
from portal.core.errors import Unauthenticated
from portal.core.runtime import request_session
from portal.tenancy.models import User
from portal.tenancy.operations import principal_for_token

login_manager = LoginManager()
login_manager.login_view = "web.login_form"
login_manager.session_protection = "strong"


class SessionUser(UserMixin):
    """The flask-login wrapper of a signed-in user; the id embeds the session version so sign-out-everywhere works."""

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_version}"


@login_manager.user_loader
def _load_user(raw: str) -> SessionUser | None:
    user_id, _, version = raw.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = request_session().get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return SessionUser(user)


def bearer_secret() -> str | None:
    """The token in ``Authorization: Bearer …``, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def current_principal() -> Principal:
    """The request's principal (cached): token first, then the browser session, else ANONYMOUS.

    A presented but invalid token raises Unauthenticated rather than falling back to the session.
    """
    if "principal" in g:
        return g.principal
    secret = bearer_secret()
    if secret is not None:
        session = request_session()
        principal = principal_for_token(session, secret)
        if session.dirty:
            session.commit()  # keep last_used_at even when the request later fails
    elif current_user.is_authenticated:
        principal = current_user.user.principal()
    else:
        principal = ANONYMOUS
    g.principal = principal
    return principal


def require_principal() -> Principal:
    """The principal, or Unauthenticated when anonymous."""
    principal = current_principal()
    if not principal.is_authenticated:
        raise Unauthenticated("sign in or present an API token")
    return principal


def init_auth(app: Flask) -> None:
    """Attach flask-login to ``app``."""
    login_manager.init_app(app)
