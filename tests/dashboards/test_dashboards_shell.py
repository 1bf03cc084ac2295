"""The dashboards shell: only for signed-in users, CSRF-protected callbacks, each tenant kind's landing page."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, sign_in


def _update(client, csrf: str | None):
    payload = {
        "output": "..page.children...viewer.children..",
        "outputs": [{"id": "page", "property": "children"}, {"id": "viewer", "property": "children"}],
        "inputs": [{"id": "url", "property": "pathname", "value": "/dash/"}],
        "changedPropIds": ["url.pathname"],
    }
    headers = {"X-CSRFToken": csrf} if csrf else {}
    return client.post("/dash/_dash-update-component", json=payload, headers=headers)


def test_dash_requires_sign_in(full_app):
    client = full_app.test_client()
    resp = client.get("/dash/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert client.get("/dash/_dash-layout").status_code == 401
    assert _update(client, None).status_code in (400, 401)  # CSRF or sign-in: refused either way


def test_every_dash_route_refuses_the_anonymous(full_app):
    client = full_app.test_client()
    for rule in full_app.url_map.iter_rules():
        if rule.rule.startswith("/dash/") and "<" not in rule.rule:
            assert client.get(rule.rule).status_code in (302, 401, 405), rule.rule


@pytest.mark.parametrize("code, title", [("regulator", "监管机构"), ("bank-a", "成员银行"), ("agency-a", "催收机构")])
def test_landing_page_per_kind_with_live_counts(full_app, region, code, title):
    client = full_app.test_client()
    if code == "regulator":  # regulator users need TOTP
        _sign_in_regulator(full_app, client, region)
    else:
        sign_in(client, region[code]["email"])
    client.get("/dash/")
    csrf = client.get_cookie("_csrf_token").value
    assert _update(client, None).status_code == 400  # CSRF enforced on callbacks
    resp = _update(client, csrf)
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert title.encode("unicode_escape").decode() in text or title in text
    assert '"institutions-total"' in text


def _sign_in_regulator(app, client, region):
    import pyotp

    from portal.tenancy.models import User
    from tests.conftest import csrf_from

    secret = pyotp.random_base32()
    with app.extensions["db"].unit_of_work() as s:
        user = s.get(User, region["regulator"]["user_id"])
        user.totp_secret, user.totp_enabled = secret, True
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": region["regulator"]["email"], "password": PASSWORD, "csrf_token": token})
    page = client.get("/login/totp").get_data(as_text=True)
    client.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page)})
