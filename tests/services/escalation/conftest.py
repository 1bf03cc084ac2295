"""Escalation fixtures: the region; bank-a's book with one debt per boundary day (0, 1, 30, 31, 90, 91 days past
due as of AS_OF), a large judicial debt, a settled and a current one; some assigned to agency-a; one debt of bank-b."""

from __future__ import annotations

from datetime import timedelta

import pytest
from escalation_world import AS_OF, BOUNDARY_DAYS, Book

from portal.registry import operations as registry


@pytest.fixture
def book(app, region) -> Book:
    from portal.tenancy.models import User

    db = app.extensions["db"]
    with db.unit_of_work() as s:
        principals = {code: s.get(User, info["user_id"]).principal() for code, info in region.items()}
    world = Book(app, principals)
    for days in BOUNDARY_DAYS:
        world.report("bank-a", f"d{days}", due_on=AS_OF - timedelta(days=days))
    world.report("bank-a", "big", due_on=AS_OF - timedelta(days=120), outstanding="5000000.00", name="大债务人")
    world.report("bank-a", "big-minus", due_on=AS_OF - timedelta(days=120), outstanding="4999999.99")
    world.report("bank-a", "current", due_on=AS_OF - timedelta(days=40), status="CURRENT")
    world.report("bank-b", "b1", due_on=AS_OF - timedelta(days=45))
    with db.unit_of_work() as s:
        for key in ("d31", "d91"):
            registry.assign_debt(world.p("bank-a"), world.debts[key], "agency-a", session=s)
    return world

