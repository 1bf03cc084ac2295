"""Celery the Flask way: a real in-process worker, and a real `portal worker` process on the configured broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import func, select

from portal.access import OPERATOR
from portal.core.timeutil import utcnow
from portal.tenancy import operations as tenancy
from portal.tenancy.models import ApiToken


def _stale_token(app, region) -> None:
    with app.extensions["db"].unit_of_work() as s:
        user = tenancy.user_by_email(s, region["bank-a"]["email"])
        row, _secret = tenancy.issue_token(OPERATOR, user, ttl_days=1, session=s)
        row.expires_at = utcnow() - timedelta(days=40)
        tenancy.issue_token(OPERATOR, user, ttl_days=10, session=s)


def _tokens(app) -> int:
    with app.extensions["db"].unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(ApiToken))


def test_task_runs_in_app_context_on_in_process_worker(app, region):
    celery = app.extensions["celery"]
    _stale_token(app, region)
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = celery.send_task("tenancy.purge_expired_tokens", kwargs={"older_than_days": 30})
        assert result.get(timeout=20) == 1
    assert _tokens(app) == 1


def test_beat_schedule_lists_feature_entries(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["purge-expired-tokens"]["task"] == "tenancy.purge_expired_tokens"


@pytest.mark.slow
@pytest.mark.broker
def test_real_worker_process_on_configured_broker(app, app_config, region, tmp_path):
    """`portal worker` as its own process; the broker is the embedded SQLite one, or CELERY_BROKER_URL in CI."""
    broker = os.environ.get("CELERY_BROKER_URL") or f"sqla+sqlite:///{tmp_path / 'broker.db'}"
    results = "redis://127.0.0.1:6379/14" if broker.startswith("redis") else f"db+sqlite:///{tmp_path / 'res.db'}"
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": app_config["database_url"],
        "PORTAL_VAR_DIR": app_config["var_dir"],
        "PORTAL_BROKER_URL": broker,
        "PORTAL_RESULT_BACKEND": results,
        "PORTAL_SECRET_KEY": app_config["secret_key"],
    }
    env.pop("CELERY_BROKER_URL", None)
    from portal import create_app

    producer = create_app({**app_config, "broker_url": broker, "result_backend": results}, mount_extensions=False)
    _stale_token(app, region)
    proc = subprocess.Popen(
        [sys.executable, "-m", "portal", "worker", "--pool", "solo", "--loglevel", "WARNING"],
        env=env,
        start_new_session=True,
    )
    try:
        result = producer.extensions["celery"].send_task("tenancy.purge_expired_tokens", kwargs={})
        deadline = time.monotonic() + 60
        while not result.ready() and time.monotonic() < deadline:
            time.sleep(0.3)
        assert result.get(timeout=5) == 1
        assert _tokens(app) == 1
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        producer.extensions["db"].dispose()
