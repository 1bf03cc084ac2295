"""The /graphql view: authentication, CSRF for browser sessions, error codes, limits, persisted operations."""

from __future__ import annotations

import hashlib

import pytest

from portal.api.persisted import OPERATIONS_DIR
from tests.conftest import sign_in

ME = "{ me { user { email } institution { code kind } roles } }"


def test_token_query(gql, api_token):
    status, body = gql(ME, token=api_token("bank-a"))
    assert status == 200
    assert body["data"]["me"]["institution"] == {"code": "bank-a", "kind": "BANK"}


def test_anonymous_gets_401_unauthenticated(gql, region):
    status, body = gql(ME)
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("bad", ["ptk_not-a-real-token", "garbage"])
def test_invalid_token_401(gql, region, bad):
    status, body = gql(ME, token=bad)
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_revoked_token_401(app, gql, api_token, region):
    from portal.access import OPERATOR
    from portal.tenancy import operations as tenancy
    from portal.tenancy.models import ApiToken

    secret = api_token("bank-a")
    with app.extensions["db"].unit_of_work() as s:
        token_id = s.query(ApiToken.id).scalar()
        tenancy.revoke_token(OPERATOR, token_id, session=s)
    status, body = gql(ME, token=secret)
    assert status == 401 and "revoked" in body["errors"][0]["message"]


def test_browser_session_needs_csrf_header(client, region):
    token = sign_in(client, region["bank-a"]["email"])
    assert client.post("/graphql", json={"query": ME}).status_code == 403
    resp = client.post("/graphql", json={"query": ME}, headers={"X-CSRFToken": token})
    assert resp.status_code == 200 and resp.get_json()["data"]["me"]["institution"]["code"] == "bank-a"


def test_bad_requests(gql, api_token, client):
    tok = api_token("bank-a")
    _s, body = gql("{ me { nope } }", token=tok)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    _s, body = gql("{ me { ", token=tok)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    resp = client.post("/graphql", data="not json", headers={"Authorization": f"Bearer {tok}"})
    assert resp.status_code == 400
    _s, body = gql(
        'query($f: Date!) { regionMetrics(from: $f, to: "2026-01-01") { ownUsers } }', {"f": "not-a-date"}, token=tok
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_operation_limits_through_the_view(gql, api_token):
    tok = api_token("bank-a")
    many = "{ " + " ".join(f"a{i}: me {{ roles }}" for i in range(16)) + " }"
    _s, body = gql(many, token=tok)
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX" and body["data"] is None
    huge = "{ me { " + " ".join(["roles"] * 2100) + " } }"
    _s, body = gql(huge, token=tok)
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


def test_domain_error_code_and_no_internals(gql, api_token):
    _s, body = gql('{ regionMetrics(from: "2026-02-01", to: "2026-01-01") { ownUsers } }', token=api_token("bank-a"))
    err = body["errors"][0]
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "2026-01-01" in err["message"]
    assert "Traceback" not in str(body) and "SELECT" not in str(body)


def test_typename_works_and_introspection_in_development(gql, api_token):
    _s, body = gql("{ me { __typename } __schema { queryType { name } } }", token=api_token("bank-a"))
    assert body["data"]["me"]["__typename"] == "Viewer" and body["data"]["__schema"]["queryType"]["name"] == "Query"


@pytest.fixture
def production_app(app_config):
    from portal import create_app
    from portal.core.db import Base

    cfg = {**app_config, "mode": "production", "master_keys": "k1:" + "A" * 43 + "=", "lookup_secret": "B" * 44}
    application = create_app(cfg, mount_extensions=False)
    Base.metadata.create_all(application.extensions["db"].engine)
    yield application
    application.extensions["db"].dispose()


def test_production_mode(production_app):
    from portal.access import OPERATOR
    from portal.tenancy import operations as tenancy
    from tests.conftest import PASSWORD

    with production_app.extensions["db"].unit_of_work() as s:
        tenancy.create_institution(OPERATOR, kind="bank", name="n", code="bank-a", session=s)
        user = tenancy.create_user(
            OPERATOR, institution_code="bank-a", email="a@bank-a.test", roles=["analyst"], password=PASSWORD, session=s
        )
        _row, secret = tenancy.issue_token(OPERATOR, user, ttl_days=5, session=s)
    client = production_app.test_client()
    auth = {"Authorization": f"Bearer {secret}"}
    body = client.post("/graphql", json={"query": "{ __schema { types { name } } }"}, headers=auth).get_json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = client.post("/graphql", json={"query": "{ me { __typename } }"}, headers=auth).get_json()
    assert body["data"]["me"]["__typename"] == "Viewer"
    # a browser session may only run persisted operations
    client.environ_base["wsgi.url_scheme"] = "https"
    token = sign_in(client, "a@bank-a.test")
    headers = {"X-CSRFToken": token}
    body = client.post("/graphql", json={"query": ME}, headers=headers).get_json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    text = (OPERATIONS_DIR / "RegionOverview.graphql").read_text()
    op_id = hashlib.sha256(text.encode()).hexdigest()
    body = client.post(
        "/graphql", json={"id": op_id, "variables": {"from": "2026-01-01", "to": "2026-02-01"}}, headers=headers
    ).get_json()
    assert "errors" not in body and body["data"]["me"]["institution"]["code"] == "bank-a"
    body = client.post("/graphql", json={"id": "0" * 64}, headers=headers).get_json()
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
