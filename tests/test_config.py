"""Settings: declared, defaulted to the embedded set-up, and a malformed value named at start-up."""

from __future__ import annotations

import pytest

from portal.config import load_settings
from portal.core.errors import BadInput


def test_embedded_defaults(tmp_path):
    s = load_settings({"var_dir": str(tmp_path)}, environ={})
    assert s.database_url.startswith("sqlite:///") and str(tmp_path) in s.database_url
    assert s.broker_url.startswith("sqla+sqlite:///")


def test_environment_and_conventional_names(tmp_path):
    s = load_settings(environ={"DATABASE_URL": "postgresql+psycopg://h/db", "PORTAL_PORT": "9000"})
    assert s.database_url == "postgresql+psycopg://h/db" and s.port == 9000


@pytest.mark.parametrize(
    "env, named",
    [
        ({"PORTAL_PORT": "eighty"}, "PORTAL_PORT='eighty'"),
        ({"PORTAL_MODE": "prod"}, "PORTAL_MODE='prod'"),
        ({"PORTAL_SESSION_COOKIE_SECURE": "maybe"}, "PORTAL_SESSION_COOKIE_SECURE"),
        ({"PORTAL_LOGIN_MAX_FAILURES": "0"}, "PORTAL_LOGIN_MAX_FAILURES"),
    ],
)
def test_malformed_setting_is_named(env, named):
    with pytest.raises(BadInput) as err:
        load_settings(environ=env)
    assert named in str(err.value)


def test_secret_values_are_not_echoed():
    with pytest.raises(BadInput) as err:
        load_settings(environ={"DATABASE_URL": "not-a-url-with-password-hunter2"})
    assert "hunter2" not in str(err.value) and "DATABASE_URL" in str(err.value)


def test_production_requires_secrets():
    with pytest.raises(BadInput, match="PORTAL_SECRET_KEY"):
        load_settings(environ={"PORTAL_MODE": "production"})
