"""Celery the Flask way: one Celery app per Flask app, every task runs inside the app context and takes ids.

The beat schedule is assembled from each feature's ``BEAT`` entries registered with :func:`beat_entry`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Celery, Task
from flask import Flask

_BEAT: dict[str, dict[str, Any]] = {}


def beat_entry(name: str, task: str, every: timedelta, **options: Any) -> None:
    """Register a periodic task for ``portal worker --beat``."""
    _BEAT[name] = {"task": task, "schedule": every, **options}


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app bound to ``app`` and store it in ``app.extensions['celery']``."""
    settings = app.config["SETTINGS"]

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    transport_options: dict[str, Any] = {}
    celery.conf.update(
        broker_url=settings.broker_url,
        result_backend=settings.result_backend,
        task_ignore_result=False,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone="Asia/Shanghai",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options=transport_options,
        task_always_eager=settings.celery_eager,
        task_eager_propagates=True,
        beat_schedule=dict(_BEAT),
        database_engine_options={"connect_args": {"timeout": 30}} if "sqlite" in settings.result_backend else {},
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
