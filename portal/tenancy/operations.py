"""What tenancy does: institutions, users, API tokens, password sign-in with lockout, TOTP.

Operations take the principal first, ask the policy first, receive a session and never commit.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.access import Kind, Principal, Role, allowed_roles, check_access, guarded
from portal.core.errors import BadInput, Conflict, NotFound, RateLimited, Unauthenticated
from portal.core.identifiers import normalize_uscc
from portal.core.timeutil import as_utc, utcnow
from portal.tenancy import passwords
from portal.tenancy import policy as _policy  # noqa: F401 - registers this package's policies
from portal.tenancy.models import ApiToken, Institution, User, UserRole

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "ptk_"  # noqa: S105 - a public marker, not a secret
# A token's last use is recorded to the minute: a write per API request would serialise every request on SQLite
# ("database is locked" beside a worker) and cost a commit each, for a figure people read as "used today".
TOKEN_LAST_USED_GRANULARITY = timedelta(minutes=1)


# -- institutions --
@guarded("tenancy.institution.create")
def create_institution(
    principal: Principal,
    *,
    kind: str,
    name: str,
    code: str,
    uscc: str | None = None,
    district: str | None = None,
    name_en: str | None = None,
    session: Session,
) -> Institution:
    """Add a tenant. Codes are lower-case slugs; the USCC, when given, must carry a valid check character."""
    check_access("tenancy.institution.create", principal)
    try:
        kind_value = Kind(kind).value
    except ValueError as exc:
        raise BadInput(f"institution kind {kind!r} is not one of {', '.join(k.value for k in Kind)}") from exc
    if not CODE_RE.match(code or ""):
        raise BadInput(f"institution code {code!r} must be 3-40 lower-case letters, digits or '-'")
    if not (name or "").strip():
        raise BadInput("institution name must not be empty")
    uscc_value = normalize_uscc(uscc) if uscc else None
    if session.scalar(select(Institution.id).where(Institution.code == code)):
        raise Conflict(f"institution code {code!r} is already taken")
    if uscc_value and session.scalar(select(Institution.id).where(Institution.uscc == uscc_value)):
        raise Conflict(f"unified social credit code {uscc_value!r} already belongs to an institution")
    inst = Institution(
        kind=kind_value, name=name.strip(), code=code, uscc=uscc_value, district=district, name_en=name_en
    )
    session.add(inst)
    session.flush()
    return inst


def institution_by_code(session: Session, code: str) -> Institution:
    """The institution with ``code``; NotFound naming it otherwise."""
    inst = session.scalar(select(Institution).where(Institution.code == code))
    if inst is None:
        raise NotFound(f"no institution with code {code!r}")
    return inst


# -- users --
@guarded("tenancy.user.create")
def create_user(
    principal: Principal,
    *,
    institution_code: str,
    email: str,
    roles: list[str],
    password: str | None,
    display_name: str | None = None,
    locale: str = "zh",
    is_demo: bool = False,
    session: Session,
) -> User:
    """Add a user to an institution with roles allowed for its kind; the password is hashed with argon2id."""
    inst = institution_by_code(session, institution_code)
    check_access("tenancy.user.create", principal, inst)
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email):
        raise BadInput(f"e-mail address {email!r} is not valid")
    if not roles:
        raise BadInput("a user needs at least one role")
    allowed = allowed_roles(inst.kind)
    chosen: set[Role] = set()
    for role in roles:
        try:
            value = Role(role)
        except ValueError as exc:
            raise BadInput(f"role {role!r} is not one of {', '.join(r.value for r in Role)}") from exc
        if value not in allowed:
            raise BadInput(f"role {role!r} is not available to a {inst.kind} institution")
        chosen.add(value)
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(f"a user with e-mail {email!r} already exists")
    if password is not None:
        passwords.check_password_rules(password)
    user = User(
        institution_id=inst.id,
        email=email,
        display_name=display_name,
        password_hash=passwords.hash_password(password) if password is not None else None,
        locale=locale if locale in {"zh", "en"} else "zh",
        is_demo=is_demo,
        roles=[UserRole(role=r.value) for r in sorted(chosen)],
    )
    session.add(user)
    session.flush()
    return user


def user_by_email(session: Session, email: str) -> User:
    """The user with ``email``; NotFound naming it otherwise."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise NotFound(f"no user with e-mail {email!r}")
    return user


# -- password sign-in --
@dataclass(frozen=True)
class SignInResult:
    """A successful first factor: the user, and whether a TOTP code is still needed."""

    user: User
    needs_totp: bool
    must_enrol_totp: bool


