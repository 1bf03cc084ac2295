"""The mediator behind PostgreSQL row-level security: with the registry's wall and the mediator's policy installed
and the portal connected as a non-owner role, a mediation centre reads exactly the debts of its open cases —
without any WHERE clause of the application's — and nothing once the case is closed; the other centre nothing.

Runs only when DATABASE_URL points at PostgreSQL (row-level security exists only there).
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import select, text

from portal.core.db import Database
from portal.registry import rls as registry_rls
from portal.registry.models import Debt
from portal.services.mediation import operations as ops
from portal.services.mediation import rls

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                       reason="needs DATABASE_URL=postgresql+psycopg://… (row-level security exists only there)"),
]


@pytest.fixture
def walled(world):
    """Both walls installed by the owner; yields a factory of app-role sessions for an institution code."""
    db = world.app.extensions["db"]
    role = "app_" + uuid.uuid4().hex[:10]
    with db.engine.begin() as conn:
        for statement in (*registry_rls.upgrade_statements(), *rls.UPGRADE):
            conn.execute(text(statement))
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
        for statement in (*registry_rls.app_grants(role), *rls.app_grants(role)):
            conn.execute(text(statement))
        conn.execute(text(f"GRANT SELECT ON institutions, users, user_roles TO {role}"))
    app_db = Database(db.url.replace("://postgres@", f"://{role}@"))
    sessions = []

    def open_session(code: str):
        s = app_db.session(world.p(code).institution_id)
        sessions.append(s)
        return s

    yield open_session
    for s in sessions:
        s.close()
    app_db.dispose()
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP OWNED BY {role}"))
        conn.execute(text(f"DROP ROLE {role}"))
        for statement in (*rls.DOWNGRADE, *registry_rls.downgrade_statements()):
            conn.execute(text(statement))


def _visible_debts(walled, code: str) -> set[int]:
    with walled(code) as s:
        return set(s.scalars(select(Debt.id)))  # no filter of ours: only the wall decides


def test_the_mediator_reads_its_open_cases_debts_through_the_wall(world, uow, walled):
    with uow() as s:
        case = ops.refer_to_mediation(world.p("bank-a"), "rls-1", [world.debts["zhang-1"], world.debts["zhang-2"]],
                                      "mediator", "试调解", session=s)
        case_id = case.id
    assert _visible_debts(walled, "mediator") == {world.debts["zhang-1"], world.debts["zhang-2"]}
    assert _visible_debts(walled, "mediator-2") == set()
    assert world.debts["li"] not in _visible_debts(walled, "mediator")
    with uow() as s:
        ops.withdraw_case(world.p("bank-a"), case_id, "撤回", session=s)
    assert _visible_debts(walled, "mediator") == set()  # a closed case links nothing
