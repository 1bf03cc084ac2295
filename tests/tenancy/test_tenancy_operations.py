"""Tenancy operations: institutions, users, tokens, lockout — and bad input that writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.access import OPERATOR, Kind, Principal, Role
from portal.core.errors import BadInput, Conflict, Forbidden, RateLimited, Unauthenticated
from portal.tenancy import operations as tenancy
from portal.tenancy.models import ApiToken, Institution, User

GOOD_USCC = "91350100M000100Y43"


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_create_institution_and_user(session):
    inst = tenancy.create_institution(
        OPERATOR, kind="bank", name="某银行", code="bank-x", uscc=GOOD_USCC, session=session
    )
    user = tenancy.create_user(
        OPERATOR,
        institution_code="bank-x",
        email="A@Bank.example",
        roles=["admin", "analyst"],
        password="long-enough-password",
        session=session,
    )
    assert inst.uscc == GOOD_USCC and user.email == "a@bank.example"
    assert user.principal().roles == frozenset({Role.ADMIN, Role.ANALYST})
    assert user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    "kwargs, error, named",
    [
        ({"uscc": "91350100M000100Y44"}, BadInput, "91350100M000100Y44"),
        ({"kind": "casino"}, BadInput, "casino"),
        ({"code": "Bad Code"}, BadInput, "Bad Code"),
        ({"name": "  "}, BadInput, "name"),
    ],
)
def test_bad_institution_is_refused_and_nothing_written(session, kwargs, error, named):
    args = {"kind": "bank", "name": "n", "code": "bank-y", **kwargs}
    with pytest.raises(error) as err:
        tenancy.create_institution(OPERATOR, session=session, **args)
    assert named in str(err.value)
    assert _count(session, Institution) == 0


def test_duplicate_institution_code_conflicts(session):
    tenancy.create_institution(OPERATOR, kind="bank", name="n", code="bank-y", session=session)
    with pytest.raises(Conflict, match="bank-y"):
        tenancy.create_institution(OPERATOR, kind="agency", name="m", code="bank-y", session=session)


def test_roles_must_fit_the_kind(session):
    tenancy.create_institution(OPERATOR, kind="bank", name="n", code="bank-y", session=session)
    with pytest.raises(BadInput, match="auditor"):
        tenancy.create_user(
            OPERATOR,
            institution_code="bank-y",
            email="x@y.cn",
            roles=["auditor"],
            password="long-enough-password",
            session=session,
        )
    with pytest.raises(BadInput, match="at least 10"):
        tenancy.create_user(
            OPERATOR, institution_code="bank-y", email="x@y.cn", roles=["analyst"], password="short", session=session
        )
    assert _count(session, User) == 0


def test_only_admins_create_users(session):
    bank = tenancy.create_institution(OPERATOR, kind="bank", name="n", code="bank-y", session=session)
    other = tenancy.create_institution(OPERATOR, kind="bank", name="m", code="bank-z", session=session)
    analyst = Principal(1, bank.id, "bank-y", Kind.BANK, frozenset({Role.ANALYST}))
    admin_elsewhere = Principal(2, other.id, "bank-z", Kind.BANK, frozenset({Role.ADMIN}))
    own_admin = Principal(3, bank.id, "bank-y", Kind.BANK, frozenset({Role.ADMIN}))
    for who in (analyst, admin_elsewhere):
        with pytest.raises(Forbidden):
            tenancy.create_user(
                who,
                institution_code="bank-y",
                email="x@y.cn",
                roles=["analyst"],
                password="long-enough-password",
                session=session,
            )
    tenancy.create_user(
        own_admin,
        institution_code="bank-y",
        email="x@y.cn",
        roles=["analyst"],
        password="long-enough-password",
        session=session,
    )
    with pytest.raises(Forbidden):
        tenancy.create_institution(own_admin, kind="bank", name="q", code="bank-q", session=session)


def _user(session) -> User:
    tenancy.create_institution(OPERATOR, kind="bank", name="n", code="bank-y", session=session)
    return tenancy.create_user(
        OPERATOR,
        institution_code="bank-y",
        email="x@y.cn",
        roles=["analyst"],
        password="long-enough-password",
        session=session,
    )


def test_lockout_after_repeated_failures(session):
    _user(session)
    kwargs = {"max_failures": 3, "lockout": timedelta(minutes=15), "demo_allowed": False}
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            tenancy.authenticate(session, "x@y.cn", "wrong-password!", **kwargs)
    with pytest.raises(RateLimited, match="locked for"):
        tenancy.authenticate(session, "x@y.cn", "long-enough-password", **kwargs)


def test_token_lifecycle(session):
    user = _user(session)
    row, secret = tenancy.issue_token(OPERATOR, user, ttl_days=30, session=session)
    assert secret.startswith("ptk_") and row.token_hash != secret and secret not in row.prefix + row.token_hash
    assert tenancy.principal_for_token(session, secret).user_id == user.id
    tenancy.revoke_token(OPERATOR, row.id, session=session)
    with pytest.raises(Unauthenticated, match="revoked"):
        tenancy.principal_for_token(session, secret)


def test_token_last_use_is_recorded_to_the_minute(session):
    user = _user(session)
    row, secret = tenancy.issue_token(OPERATOR, user, ttl_days=30, session=session)
    session.commit()
    first = row.created_at + timedelta(seconds=5)
    tenancy.principal_for_token(session, secret, now=first)
    assert row.last_used_at == first and row in session.dirty
    session.commit()
    tenancy.principal_for_token(session, secret, now=first + timedelta(seconds=30))
    assert row.last_used_at == first and not session.dirty  # no write for every request
    later = first + tenancy.TOKEN_LAST_USED_GRANULARITY
    tenancy.principal_for_token(session, secret, now=later)
    assert row.last_used_at == later


def test_expired_token_refused(session):
    user = _user(session)
    row, secret = tenancy.issue_token(OPERATOR, user, ttl_days=1, session=session)
    with pytest.raises(Unauthenticated, match="expired"):
        tenancy.principal_for_token(session, secret, now=row.expires_at + timedelta(seconds=1))
    with pytest.raises(BadInput, match="400"):
        tenancy.issue_token(OPERATOR, user, ttl_days=400, session=session)
    assert _count(session, ApiToken) == 1