def authenticate(
    session: Session, email: str, password: str, *, max_failures: int, lockout: timedelta, demo_allowed: bool
) -> SignInResult:
    """Check e-mail and password with lockout after ``max_failures`` failures; the caller commits either way."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    now = utcnow()
    if user is not None and user.locked_until is not None and as_utc(user.locked_until) > now:
        minutes = max(1, int((as_utc(user.locked_until) - now).total_seconds() // 60) + 1)
        raise RateLimited(f"too many failed sign-ins: this account is locked for {minutes} more minute(s)")
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= max_failures:
                user.locked_until = now + lockout
                user.failed_logins = 0
        raise Unauthenticated("wrong e-mail address or password")
    if user.is_demo and not demo_allowed:
        raise Unauthenticated("demo accounts work only on a database created by 'portal demo'")
    user.failed_logins = 0
    user.locked_until = None
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    is_regulator = user.institution.kind == Kind.REGULATOR.value
    needs_totp = user.totp_enabled and not user.is_demo
    must_enrol = is_regulator and not user.totp_enabled and not user.is_demo
    return SignInResult(user, needs_totp, must_enrol)


# -- TOTP --
def totp_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Regional Debt Portal")


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret."""
    return pyotp.random_base32()


@guarded("tenancy.totp.enrol")
def enrol_totp(principal: Principal, user: User, secret: str, code: str) -> None:
    """Turn on TOTP for ``user`` once they prove the secret with a valid code."""
    check_access("tenancy.totp.enrol", principal, user)
    if not pyotp.TOTP(secret).verify((code or "").strip(), valid_window=1):
        raise BadInput(f"TOTP code {code!r} is not valid for this secret")
    user.totp_secret = secret
    user.totp_enabled = True


def verify_totp(user: User, code: str) -> bool:
    """Whether ``code`` is the user's current TOTP code (one step of clock drift allowed)."""
    return bool(user.totp_secret) and pyotp.TOTP(user.totp_secret).verify((code or "").strip(), valid_window=1)


# -- API tokens --
def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@guarded("tenancy.token.issue")
def issue_token(
    principal: Principal, user: User, *, ttl_days: int, label: str | None = None, session: Session
) -> tuple[ApiToken, str]:
    """A new random token for ``user``; returns the row and the secret, which is never stored or shown again."""
    check_access("tenancy.token.issue", principal, user)
    if not 1 <= ttl_days <= 366:
        raise BadInput(f"token lifetime {ttl_days} days must be between 1 and 366")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=_token_hash(secret),
        label=label,
        expires_at=utcnow() + timedelta(days=ttl_days),
    )
    session.add(token)
    session.flush()
    return token, secret


@guarded("tenancy.token.revoke")
def revoke_token(principal: Principal, token_id: int, *, session: Session) -> ApiToken:
    """Revoke a token at once; later use answers 401."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no API token with id {token_id}")
    check_access("tenancy.token.revoke", principal, token)
    token.revoked_at = token.revoked_at or utcnow()
    return token


def principal_for_token(session: Session, secret: str, now: datetime | None = None) -> Principal:
    """The principal of a presented bearer token; Unauthenticated when unknown, expired or revoked."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise Unauthenticated("the API token is malformed")
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(secret)))
    now = now or utcnow()
    if token is None:
        raise Unauthenticated("the API token is not valid")
    if token.revoked_at is not None:
        raise Unauthenticated("the API token was revoked")
    if as_utc(token.expires_at) <= now:
        raise Unauthenticated("the API token has expired")
    if not token.user.active:
        raise Unauthenticated("the token's user is deactivated")
    last = as_utc(token.last_used_at) if token.last_used_at is not None else None
    if last is None or now - last >= TOKEN_LAST_USED_GRANULARITY:
        token.last_used_at = now
    return token.user.principal(via_token=True)


# -- the viewer --
@dataclass(frozen=True)
class ViewerInfo:
    """What ``me`` answers: the user, the institution and the roles."""

    user: User
    institution: Institution
    roles: frozenset[Role]


@guarded("tenancy.viewer.read")
def viewer(principal: Principal, *, session: Session) -> ViewerInfo:
    """The acting user, their institution and roles."""
    check_access("tenancy.viewer.read", principal)
    user = session.get(User, principal.user_id) if principal.user_id else None
    if user is None:
        raise NotFound("the acting user no longer exists")
    return ViewerInfo(user, user.institution, principal.roles)


@guarded("tenancy.token.purge")
def purge_expired_tokens(principal: Principal, *, older_than_days: int = 30, session: Session) -> int:
    """Delete tokens that expired or were revoked more than ``older_than_days`` ago; returns how many."""
    check_access("tenancy.token.purge", principal)
    cutoff = utcnow() - timedelta(days=older_than_days)
    stale = select(ApiToken.id).where((ApiToken.expires_at < cutoff) | (ApiToken.revoked_at < cutoff))
    ids = list(session.scalars(stale))
    if ids:
        session.execute(delete(ApiToken).where(ApiToken.id.in_(ids)))
    return len(ids)
