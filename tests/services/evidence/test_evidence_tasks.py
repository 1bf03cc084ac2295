"""The scheduled jobs as Celery tasks in the app context: publish a checkpoint when the tree grew, then monitor it."""

from __future__ import annotations

from portal.services.evidence import operations


def test_publish_and_monitor_jobs(app, db, region) -> None:
    from portal.services.evidence import tasks

    keyring = app.extensions["keyring"]
    assert tasks.publish_checkpoint.apply().get() == 0
    with db.unit_of_work() as session:
        for i in range(3):
            operations.store_evidence(region["bank-a"], [(f"d{i}", b"d")], "notice", [], session=session,
                                      keyring=keyring)
    assert tasks.publish_checkpoint.apply().get() == 3
    assert tasks.publish_checkpoint.apply().get() == 3
    assert tasks.monitor_checkpoints.apply().get() == 0
    with db.unit_of_work() as session:
        assert operations.latest_checkpoint_text(session).split("\n")[1] == "3"


def test_beat_schedules_the_log(app) -> None:
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["evidence-publish-checkpoint"]["task"] == "evidence.publish_checkpoint"
    assert schedule["evidence-monitor-checkpoints"]["task"] == "evidence.monitor_checkpoints"
