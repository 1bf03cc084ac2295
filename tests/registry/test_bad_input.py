"""Bad input names the value (identity numbers masked) and writes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core.errors import BadInput
from portal.registry import operations as ops
from portal.registry.inputs import DebtorRef, MoneyInput, PartyInput
from portal.registry.models import Debt, DebtHistory, Debtor, Inquiry

from .conftest import TODAY, debt_input, person, person_id


def written(session):
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Debt, Debtor, DebtHistory, Inquiry))


def _bad_id():
    good = person_id()
    return good[:-1] + ("0" if good[-1] != "0" else "1")


CASES = {
    "identity number check digit": (lambda d: replace(d, debtor=person(_bad_id())),
                                    r"'3306\*{10}\d{3}[\dX]' has a wrong check"),
    "identity number birth date": (lambda d: replace(d, debtor=person("330602198513321234")), "impossible birth"),
    "invalid USCC": (lambda d: replace(d, debtor=PartyInput(kind="ENTERPRISE", name="某公司",
                                                           uscc="91330602MA2BCDEF00")), "91330602MA2BCDEF00"),
    "USCC with a forbidden letter": (lambda d: replace(d, debtor=PartyInput(kind="ENTERPRISE", name="某公司",
                                                                           uscc="91330602MA2BCDEFOZ")), "'O'"),
    "person given a USCC": (lambda d: replace(d, debtor=PartyInput(kind="PERSON", name="张三",
                                                                  uscc="91330602MA2BCDEF00")), "idNumber"),
    "three decimals": (lambda d: replace(d, principal=MoneyInput("12.345")), "'12.345'"),
    "not a number": (lambda d: replace(d, outstanding=MoneyInput("12,000")), "'12,000'"),
    "negative": (lambda d: replace(d, principal=MoneyInput("-1.00")), "'-1.00'"),
    "float": (lambda d: replace(d, principal=MoneyInput(12.5)), "float"),
    "unknown currency": (lambda d: replace(d, principal=MoneyInput("1.00", "XYZ"),
                                           outstanding=MoneyInput("1.00", "XYZ")), "'XYZ'"),
    "currencies differ": (lambda d: replace(d, outstanding=MoneyInput("1.00", "USD")), "differs"),
    "bad status": (lambda d: replace(d, status="LATE"), "'LATE'"),
    "bad date": (lambda d: replace(d, opened_on="2024-02-30"), "'2024-02-30'"),
    "due before opened": (lambda d: replace(d, due_on=d.opened_on - timedelta(days=1)), "dueOn"),
    "overdue not yet due": (lambda d: replace(d, status="OVERDUE", due_on=TODAY + timedelta(days=3)), "not yet past"),
    "settled with a balance": (lambda d: replace(d, status="SETTLED", due_on=TODAY - timedelta(days=1)),
                               "0.00 outstanding"),
    "empty client key": (lambda d: replace(d, client_key="  "), "clientKey is required"),
    "bad phone": (lambda d: replace(d, debtor=person(phone="call me")), "'call me'"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_debt_report_names_the_value_and_writes_nothing(session, keyring, region, case):
    mutate, message = CASES[case]
    before = written(session)
    with pytest.raises(BadInput, match=message):
        ops.report_debt(region.principal("creditor"), mutate(debt_input("K-1", person())), session=session,
                        keyring=keyring)
    assert written(session) == before


def test_a_whole_identity_number_never_appears_in_an_error(session, keyring, region):
    bad = _bad_id()
    with pytest.raises(BadInput) as caught:
        ops.report_debt(region.principal("creditor"), debt_input("K-1", person(bad)), session=session,
                        keyring=keyring)
    assert bad not in str(caught.value) and bad[:4] in str(caught.value)


LOOKUPS = {
    "missing purpose": (lambda w: (DebtorRef(id_number=w.p_number), None, None), "purpose is required"),
    "unknown purpose": (lambda w: (DebtorRef(id_number=w.p_number), "CURIOSITY", None), "'CURIOSITY'"),
    "missing consent": (lambda w: (DebtorRef(id_number=w.p_number), "CREDIT_APPROVAL", None), "consentRef"),
    "both identifiers": (lambda w: (DebtorRef(id_number=w.p_number, uscc=w.e_number), "COLLECTION", None),
                         "exactly one"),
    "no identifier": (lambda w: (DebtorRef(), "COLLECTION", None), "exactly one"),
    "invalid identity number": (lambda w: (DebtorRef(id_number=_bad_id()), "COLLECTION", None), "check digit"),
    "invalid USCC": (lambda w: (DebtorRef(uscc="91330602MA2BCDEF00"), "COLLECTION", None), "check character"),
}


@pytest.mark.parametrize("case", list(LOOKUPS))
def test_bad_lookup_names_the_value_and_writes_no_inquiry(world, session, keyring, case):
    args, message = LOOKUPS[case]
    before = written(session)
    with pytest.raises(BadInput, match=message):
        ops.debtor_report(world.region.principal("other_bank"), *args(world), session=session, keyring=keyring)
    assert written(session) == before
