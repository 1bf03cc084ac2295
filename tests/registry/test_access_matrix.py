"""ACCESS.md's registry rows walked cell by cell for every tenant kind, including the tenants that must NOT see.

Columns: creditor bank, other bank, assigned agency, other agency, regulator, mediator (its cases) and the other
mediator, tracer (its requests) and the other tracer. Each cell is asserted through the operation a client would call,
and field-level cells also through the rendered view.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.access import Role, check_access
from portal.core.errors import BadInput, Forbidden, NotFound
from portal.core.identifiers import mask_id_number
from portal.registry import operations as ops
from portal.registry import scoping
from portal.registry.inputs import DebtorRef
from portal.registry.models import Debt, Debtor
from portal.registry.vocab import IdentityView, Purpose

from .conftest import TODAY, debt_input, person

COLUMNS = ["creditor", "other_bank", "assigned_agency", "other_agency", "regulator", "mediator", "other_mediator",
           "tracer", "other_tracer"]

# --- a debt, in full: yes | no | while assigned | no | SUPERVISION | the case's debts | no ----------------------------
DEBT_IN_FULL = {
    ("creditor", None): True,
    ("other_bank", None): False,
    ("assigned_agency", None): True,
    ("other_agency", None): False,
    ("regulator", None): False,
    ("regulator", Purpose.SUPERVISION): True,
    ("mediator", None): True,
    ("other_mediator", None): False,
    ("tracer", None): False,
    ("other_tracer", None): False,
}


@pytest.mark.parametrize(("tenant", "purpose"), list(DEBT_IN_FULL), ids=lambda v: str(v))
def test_debt_in_full(world, session, keyring, tenant, purpose):
    allowed = DEBT_IN_FULL[(tenant, purpose)]
    who = world.region.principal(tenant)
    if allowed:
        view = ops.get_debt(who, world.d1, session=session, keyring=keyring, purpose=purpose)
        assert (view.outstanding_fen, view.notes, view.collateral) == (800000, "called twice", "car 浙D12345")
        assert view.days_past_due == 60 and view.status == "overdue"
    else:
        with pytest.raises(Forbidden):
            ops.get_debt(who, world.d1, session=session, keyring=keyring, purpose=purpose)
    # the same cell through the list: D1 is listed exactly when it may be read in full
    if tenant == "regulator" and purpose is None:
        with pytest.raises(Forbidden):
            ops.list_debts(who, session=session, keyring=keyring)
        return
    listed = {d.id for d in ops.list_debts(who, session=session, keyring=keyring, purpose=purpose).items}
    assert (world.d1 in listed) is allowed


def test_agency_loses_the_debt_when_the_assignment_ends(world, session, keyring):
    agency = world.region.principal("assigned_agency")
    ops.end_assignment(world.region.principal("creditor"), world.assignment, session=session)
    with pytest.raises(Forbidden):
        ops.get_debt(agency, world.d1, session=session, keyring=keyring)
    assert ops.list_debts(agency, session=session, keyring=keyring).items == []


def test_lists_hold_only_the_tenants_rows(world, session, keyring):
    r = world.region
    ids = lambda label, **kw: {d.id for d in ops.list_debts(r.principal(label), session=session,  # noqa: E731
                                                             keyring=keyring, **kw).items}
    assert ids("creditor") == {world.d1}
    assert ids("creditor_b") == {world.d2}
    assert ids("other_bank") == {world.d3}
    assert ids("assigned_agency") == {world.d1}
    assert ids("other_agency") == set()
    assert ids("regulator", purpose="SUPERVISION") == {world.d1, world.d2, world.d3}
    assert ids("mediator") == {world.d1}
    assert ids("other_mediator") == set() and ids("tracer") == set() and ids("other_tracer") == set()


# --- the shared summary of a debtor ------------------------------------------------------------------------------
# (tenant, purpose, consent) -> "summary" | "forbidden" | "bad_input"; for P: D1 at bank-a, D2 at bank-b
SUMMARY = {
    ("creditor", Purpose.POST_LOAN_MANAGEMENT, None): "summary",
    ("creditor", Purpose.COLLECTION, None): "summary",
    ("other_bank", Purpose.CREDIT_APPROVAL, "CONSENT-1"): "summary",
    ("other_bank", Purpose.CREDIT_APPROVAL, None): "bad_input",
    ("other_bank", Purpose.POST_LOAN_MANAGEMENT, None): "forbidden",
    ("other_bank", Purpose.COLLECTION, None): "summary",
    ("other_bank", Purpose.LITIGATION, None): "summary",
    ("other_bank", Purpose.SUPERVISION, None): "forbidden",
    ("other_bank", Purpose.DATA_SUBJECT_REQUEST, "REQ-1"): "forbidden",
    ("assigned_agency", Purpose.COLLECTION, None): "forbidden",
    ("other_agency", Purpose.COLLECTION, None): "forbidden",
    ("regulator", Purpose.SUPERVISION, None): "summary",
    ("regulator", Purpose.DATA_SUBJECT_REQUEST, "REQ-2"): "summary",
    ("mediator", Purpose.LITIGATION, None): "summary",
    ("other_mediator", Purpose.LITIGATION, None): "forbidden",
    ("tracer", Purpose.LITIGATION, None): "summary",
    ("other_tracer", Purpose.LITIGATION, None): "forbidden",
}


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(("tenant", "purpose", "consent"), list(SUMMARY), ids=lambda v: str(v))
def test_shared_summary(world, session, keyring, tenant, purpose, consent):
    from portal.registry.models import Inquiry

    expected = SUMMARY[(tenant, purpose, consent)]
    who = world.region.principal(tenant)
    before = _count(session, Inquiry)
    call = lambda: ops.debtor_report(who, DebtorRef(id_number=world.p_number), purpose, consent,  # noqa: E731
                                     session=session, keyring=keyring)
    if expected != "summary":
        with pytest.raises(Forbidden if expected == "forbidden" else BadInput):
            call()
        assert _count(session, Inquiry) == before  # a refused read leaves no inquiry and shows nothing
        return
    report = call()
    assert _count(session, Inquiry) == before + 1
    shared = report.shared
    own_d1 = tenant == "creditor"
    assert shared.debt_count == (1 if own_d1 else 2)
    assert shared.total_outstanding_fen == (500000 if own_d1 else 1300000)
    assert shared.worst_days_past_due == (0 if own_d1 else 60)
    assert shared.creditor_kinds == ("bank",) and shared.in_litigation is False
    assert not hasattr(shared, "creditors")  # never the creditors' names
    expected_debts = {
        "creditor": {world.d1}, "regulator": {world.d1, world.d2} if purpose is Purpose.SUPERVISION else set(),
        "mediator": {world.d1},
    }.get(tenant, set())
    assert {d.id for d in report.debts} == expected_debts


# --- identity number, whole / masked / no ------------------------------------------------------------------------
IDENTITY = {
    ("creditor", None): IdentityView.WHOLE,
    ("other_bank", None): IdentityView.MASKED,
    ("assigned_agency", None): IdentityView.MASKED,
    ("other_agency", None): IdentityView.HIDDEN,
    ("regulator", None): IdentityView.MASKED,
    ("regulator", Purpose.SUPERVISION): IdentityView.WHOLE,
    ("mediator", None): IdentityView.MASKED,
    ("other_mediator", None): IdentityView.HIDDEN,
    ("tracer", None): IdentityView.MASKED,
    ("other_tracer", None): IdentityView.HIDDEN,
}
# phone and address: yes | no | yes | no | no | yes | address only
CONTACT = {
    "creditor": (True, True), "other_bank": (False, False), "assigned_agency": (True, True),
    "other_agency": (False, False), "regulator": (False, False), "mediator": (True, True),
    "other_mediator": (False, False), "tracer": (False, True), "other_tracer": (False, False),
}


def _rendered_debtor(world, session, keyring, tenant, purpose):
    """The debtor P as the tenant's natural view renders it (report, or the debt for an agency)."""
    who = world.region.principal(tenant)
    if tenant == "assigned_agency":
        return ops.get_debt(who, world.d1, session=session, keyring=keyring).debtor
    report_purpose = purpose or (Purpose.LITIGATION if tenant != "creditor" else Purpose.COLLECTION)
    return ops.debtor_report(who, DebtorRef(id_number=world.p_number), report_purpose, None, session=session,
                             keyring=keyring).debtor


