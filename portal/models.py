"""Imports every table module so metadata is complete (Alembic, create_all, start-up checks)."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "portal.tenancy.models",
    "portal.core.models",
    "portal.registry.models",
    "portal.services.compliance.models",
    "portal.services.escalation.models",
    "portal.services.tracing.models",
    "portal.services.mediation.models",
    "portal.services.evidence.models",
    "portal.services.audit.models",
    "portal.services.scoring.models",
    "portal.registry.anchoring",
)


def import_all() -> None:
    """Import each feature's models module; new features add their module to MODEL_MODULES."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
