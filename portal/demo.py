"""The demo region, seeded by composable parts: each feature contributes its own ``seed`` step.

A part is ``"module:function"`` taking a :class:`DemoContext`; parts run in order in one transaction each, with a
progress bar, deterministically from the seed.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.core.crypto import Keyring
from portal.core.db import Database
from portal.core.errors import BadInput, Conflict
from portal.core.meta import set_meta
from portal.tenancy.models import Institution

SIZES = {"small": 10_000, "medium": 100_000, "large": 1_000_000}

PARTS: tuple[str, ...] = (
    "portal.tenancy.demo:seed",
    "portal.registry.demo:seed",
    "portal.services.compliance.demo:seed",
    "portal.services.audit.demo:seed",
    "portal.services.escalation.demo:seed",
    "portal.services.tracing.demo:seed",
    "portal.services.mediation.demo:seed",
)


@dataclass
class DemoContext:
    """What a part needs: the session, the size in debtors, the seed, keys, the institutions by code, a progress bar."""

    session: Session
    size: str
    debtors: int
    seed: int
    keyring: Keyring
    progress: Callable[[str, int], Any]
    institutions: dict[str, int] = field(default_factory=dict)

    def rng(self, part: str) -> random.Random:
        """A random generator of its own for ``part`` so parts stay deterministic whatever runs before them."""
        return random.Random(f"{self.seed}:{part}")


def seed_demo(db: Database, keyring: Keyring, *, size: str, seed: int, progress: Callable[[str, int], Any]) -> dict:
    """Seed the demo region into an empty database; returns the institutions by code."""
    if size not in SIZES:
        raise BadInput(f"demo size {size!r} is not one of {', '.join(SIZES)}")
    with db.unit_of_work() as session:
        if session.scalar(select(func.count()).select_from(Institution)):
            raise Conflict("the database already holds institutions; `portal demo` needs an empty database")
    ctx_institutions: dict[str, int] = {}
    for spec in PARTS:
        module, _, fn = spec.partition(":")
        part: Callable[[DemoContext], None] = getattr(importlib.import_module(module), fn)
        with db.unit_of_work() as session:
            ctx = DemoContext(session, size, SIZES[size], seed, keyring, progress, ctx_institutions)
            part(ctx)
            ctx_institutions = ctx.institutions
    with db.unit_of_work() as session:
        set_meta(session, "demo_seed", f"{size}:{seed}")
    return ctx_institutions
