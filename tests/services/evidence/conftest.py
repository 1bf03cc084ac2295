"""Fixtures of the evidence tests: a small region of institutions with one user each, and their principals."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from portal.access import Kind, Principal, allowed_roles
from portal.services.evidence import (
    models,  # noqa: F401  (registers the evidence tables before `db` creates them)
    store,
)
from portal.tenancy.models import Institution, User

CODES = {"regulator": Kind.REGULATOR, "bank-a": Kind.BANK, "bank-b": Kind.BANK, "agency-a": Kind.AGENCY}


@dataclass
class Region:
    """The principals of the test region by institution code."""

    principals: dict[str, Principal]

    def __getitem__(self, code: str) -> Principal:
        return self.principals[code]


@pytest.fixture(autouse=True)
def _fresh_node_cache():
    """Each test's database is new; forget cached nodes of earlier ones (tests also rewrite nodes on purpose)."""
    store.CACHE.clear()
    yield
    store.CACHE.clear()


@pytest.fixture
def region(session: Session) -> Region:
    principals = {}
    for code, kind in CODES.items():
        inst = Institution(code=code, kind=kind.value, name=code.title())
        session.add(inst)
        session.flush()
        user = User(institution_id=inst.id, email=f"admin@{code}.test")
        session.add(user)
        session.flush()
        principals[code] = Principal(user.id, inst.id, code, kind, allowed_roles(kind), user.email)
    session.commit()
    return Region(principals)
