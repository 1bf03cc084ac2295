"""Imports every feature's ``policy.py`` so the registry is complete before the start-up check."""

from __future__ import annotations

import importlib

POLICY_MODULES: tuple[str, ...] = (
    "portal.tenancy.policy",
    "portal.services.monitoring.policy",
    "portal.services.audit.policy",
    "portal.services.scoring.policy",
    "portal.services.evidence.policy",
    "portal.registry.policy",
    "portal.services.compliance.policy",
    "portal.services.escalation.policy",
    "portal.services.tracing.policy",
    "portal.services.mediation.policy",
)


def import_policies() -> None:
    """Import each feature's policy module (and its operations, which declare the guarded actions)."""
    for name in POLICY_MODULES:
        importlib.import_module(name)
        importlib.import_module(name.rsplit(".", 1)[0] + ".operations")
