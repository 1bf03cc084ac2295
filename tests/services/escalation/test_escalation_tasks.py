"""The sweep as Celery tasks on a real in-process worker: one task per bank fans out its chunks; the daily beat entry
runs at 06:00 Asia/Shanghai; the tasks take ids (and an ISO date), never rows."""

from __future__ import annotations

import inspect
import time

from celery.contrib.testing.worker import start_worker
from celery.schedules import crontab
from escalation_world import AS_OF
from sqlalchemy import func, select

from portal.services.escalation.models import DebtStage, EscalationSweep
from portal.services.escalation.operations import sweep as sweep_module


def _wait_for(app, predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.extensions["db"].unit_of_work() as s:
            if predicate(s):
                return True
        time.sleep(0.2)
    return False


def test_sweep_bank_fans_out_chunks_on_a_real_worker(app, book, monkeypatch):
    monkeypatch.setattr(sweep_module, "CHUNK", 3)
    bank = book.p("bank-a").institution_id
    celery = app.extensions["celery"]
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        chunks = celery.send_task("escalation.sweep_bank", args=[bank, AS_OF.isoformat()]).get(timeout=20)
        assert chunks == 3  # 9 debts of bank-a in chunks of 3

        def finished(s):
            row = s.scalar(select(EscalationSweep).where(EscalationSweep.creditor_id == bank))
            return row is not None and row.finished_at is not None

        assert _wait_for(app, finished)
    with app.extensions["db"].unit_of_work() as s:
        row = s.scalar(select(EscalationSweep).where(EscalationSweep.creditor_id == bank))
        assert (row.chunks_done, row.transitions, row.letters, row.referrals) == (3, 7, 2, 1)
        assert s.scalar(select(func.count()).select_from(DebtStage)) == 7


def test_daily_beat_entry_and_id_only_signatures(app):
    entry = app.extensions["celery"].conf.beat_schedule["escalation-daily-sweep"]
    assert entry["task"] == "escalation.sweep_all"
    assert entry["schedule"] == crontab(hour=6, minute=0)
    assert app.extensions["celery"].conf.timezone == "Asia/Shanghai"
    names = sorted(n for n in app.extensions["celery"].tasks if n.startswith("escalation."))
    assert names == ["escalation.sweep_all", "escalation.sweep_bank", "escalation.sweep_chunk"]
    for name in names:
        params = inspect.signature(app.extensions["celery"].tasks[name].run).parameters.values()
        assert all(p.annotation in ("int", "int | None", "str | None") for p in params), name
