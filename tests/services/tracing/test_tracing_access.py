"""Who sees which tracing alert and request (ACCESS.md 'tracing alerts' row): every tenant that must not see one
gets nothing; the assigned agency only alerts about debts assigned to it."""

from __future__ import annotations

import pytest

from portal.access import Principal
from portal.core.errors import Forbidden, NotFound, Unauthenticated
from portal.services.tracing import operations as tracing
from tests.services.tracing.conftest import E1, E2, P1, signal

ANON = Principal(None, None, None, None, frozenset())


@pytest.fixture
def alerted(world):
    """bank-a asked the tracer about e1; critical signals on e1 (bank-a, assigned to agency-a), p1 (bank-a, not
    assigned) and e2 (bank-b, assigned to agency-b)."""
    with world.uow() as s:
        req, _ = tracing.request_tracing(world.p("bank-a"), world.debts["e1"], "tracer", "reason", "r1", session=s)
        for key, subject in (("s-e1", {"uscc": E1[1]}), ("s-p1", {"idNumber": P1[1]}), ("s-e2", {"uscc": E2[1]})):
            tracing.post_signal(world.p("tracer"), signal(key, **subject), keyring=world.keyring, session=s)
    world.request_id = req.id
    return world


def _alerted_debtors(world, code):
    with world.uow() as s:
        rows = tracing.list_alerts(world.p(code), None, after=None, limit=100, session=s)
        return {r.debtor_id for r in rows}


def test_alert_visibility_per_tenant(alerted):
    w = alerted
    e1, p1, e2 = w.debtors["e1"], w.debtors["p1"], w.debtors["e2"]
    assert _alerted_debtors(w, "regulator") == {e1, p1, e2}
    assert _alerted_debtors(w, "bank-a") == {e1, p1}
    assert _alerted_debtors(w, "bank-b") == {e2}
    assert _alerted_debtors(w, "bank-c") == set()
    assert _alerted_debtors(w, "agency-a") == {e1}  # p1's debt is not assigned to it
    assert _alerted_debtors(w, "agency-b") == {e2}
    assert _alerted_debtors(w, "tracer") == {e1}  # its own request's debtor only, though it posted all three
    assert _alerted_debtors(w, "tracer-b") == set()
    with w.uow() as s, pytest.raises(Forbidden):
        tracing.list_alerts(w.p("mediator"), None, after=None, limit=10, session=s)
    with w.uow() as s, pytest.raises(Unauthenticated):
        tracing.list_alerts(ANON, None, after=None, limit=10, session=s)


def test_agency_loses_alerts_when_the_assignment_ends(alerted):
    from sqlalchemy import select

    from portal.registry import operations as registry
    from portal.registry.models import DebtAssignment

    w = alerted
    with w.uow() as s:
        assignment = s.scalar(select(DebtAssignment).where(DebtAssignment.debt_id == w.debts["e1"]))
        registry.end_assignment(w.p("bank-a"), assignment.id, session=s)
    assert _alerted_debtors(w, "agency-a") == set()


def test_tracer_loses_alerts_when_its_request_closes(alerted):
    w = alerted
    with w.uow() as s:
        tracing.close_request(w.p("tracer"), w.request_id, "found", session=s)
    assert _alerted_debtors(w, "tracer") == set()


def test_request_visibility_per_tenant(alerted):
    w = alerted

    def listed(code):
        with w.uow() as s:
            return [r.id for r in tracing.list_requests(w.p(code), after=None, limit=10, session=s)]

    assert listed("bank-a") == listed("tracer") == listed("regulator") == [w.request_id]
    for code in ("bank-b", "tracer-b"):
        assert listed(code) == []
        with w.uow() as s, pytest.raises(NotFound):
            tracing.get_request(w.p(code), w.request_id, session=s)
        with w.uow() as s, pytest.raises((NotFound, Forbidden)):
            tracing.close_request(w.p(code), w.request_id, None, session=s)
    for code in ("agency-a", "agency-b", "mediator"):
        with w.uow() as s, pytest.raises(Forbidden):
            tracing.list_requests(w.p(code), after=None, limit=10, session=s)


def test_only_a_creditor_bank_acknowledges(alerted):
    w = alerted
    with w.uow() as s:
        alert = next(a for a in tracing.list_alerts(w.p("bank-a"), None, after=None, limit=10, session=s)
                     if a.debtor_id == w.debtors["e1"])
        for code in ("bank-b", "agency-a", "regulator", "tracer", "mediator", "tracer-b"):
            with pytest.raises(Forbidden):
                tracing.acknowledge_alert(w.p(code), alert.id, session=s)
        _a, ack = tracing.acknowledge_alert(w.p("bank-a"), alert.id, "seen", session=s)
        _a, again = tracing.acknowledge_alert(w.p("bank-a"), alert.id, "twice", session=s)
        assert ack.id == again.id and again.note == "seen"
    with w.uow() as s:
        left = tracing.list_alerts(w.p("bank-a"), tracing.AlertFilter(unacknowledged=True), after=None, limit=10,
                                   session=s)
        assert {a.debtor_id for a in left} == {w.debtors["p1"]}