@pytest.mark.parametrize(("tenant", "purpose"), list(IDENTITY), ids=lambda v: str(v))
def test_identity_number(world, session, keyring, tenant, purpose):
    expected = IDENTITY[(tenant, purpose)]
    who = world.region.principal(tenant)
    debtor_id = session.scalar(select(Debt.debtor_id).where(Debt.id == world.d1))
    relation = scoping.relation_to_debtor(session, who, debtor_id, as_of=TODAY)
    decision = check_access("registry.debtor.identity", who, None, relation=relation, purpose=purpose)
    assert decision["view"] is expected
    if expected is IdentityView.HIDDEN:
        return  # these tenants cannot render P at all (the report and the debt are refused: see the cells above)
    shown = _rendered_debtor(world, session, keyring, tenant, purpose)
    whole = world.p_number
    assert shown.id_number == (whole if expected is IdentityView.WHOLE else mask_id_number(whole))
    assert shown.identity_view is expected


@pytest.mark.parametrize("tenant", COLUMNS)
def test_phone_and_address(world, session, keyring, tenant):
    phone_ok, address_ok = CONTACT[tenant]
    who = world.region.principal(tenant)
    debtor_id = session.scalar(select(Debt.debtor_id).where(Debt.id == world.d1))
    relation = scoping.relation_to_debtor(session, who, debtor_id, as_of=TODAY)
    decision = check_access("registry.debtor.contact", who, None, relation=relation)
    assert (decision["phone"], decision["address"]) == (phone_ok, address_ok)
    if IDENTITY.get((tenant, None)) is IdentityView.HIDDEN:
        return
    shown = _rendered_debtor(world, session, keyring, tenant, None)
    assert shown.phone == ("13812345678" if phone_ok else None)
    assert shown.address == ("浙江省绍兴市越城区解放北路1号" if address_ok else None)


