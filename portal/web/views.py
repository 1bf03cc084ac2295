"""Sign-in (password, then TOTP), sign-out, the home page per tenant kind and the language switch."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user

from portal.core.activity import record_activity
from portal.core.errors import BadInput, RateLimited, Unauthenticated
from portal.core.meta import demo_database
from portal.core.runtime import request_session, settings
from portal.tenancy import operations as tenancy
from portal.tenancy.models import User
from portal.web.auth import SessionUser, current_principal
from portal.web.i18n import LANGUAGES, translate
from portal.web.ratelimit import login_limit

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static/web")


def safe_next(target: str | None) -> str:
    """A same-origin relative path to go to after sign-in; anything else becomes the home page."""
    if not target:
        return url_for("web.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("web.home")
    return target


@bp.get("/login")
def login_form():
    """The sign-in form."""
    return render_template("login.html", error=None, next=request.args.get("next", ""))


@bp.post("/login")
@login_limit
def login_submit():
    """Check e-mail and password (lockout after repeated failures), then TOTP where enrolled."""
    cfg = settings()
    db = request_session()
    email = request.form.get("email", "")
    try:
        result = tenancy.authenticate(
            db,
            email,
            request.form.get("password", ""),
            max_failures=cfg.login_max_failures,
            lockout=timedelta(minutes=cfg.login_lockout_minutes),
            demo_allowed=demo_database(db),
        )
    except (Unauthenticated, RateLimited) as exc:
        record_activity(db, None, "sign_in.failed", detail=f"{type(exc).__name__}: {exc.message}"[:200])
        db.commit()  # the failure counter and lock must persist
        key = "login.locked" if isinstance(exc, RateLimited) else "login.failed"
        if "demo" in str(exc):
            key = "login.demo_refused"
        status = 429 if isinstance(exc, RateLimited) else 401
        return render_template("login.html", error=translate(key), next=request.form.get("next", "")), status
    record_activity(db, None, "sign_in.password_ok", user_id=result.user.id, institution_id=result.user.institution_id)
    db.commit()
    target = safe_next(request.form.get("next"))
    session.clear()
    if result.needs_totp or result.must_enrol_totp:
        session["pending_user"] = result.user.id
        session["pending_next"] = target
        if result.must_enrol_totp:
            session["pending_secret"] = tenancy.new_totp_secret()
        return redirect(url_for("web.totp_form"))
    login_user(SessionUser(result.user))
    return redirect(target)


def _pending_user() -> User:
    user_id = session.get("pending_user")
    user = request_session().get(User, user_id) if user_id else None
    if user is None:
        abort(redirect(url_for("web.login_form")))
    return user


@bp.get("/login/totp")
def totp_form():
    """Second factor: a code, or enrolment for a regulator user who has none yet."""
    user = _pending_user()
    secret = session.get("pending_secret")
    uri = tenancy.totp_uri(user, secret) if secret else None
    return render_template("totp.html", error=None, secret=secret, uri=uri)


@bp.post("/login/totp")
def totp_submit():
    """Verify (or enrol) TOTP and complete the sign-in."""
    user = _pending_user()
    code = request.form.get("code", "")
    secret = session.get("pending_secret")
    try:
        if secret:
            tenancy.enrol_totp(user.principal(), user, secret, code)
        elif not tenancy.verify_totp(user, code):
            raise BadInput("wrong code")
    except BadInput:
        uri = tenancy.totp_uri(user, secret) if secret else None
        return render_template("totp.html", error=translate("totp.failed"), secret=secret, uri=uri), 401
    request_session().commit()
    target = session.get("pending_next") or url_for("web.home")
    session.clear()
    login_user(SessionUser(user))
    return redirect(safe_next(target))


@bp.post("/logout")
@login_required
def logout():
    """Sign out this browser."""
    logout_user()
    session.clear()
    return redirect(url_for("web.login_form"))


@bp.get("/")
@login_required
def home():
    """The home page of the viewer's tenant kind."""
    principal = current_principal()
    return render_template("home.html", principal=principal, kind=principal.kind.value if principal.kind else "")


@bp.post("/lang/<lang>")
def set_language(lang: str):
    """Switch the interface language (zh or en)."""
    if lang not in LANGUAGES:
        raise BadInput(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    session["lang"] = lang
    return redirect(safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))
