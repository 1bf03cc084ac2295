"""The mediation part of the demo: four cases of bank-a at different steps, the agreements stored as evidence."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.demo import DemoContext
from portal.registry import operations as registry
from portal.registry.inputs import DebtInput, MoneyInput, PartyInput
from portal.services.mediation import demo
from portal.services.mediation.models import MediationCase
from tests.services.compliance.conftest import person_id


class _Bar:
    def update(self, _n):
        return None


def test_demo_seed_walks_cases_to_different_steps(app, world, region, uow):
    keyring = app.extensions["keyring"]
    with uow() as s:
        for seq in ("701", "702"):
            registry.report_debt(world.p("bank-a"), DebtInput(
                client_key=f"demo-{seq}", debtor=PartyInput(kind="PERSON", name="王五", id_number=person_id(seq)),
                principal=MoneyInput("90000.00"), outstanding=MoneyInput("80000.00"), opened_on=date(2025, 1, 1),
                due_on=date(2026, 6, 1), status="OVERDUE"), session=s, keyring=keyring)
    with app.app_context(), uow() as s:
        ctx = DemoContext(s, "small", 10_000, 7, keyring, lambda _l, _n: _Bar(),
                          {code: r["id"] for code, r in region.items()})
        demo.seed(ctx)
    with uow() as s:
        cases = list(s.scalars(select(MediationCase).order_by(MediationCase.id)))
    assert [c.status for c in cases] == ["referred", "in_mediation", "agreed", "confirmed"]
    assert all(c.agreement_entry_id for c in cases[2:]) and cases[2].confirmation_due_on > cases[3].confirmation_due_on