# --- inquiries: made by it and about its own debtors | — | made by it | — | all | made by it | made by it ----------
INQUIRIES_SEEN = {
    "creditor": True, "other_bank": False, "assigned_agency": False, "other_agency": False, "regulator": True,
    "mediator": False, "other_mediator": False, "tracer": False, "other_tracer": False, "inquirer": True,
}


@pytest.mark.parametrize("tenant", list(INQUIRIES_SEEN))
def test_inquiry_visibility(world, session, keyring, tenant):
    inquirer = world.region.principal("inquirer")
    report = ops.debtor_report(inquirer, DebtorRef(id_number=world.p_number), "CREDIT_APPROVAL", "CONSENT-9",
                               session=session, keyring=keyring)
    page = ops.list_inquiries(world.region.principal(tenant), session=session, keyring=keyring)
    seen = {i.id: i for i in page.items}
    assert (report.inquiry_id in seen) is INQUIRIES_SEEN[tenant]
    if tenant in ("regulator", "inquirer"):
        assert seen[report.inquiry_id].institution.code == "bank-d"
        assert seen[report.inquiry_id].consent_ref == "CONSENT-9"
    elif tenant == "creditor":  # about its debtor, by a competitor: named (CONTRACT.md), consent reference not
        inquiry = seen[report.inquiry_id]
        assert inquiry.institution.code == "bank-d" and inquiry.institution_kind == "bank"
        assert seen[report.inquiry_id].consent_ref is None


@pytest.mark.parametrize("tenant", ["mediator", "tracer"])
def test_mediator_and_tracer_see_the_inquiries_they_made(world, session, keyring, tenant):
    who = world.region.principal(tenant)
    made = ops.debtor_report(who, DebtorRef(id_number=world.p_number), "LITIGATION", None, session=session,
                             keyring=keyring)
    assert [i.id for i in ops.list_inquiries(who, session=session, keyring=keyring).items] == [made.inquiry_id]
    other = "other_mediator" if tenant == "mediator" else "other_tracer"
    assert ops.list_inquiries(world.region.principal(other), session=session, keyring=keyring).items == []


# --- actions -----------------------------------------------------------------------------------------------------
DISPUTE_OPEN = {"creditor": True, "other_bank": True, "assigned_agency": False, "other_agency": False,
                "regulator": True, "mediator": False, "other_mediator": False, "tracer": False,
                "other_tracer": False}
