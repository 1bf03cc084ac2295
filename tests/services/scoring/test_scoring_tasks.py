"""The Celery convention of scoring's tasks: ids in (never rows), and a batch is dispatched only after its commit."""

from __future__ import annotations

import inspect
from unittest import mock

from celery import current_app

from portal.services.scoring import tasks


def test_tasks_take_ids_only(app):
    names = sorted(n for n in app.extensions["celery"].tasks if n.startswith("scoring."))
    assert names == ["scoring.finish_batch", "scoring.monitor_champions", "scoring.monitor_model_scores",
                     "scoring.score_batch_chunk"]
    for name in names:
        params = inspect.signature(current_app.tasks[name].run).parameters.values()
        assert all(p.annotation in ("int", "int | None") for p in params), name


def test_batch_is_dispatched_after_the_outer_commit_only(db):
    sent = []
    with mock.patch.object(tasks, "dispatch_batch", side_effect=lambda *a: sent.append(a)):
        s = db.session()
        tasks.dispatch_after_commit(s, 1, 7, (11, 12), 5)
        nested = s.begin_nested()
        nested.commit()  # a root field's savepoint released: the request has not committed yet
        assert sent == []
        s.commit()
        assert sent == [(1, 7, (11, 12), 5)]
        s.commit()
        assert len(sent) == 1  # once
        s.close()

        s = db.session()
        tasks.dispatch_after_commit(s, 1, 8, (13,), None)
        s.begin_nested().commit()
        s.rollback()
        s.commit()
        assert len(sent) == 1  # rolled back: never dispatched
        s.close()
