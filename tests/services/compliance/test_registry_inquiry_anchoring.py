"""The registry's inquiry log anchored in the evidence log: a deleted or altered inquiry is detected."""

from __future__ import annotations

from sqlalchemy import delete, update

from portal.access import Kind, Principal
from portal.registry import anchoring
from portal.registry import operations as registry
from portal.registry.models import Inquiry
from portal.registry.vocab import Purpose
from tests.services.compliance.conftest import person_id


def _look_up(world, times: int) -> None:
    with world.app.extensions["db"].unit_of_work() as s:
        for _ in range(times):
            registry.debtor_report(world.p("bank-b"), {"id_number": person_id("123")}, Purpose.COLLECTION, None,
                                   session=s, keyring=world.app.extensions["keyring"])


def _regulator(world) -> Principal:
    reg = world.p("regulator")
    return Principal.scheduled(reg.institution_id, reg.institution_code, Kind.REGULATOR)


def test_anchor_task_and_tamper_detection(world):
    from portal.registry import tasks

    _look_up(world, 3)
    assert tasks.anchor_inquiries.apply().get() == 3
    _look_up(world, 2)
    assert tasks.anchor_inquiries.apply().get() == 2
    assert tasks.anchor_inquiries.apply().get() == 0
    db = world.app.extensions["db"]
    with db.unit_of_work() as s:
        assert anchoring.verify_inquiry_anchors(_regulator(world), session=s) == []
        s.execute(update(Inquiry).where(Inquiry.id == 2).values(purpose="litigation"))
        problems = anchoring.verify_inquiry_anchors(_regulator(world), session=s)
        assert [(p.first_id, p.reason) for p in problems] == [(1, "an inquiry in this range was altered")]
        s.rollback()
    with db.unit_of_work() as s:
        s.execute(delete(Inquiry).where(Inquiry.id == 5))
        problems = anchoring.verify_inquiry_anchors(_regulator(world), session=s)
        assert [(p.first_id, p.reason) for p in problems] == [(4, "2 inquiries were anchored, 1 remain")]
        s.rollback()


def test_only_the_regulators_scheduler_anchors(world):
    import pytest

    from portal.core.errors import Forbidden

    with world.app.extensions["db"].unit_of_work() as s, pytest.raises(Forbidden):
        anchoring.anchor_inquiries(world.p("bank-a"), session=s)
