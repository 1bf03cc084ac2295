"""Row-level security on PostgreSQL: the statements of rls.py applied to a fresh database, the portal connected as a
non-owner role without BYPASSRLS, and queries that *forgot* their tenant filter — they return no other tenant's rows.

Runs only when DATABASE_URL points at PostgreSQL (the only acceptable skip).
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from portal.core.db import Database
from portal.registry import operations as ops
from portal.registry import rls
from portal.registry.inputs import DebtorRef, PartyInput
from portal.registry.models import Debt, DebtAssignment, DebtHistory, Debtor, Dispute, Inquiry
from portal.registry.operations.report import _summary_query
from portal.registry.vocab import shanghai_today

from .conftest import debt_input, person, person_id, uscc

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                       reason="needs DATABASE_URL=postgresql+psycopg://… (row-level security exists only there)"),
]


@pytest.fixture
def walled(db, region, session):
    """The registry's RLS installed as the owner; yields a factory of app-role sessions per institution."""
    session.commit()  # the region's institutions and users, written by the owner
    role = "app_" + uuid.uuid4().hex[:10]
    with db.engine.begin() as conn:
        for statement in rls.upgrade_statements():
            conn.execute(text(statement))
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
        for statement in rls.app_grants(role):
            conn.execute(text(statement))
        conn.execute(text(f"GRANT SELECT ON institutions, users, user_roles TO {role}"))
        conn.execute(text(f"GRANT SELECT, INSERT ON data_keys TO {role}"))
    url = db.url.replace("://postgres@", f"://{role}@")
    assert url != db.url
    app = Database(url)
    sessions = []

    def open_session(label: str | None):
        s = app.session(None if label is None else region.ids[label])
        sessions.append(s)
        return s

    yield open_session
    for s in sessions:
        s.close()
    app.dispose()
    session.rollback()  # release the owner session's locks before the policies are dropped
    session.close()
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP OWNED BY {role}"))
        conn.execute(text(f"DROP ROLE {role}"))
        for statement in rls.downgrade_statements():  # the session's shared database must leave unwalled
            conn.execute(text(statement))


def _world_under_rls(walled, region, keyring):
    """Write the world through the operations *as the app role*: every write path must pass the policies."""
    p_number, e_number = person_id(), uscc(5)
    p = person(p_number)
    with walled("creditor") as s:
        d1 = ops.report_debt(region.principal("creditor"), debt_input("A-1", p, status="OVERDUE"), session=s,
                             keyring=keyring).debt.id
        ops.correct_debt(region.principal("creditor"), d1, {"outstanding": "7500.00"}, session=s, keyring=keyring)
        ops.assign_debt(region.principal("creditor"), d1, "agency-a", session=s)
        s.commit()
    with walled("creditor_b") as s:
        guarantor = PartyInput(kind="PERSON", name="李娜", id_number=person_id(seq="456"))
        d2 = ops.report_debt(region.principal("creditor_b"),
                             debt_input("B-1", p, status="IN_LITIGATION", guarantors=(guarantor,)),
                             session=s, keyring=keyring).debt.id
        s.commit()
    with walled("other_bank") as s:
        e = PartyInput(kind="ENTERPRISE", name="绍兴市好运纺织有限公司", uscc=e_number)
        d3 = ops.report_debt(region.principal("other_bank"), debt_input("C-1", e), session=s,
                             keyring=keyring).debt.id
        s.commit()
    return p_number, e_number, d1, d2, d3


def test_forgotten_filters_return_no_other_tenants_rows(walled, region, keyring, session):
    p_number, _e, d1, d2, d3 = _world_under_rls(walled, region, keyring)

    def ids(label, model):
        with walled(label) as s:
            return set(s.scalars(select(model.id)))

    assert ids("creditor", Debt) == {d1}  # no WHERE creditor_id = … anywhere: the wall did it
    assert ids("creditor_b", Debt) == {d2}
    assert ids("other_bank", Debt) == {d3}
    assert ids("assigned_agency", Debt) == {d1}
    assert ids("other_agency", Debt) == set()
    assert ids("regulator", Debt) == {d1, d2, d3}
    assert ids("mediator", Debt) == set() and ids("tracer", Debt) == set()
    with walled(None) as s:  # no tenant set at all: nothing
        assert s.scalar(select(func.count()).select_from(Debt)) == 0
        assert s.scalar(select(func.count()).select_from(Debtor)) == 0

    assert len(ids("other_bank", Debtor)) == 1  # its enterprise only, not the person of banks A and B
    assert len(ids("creditor_b", Debtor)) == 2  # its debtor and the guarantor of its debt
    assert ids("other_agency", Debtor) == set()
    assert ids("creditor", DebtHistory) and not ids("creditor_b", DebtHistory)
    assert ids("creditor", DebtAssignment) and ids("assigned_agency", DebtAssignment)
    assert not ids("creditor_b", DebtAssignment) and not ids("other_agency", DebtAssignment)
    # the owner (superuser here) sees everything: the data really is there
    assert session.scalar(select(func.count()).select_from(Debt)) == 3


