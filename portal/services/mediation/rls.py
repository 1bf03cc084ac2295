"""PostgreSQL row-level security for the mediator's view of the registry, as data (the registry's ``rls.py`` walls
``debts``; this adds the mediator's way through the wall).

A permissive policy on ``debts`` lets a mediation centre read the debts held by its open cases — the same rule as
the ``register_debt_link`` builder in ``operations/cases.py``, so the second wall agrees with the first. Debtors,
history and guarantors follow, since their policies ask whether a linked debt is visible. The statements are frozen
into the Alembic revision that creates the mediation tables; a test fails when they drift apart.
"""

# ruff: noqa: S608 - static DDL assembled from constants; no value from outside reaches it

from __future__ import annotations

from portal.registry.rls import TENANT

TABLES = ("mediation_cases", "mediation_case_debts", "mediation_events")

UPGRADE: tuple[str, ...] = (
    "CREATE POLICY debts_select_mediator ON debts AS PERMISSIVE FOR SELECT TO PUBLIC USING ("
    "EXISTS (SELECT 1 FROM mediation_case_debts m JOIN mediation_cases c ON c.id = m.case_id "
    f"WHERE m.debt_id = debts.id AND m.active AND c.mediator_id = {TENANT}))",
)
DOWNGRADE: tuple[str, ...] = ("DROP POLICY IF EXISTS debts_select_mediator ON debts",)


def app_grants(role: str) -> list[str]:
    """What the application role needs on the mediation tables (the policy's sub-query reads them as that role)."""
    return [f"GRANT SELECT, INSERT, UPDATE ON {', '.join(TABLES)} TO {role}"]
