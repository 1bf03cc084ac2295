"""Browser sign-in: CSRF, lockout with a clear message, validated `next`, TOTP for regulator users, forged cookies."""

from __future__ import annotations

import pyotp
import pytest

from tests.conftest import PASSWORD, csrf_from, sign_in


def test_sign_in_and_home_page(client, region):
    sign_in(client, region["bank-a"]["email"])
    page = client.get("/").get_data(as_text=True)
    assert "bank-a" in page and "成员银行" in page


def test_anonymous_home_redirects_to_login(client, region):
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_form_without_csrf_is_refused(client, region):
    resp = client.post("/login", data={"email": region["bank-a"]["email"], "password": PASSWORD})
    assert resp.status_code == 400


def test_wrong_password_then_lockout(client, region, app):
    email = region["bank-a"]["email"]
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for _ in range(app.config["SETTINGS"].login_max_failures):
        resp = client.post("/login", data={"email": email, "password": "nope-nope-nope", "csrf_token": token})
        assert resp.status_code == 401
        assert "密码错误" in resp.get_data(as_text=True)
    resp = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 429
    assert "锁定" in resp.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil", "javascript:alert(1)"])
def test_next_must_be_same_origin(client, region, target):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    resp = client.post(
        "/login", data={"email": region["bank-a"]["email"], "password": PASSWORD, "csrf_token": token, "next": target}
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_relative_next_is_kept(client, region):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    resp = client.post(
        "/login", data={"email": region["bank-a"]["email"], "password": PASSWORD, "csrf_token": token, "next": "/dash/"}
    )
    assert resp.headers["Location"] == "/dash/"


def test_regulator_must_enrol_totp_then_use_it(client, region):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    resp = client.post(
        "/login", data={"email": region["regulator"]["email"], "password": PASSWORD, "csrf_token": token}
    )
    assert resp.headers["Location"].endswith("/login/totp")
    page = client.get("/login/totp").get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in yet
    secret = page.split('id="totp-secret">')[1].split("<")[0]
    token = csrf_from(page)
    assert client.post("/login/totp", data={"code": "000000", "csrf_token": token}).status_code == 401
    resp = client.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert resp.status_code == 302
    assert client.get("/").status_code == 200
    # next time: a code is asked, not enrolment
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": region["regulator"]["email"], "password": PASSWORD, "csrf_token": token})
    page = client.get("/login/totp").get_data(as_text=True)
    assert "totp-secret" not in page
    resp = client.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page)})
    assert resp.status_code == 302 and client.get("/").status_code == 200


def test_forged_session_cookie_is_ignored(client, region, app):
    client.set_cookie("session", "eyJfdXNlcl9pZCI6IjE6MSJ9.forged.signature")
    assert client.get("/").status_code == 302


def test_session_cookie_flags(client, region):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"email": region["bank-a"]["email"], "password": PASSWORD, "csrf_token": token})
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_language_switch(client, region):
    token = sign_in(client, region["bank-a"]["email"])
    client.post("/lang/en", data={"csrf_token": token, "next": "/"})
    assert "Member bank" in client.get("/").get_data(as_text=True)


def test_demo_users_refused_outside_demo_database(client, app):
    from portal.access import OPERATOR
    from portal.tenancy import operations as tenancy

    with app.extensions["db"].unit_of_work() as s:
        tenancy.create_institution(OPERATOR, kind="bank", name="n", code="bank-a", session=s)
        tenancy.create_user(
            OPERATOR,
            institution_code="bank-a",
            email="admin@bank-a.demo",
            roles=["admin"],
            password="demo-bank-a",
            is_demo=True,
            session=s,
        )
    token = csrf_from(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"email": "admin@bank-a.demo", "password": "demo-bank-a", "csrf_token": token})
    assert resp.status_code == 401 and "演示" in resp.get_data(as_text=True)


def test_sign_in_attempts_are_rate_limited(app_config, region):
    from portal import create_app

    limited = create_app({**app_config, "ratelimit_login": "3 per minute"}, mount_extensions=False)
    client = limited.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    codes = [
        client.post("/login", data={"email": "x@y.cn", "password": "p" * 12, "csrf_token": token}).status_code
        for _ in range(4)
    ]
    assert codes[:3] == [401, 401, 401] and codes[3] == 429
    limited.extensions["db"].dispose()


def test_graphql_rate_limited_per_token(app_config, region, api_token):
    from portal import create_app

    limited = create_app({**app_config, "ratelimit_graphql": "2 per minute"}, mount_extensions=False)
    client = limited.test_client()
    headers = {"Authorization": f"Bearer {api_token('bank-a')}"}
    codes = [client.post("/graphql", json={"query": "{ me { roles } }"}, headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    body = client.post("/graphql", json={"query": "{ me { roles } }"}, headers=headers).get_json()
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    limited.extensions["db"].dispose()


def test_bad_rate_setting_is_named():
    from portal.config import load_settings
    from portal.core.errors import BadInput

    with pytest.raises(BadInput, match="PORTAL_RATELIMIT_LOGIN='lots'"):
        load_settings(environ={"PORTAL_RATELIMIT_LOGIN": "lots"})


def test_sign_ins_are_in_the_activity_log(client, region, app):
    from sqlalchemy import select

    from portal.core.models import ActivityLog

    sign_in(client, region["bank-a"]["email"])
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post(
        "/login", data={"email": region["bank-b"]["email"], "password": "wrong-wrong-wrong", "csrf_token": token}
    )
    with app.extensions["db"].unit_of_work() as s:
        actions = [row.action for row in s.scalars(select(ActivityLog).order_by(ActivityLog.id))]
    assert actions == ["sign_in.password_ok", "sign_in.failed"]
    assert all(PASSWORD not in (row or "") for row in actions)