CREDITOR_ONLY = {label: label == "creditor" for label in COLUMNS}


@pytest.mark.parametrize("tenant", COLUMNS)
def test_open_dispute(world, session, keyring, tenant):
    who = world.region.principal(tenant)
    call = lambda: ops.open_dispute(who, world.d1, DebtorRef(id_number=world.p_number), "not my loan",  # noqa: E731
                                    session=session, keyring=keyring)
    if DISPUTE_OPEN[tenant]:
        assert call().answer_due_on is not None
    else:
        with pytest.raises(Forbidden):
            call()


@pytest.mark.parametrize("tenant", COLUMNS)
def test_answer_dispute(world, session, keyring, tenant):
    dispute = ops.open_dispute(world.region.principal("other_bank"), world.d1, DebtorRef(id_number=world.p_number),
                               "amount is wrong", session=session, keyring=keyring)
    call = lambda: ops.answer_dispute(world.region.principal(tenant), dispute.id, "REJECTED",  # noqa: E731
                                      "the amount is right", session=session)
    if CREDITOR_ONLY[tenant]:
        assert call().outcome == "rejected"
    else:
        with pytest.raises(Forbidden):
            call()


@pytest.mark.parametrize("tenant", COLUMNS)
def test_report_and_correct_debt(world, session, keyring, tenant):
    who = world.region.principal(tenant)
    if CREDITOR_ONLY[tenant]:
        view = ops.correct_debt(who, world.d1, {"outstanding": "7000.00"}, session=session, keyring=keyring)
        assert view.outstanding_fen == 700000
        assert ops.report_debt(who, debt_input("A-2", person()), session=session, keyring=keyring).created
        return
    with pytest.raises(Forbidden):
        ops.correct_debt(who, world.d1, {"outstanding": "1.00"}, session=session, keyring=keyring)
    if who.kind.value != "bank":  # another bank may report its own debts, never anyone else's
        with pytest.raises(Forbidden):
            ops.report_debt(who, debt_input("X-1", person()), session=session, keyring=keyring)
    assert session.get(Debt, world.d1).outstanding_fen == 800000


@pytest.mark.parametrize("tenant", COLUMNS)
def test_assign_and_end_assignment(world, session, keyring, tenant):
    who = world.region.principal(tenant)
    if CREDITOR_ONLY[tenant]:
        assert not ops.end_assignment(who, world.assignment, session=session).active
        assert ops.assign_debt(who, world.d1, "agency-b", session=session).active
        return
    with pytest.raises(Forbidden):
        ops.end_assignment(who, world.assignment, session=session)
    with pytest.raises(Forbidden):
        ops.assign_debt(who, world.d1, "agency-b", session=session)


# --- roles inside an institution ---------------------------------------------------------------------------------
def test_writing_needs_the_operator_role(world, session, keyring):
    analyst = world.region.principal("creditor", {Role.ANALYST})
    with pytest.raises(Forbidden):
        ops.report_debt(analyst, debt_input("A-9", person()), session=session, keyring=keyring)
    with pytest.raises(Forbidden):
        ops.assign_debt(analyst, world.d1, "agency-b", session=session)
    assert ops.get_debt(analyst, world.d1, session=session, keyring=keyring).id == world.d1


def test_admin_alone_reads_no_registry_data(world, session, keyring):
    admin = world.region.principal("creditor", {Role.ADMIN})
    with pytest.raises(Forbidden):
        ops.get_debt(admin, world.d1, session=session, keyring=keyring)
    with pytest.raises(Forbidden):
        ops.list_inquiries(admin, session=session, keyring=keyring)


def test_an_unknown_debtor_is_not_found_for_a_bank_but_forbidden_for_an_unlinked_agency(world, session, keyring):
    from .conftest import person_id

    stranger = DebtorRef(id_number=person_id(seq="777"))
    with pytest.raises(NotFound):
        ops.debtor_report(world.region.principal("other_bank"), stranger, "COLLECTION", None, session=session,
                          keyring=keyring)
    with pytest.raises(Forbidden):  # no existence oracle for those who may not look anyone up
        ops.debtor_report(world.region.principal("other_agency"), stranger, "COLLECTION", None, session=session,
                          keyring=keyring)
    assert _count(session, Debtor) == 2