def test_writes_into_another_tenant_are_refused(walled, region, keyring, session):
    _p, _e, d1, _d2, _d3 = _world_under_rls(walled, region, keyring)
    debtor_id = session.scalar(select(Debt.debtor_id).where(Debt.id == d1))
    with walled("creditor_b") as s, pytest.raises(DBAPIError, match="row-level security"):
        s.execute(insert(Debt).values(creditor_id=region.ids["creditor"], debtor_id=debtor_id, client_key="forged",
                                      principal_fen=1, outstanding_fen=1, currency="CNY", opened_on=shanghai_today(),
                                      due_on=shanghai_today(), status="current", version=1))
    with walled("creditor_b") as s:  # an UPDATE of another bank's debt touches no row
        assert s.execute(text("UPDATE debts SET outstanding_fen = 0 WHERE id = :i"), {"i": d1}).rowcount == 0
        s.commit()
    with walled("other_agency") as s, pytest.raises(DBAPIError, match="row-level security"):
        s.execute(insert(Inquiry).values(institution_id=region.ids["regulator"], debtor_id=debtor_id,
                                         purpose="collection"))
    assert session.get(Debt, d1).outstanding_fen == 750000


def test_operations_work_behind_the_wall(walled, region, keyring, session):
    p_number, _e, d1, d2, _d3 = _world_under_rls(walled, region, keyring)
    with walled("other_bank") as s:  # another bank: summary of A's and B's debts through the definer function
        report = ops.debtor_report(region.principal("other_bank"), DebtorRef(id_number=p_number), "LITIGATION",
                                   None, session=s, keyring=keyring)
        assert report.shared.debt_count == 2 and report.shared.in_litigation
        assert report.shared.total_outstanding_fen == 750000 + 800000
        assert report.debts == ()
        dispute = ops.open_dispute(region.principal("other_bank"), d2, DebtorRef(id_number=p_number), "paid",
                                   session=s, keyring=keyring)
        s.commit()
    with walled("creditor") as s:  # the creditor: own debt in full, B's debt in the summary (under objection)
        report = ops.debtor_report(region.principal("creditor"), DebtorRef(id_number=p_number), "COLLECTION", None,
                                   session=s, keyring=keyring)
        assert [d.id for d in report.debts] == [d1]
        assert report.shared.debt_count == 1 and report.shared.under_objection == 1
        assert report.debtor.id_number == p_number
        # bank A sees the inquiry bank C made about its debtor, but bank C's own world stays hidden
        assert len(ops.list_inquiries(region.principal("creditor"), session=s, keyring=keyring).items) == 2
    with walled("creditor_b") as s:
        assert ops.answer_dispute(region.principal("creditor_b"), dispute.id, "REJECTED", "not paid",
                                  session=s).outcome == "rejected"
        s.commit()
    with walled("other_agency") as s:
        assert ops.list_debts(region.principal("other_agency"), session=s, keyring=keyring).items == []
    with walled("assigned_agency") as s:
        view = ops.get_debt(region.principal("assigned_agency"), d1, session=s, keyring=keyring)
        assert view.debtor.phone == "13812345678"
    assert session.scalar(select(func.count()).select_from(Dispute)) == 1


def test_the_definer_function_agrees_with_the_portable_query(walled, region, keyring, session):
    p_number, _e, _d1, _d2, _d3 = _world_under_rls(walled, region, keyring)
    debtor_id = session.scalar(select(Debt.debtor_id).where(Debt.client_key == "A-1"))
    today = shanghai_today()
    for label in ("other_bank", "creditor", "regulator"):
        with walled(label) as s:
            via_function = sorted(tuple(r) for r in s.execute(
                text("SELECT * FROM registry_shared_summary(:d, :a)"), {"d": debtor_id, "a": today}))
        portable = sorted(tuple(r) for r in session.execute(
            _summary_query(region.principal(label), debtor_id, today)))
        assert via_function == portable, label
    with walled("assigned_agency") as s:  # an agency gets no summary even by calling the function itself
        assert s.execute(text("SELECT * FROM registry_shared_summary(:d, :a)"),
                         {"d": debtor_id, "a": today}).all() == []
