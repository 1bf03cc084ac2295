"""The debtor report: the inquiry is written with the read (or nothing is read), retention, the data subject's view."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from portal.core.errors import BadInput
from portal.registry import operations as ops
from portal.registry.inputs import DebtorRef
from portal.registry.models import Debt, Inquiry
from portal.registry.vocab import is_retained, years_before

from .conftest import TODAY, debt_input, person, person_id


def test_the_inquiry_is_written_in_the_same_transaction_as_the_read(world, session, keyring):
    who = world.region.principal("other_bank")
    report = ops.debtor_report(who, DebtorRef(id_number=world.p_number), "CREDIT_APPROVAL", "CONSENT-1",
                               session=session, keyring=keyring)
    row = session.get(Inquiry, report.inquiry_id)
    assert (row.institution_id, row.user_id, row.purpose, row.consent_ref) == (
        world.region.ids["other_bank"], who.user_id, "credit_approval", "CONSENT-1")
    assert row.debtor_id == report.debtor.id
    session.rollback()  # the edge rolls back: the read and its inquiry go together
    assert session.scalar(select(func.count()).select_from(Inquiry)) == 0


def test_no_inquiry_no_read(world, session, keyring):
    def refuse(*_args, **_kw):
        raise RuntimeError("inquiry log unavailable")

    event.listen(Inquiry, "before_insert", refuse)
    gathered = []
    listener = lambda *a, **k: gathered.append(a[2])  # noqa: E731 - statement text
    try:
        event.listen(session.get_bind(), "before_cursor_execute", listener)
        with pytest.raises(RuntimeError, match="inquiry log unavailable"):
            ops.debtor_report(world.region.principal("other_bank"), DebtorRef(id_number=world.p_number),
                              "COLLECTION", None, session=session, keyring=keyring)
    finally:
        event.remove(Inquiry, "before_insert", refuse)
        event.remove(session.get_bind(), "before_cursor_execute", listener)
    # nothing about the debts was read before the inquiry failed (only the debtor look-up and the relation)
    assert not any("sum(" in s.lower() or "FROM debts JOIN" in s for s in gathered)


def test_regulator_and_creditor_see_the_inquiry_other_banks_do_not(world, session, keyring):
    inquiry = ops.debtor_report(world.region.principal("inquirer"), DebtorRef(id_number=world.p_number),
                                "CREDIT_APPROVAL", "C-1", session=session, keyring=keyring).inquiry_id
    seen = lambda label: inquiry in {i.id for i in ops.list_inquiries(  # noqa: E731
        world.region.principal(label), session=session, keyring=keyring).items}
    assert seen("regulator") and seen("creditor") and seen("creditor_b") and seen("inquirer")
    assert not seen("other_bank") and not seen("assigned_agency")


def test_inquiries_newest_first_with_keyset_pages(world, session, keyring):
    who = world.region.principal("other_bank")
    made = [ops.debtor_report(who, DebtorRef(id_number=world.p_number), "COLLECTION", None, session=session,
                              keyring=keyring).inquiry_id for _ in range(5)]
    page1 = ops.list_inquiries(who, session=session, keyring=keyring, limit=2)
    page2 = ops.list_inquiries(who, session=session, keyring=keyring, limit=2, after_id=page1.items[-1].id)
    assert [i.id for i in page1.items + page2.items] == made[::-1][:4] and page2.has_more


def test_data_subject_request_lists_who_looked(world, session, keyring):
    ops.debtor_report(world.region.principal("inquirer"), DebtorRef(id_number=world.p_number), "CREDIT_APPROVAL",
                      "C-1", session=session, keyring=keyring)
    report = ops.debtor_report(world.region.principal("creditor"), DebtorRef(id_number=world.p_number),
                               "DATA_SUBJECT_REQUEST", "REQ-7", session=session, keyring=keyring)
    assert [i.institution.code for i in report.inquiries] == ["bank-a", "bank-d"]
    with pytest.raises(BadInput, match="consentRef"):
        ops.debtor_report(world.region.principal("creditor"), DebtorRef(id_number=world.p_number),
                          "DATA_SUBJECT_REQUEST", None, session=session, keyring=keyring)


def test_enterprise_needs_no_consent(world, session, keyring):
    report = ops.debtor_report(world.region.principal("creditor"), DebtorRef(uscc=world.e_number),
                               "CREDIT_APPROVAL", None, session=session, keyring=keyring)
    assert report.shared.debt_count == 1 and report.shared.total_outstanding_fen == 25_000_000
    assert report.debtor.uscc is not None and "*" in report.debtor.uscc  # another bank: masked


def _settled_adverse(session, keyring, bank, key, number, settled_on):
    ops.report_debt(bank, debt_input(key, person(number), status="OVERDUE", opened=settled_on - timedelta(days=400),
                                     due=settled_on - timedelta(days=100)), session=session, keyring=keyring,
                    today=settled_on - timedelta(days=10))
    return ops.report_debt(bank, debt_input(key, person(number), status="SETTLED", outstanding="0.00",
                                            opened=settled_on - timedelta(days=400),
                                            due=settled_on - timedelta(days=100), settled_on=settled_on),
                           session=session, keyring=keyring).debt.id


def test_retention_hides_adverse_records_five_years_after_settlement(session, keyring, region):
    number = person_id(seq="555")
    bank = region.principal("creditor")
    cutoff = years_before(TODAY, 5)
    old = _settled_adverse(session, keyring, bank, "OLD", number, cutoff)  # exactly 5 years ago: hidden
    recent = _settled_adverse(session, keyring, bank, "NEW", number, cutoff + timedelta(days=1))  # still shown
    clean = ops.report_debt(bank, debt_input("CLEAN", person(number), status="SETTLED", outstanding="0.00",
                                             opened=cutoff - timedelta(days=400), due=cutoff - timedelta(days=100),
                                             settled_on=cutoff - timedelta(days=30)),
                            session=session, keyring=keyring).debt.id  # never adverse: not covered by the rule
    assert session.get(Debt, old).adverse and not session.get(Debt, clean).adverse
    shown = {d.id for d in ops.list_debts(bank, session=session, keyring=keyring).items}
    assert shown == {recent, clean}  # not even the creditor sees the old adverse record any more
    from portal.core.errors import Forbidden
    with pytest.raises(Forbidden, match="retention"):
        ops.get_debt(bank, old, session=session, keyring=keyring)
    other = ops.debtor_report(region.principal("other_bank"), DebtorRef(id_number=number), "COLLECTION", None,
                              session=session, keyring=keyring)
    assert other.shared.debt_count == 2
    regulator = ops.debtor_report(region.principal("regulator"), DebtorRef(id_number=number), "SUPERVISION", None,
                                  session=session, keyring=keyring)
    assert regulator.shared.debt_count == 3 and {d.id for d in regulator.debts} == {old, recent, clean}
    # a day earlier the old record was still shown: the rule is applied when read, as of a date ...
    assert not is_retained(True, cutoff, TODAY - timedelta(days=1))
    # ... and no one but the regulator may read as of an earlier date to bring it back
    with pytest.raises(BadInput, match="asOf"):
        ops.list_debts(bank, session=session, keyring=keyring, as_of=TODAY - timedelta(days=1))
    past = ops.list_debts(region.principal("regulator"), session=session, keyring=keyring, purpose="SUPERVISION",
                          as_of=TODAY - timedelta(days=1))
    assert old in {d.id for d in past.items}


def test_summary_days_past_due_and_litigation(session, keyring, region):
    number = person_id(seq="666")
    a, b = region.principal("creditor"), region.principal("creditor_b")
    ops.report_debt(a, debt_input("A", person(number), status="OVERDUE", due=TODAY - timedelta(days=45)),
                    session=session, keyring=keyring)
    ops.report_debt(b, debt_input("B", person(number), status="IN_LITIGATION", due=TODAY - timedelta(days=200),
                                  amount="900000.00", outstanding="850000.00"), session=session, keyring=keyring)
    ops.report_debt(b, debt_input("B2", person(number), status="CURRENT"), session=session, keyring=keyring)
    summary = ops.debtor_report(region.principal("other_bank"), DebtorRef(id_number=number), "LITIGATION", None,
                                session=session, keyring=keyring).shared
    assert summary.debt_count == 3 and summary.worst_days_past_due == 200 and summary.in_litigation
    assert summary.total_outstanding_fen == 800000 + 85_000_000 + 800000
    as_bank_a = ops.debtor_report(a, DebtorRef(id_number=number), "COLLECTION", None, session=session,
                                  keyring=keyring)
    assert as_bank_a.shared.debt_count == 2 and [d.days_past_due for d in as_bank_a.debts] == [45]
