"""Imports every feature's tasks module so a worker knows all tasks (and beat all schedule entries)."""

from __future__ import annotations

import importlib

TASK_MODULES: tuple[str, ...] = (
    "portal.tenancy.tasks",
    "portal.services.audit.tasks",
    "portal.services.tracing.tasks",
    "portal.services.scoring.tasks",
    "portal.services.escalation.tasks",
    "portal.services.evidence.tasks",
    "portal.services.mediation.tasks",
    "portal.registry.tasks",
)


def import_tasks() -> None:
    """Import each feature's tasks module."""
    for name in TASK_MODULES:
        importlib.import_module(name)
