"""Mediation fixtures: the region plus a second mediation centre; bank-a holds two overdue debts of 张伟 (one
assigned to agency-a, with cn-regional published and agency-a licensed, evaluated and white-listed so it may call),
an overdue debt of 李娜, a current debt of 张伟; bank-b holds an overdue debt of 张伟."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest

from portal.access import OPERATOR, Principal, allowed_roles
from portal.core.timeutil import SHANGHAI
from portal.registry import operations as registry
from portal.registry.inputs import DebtInput, MoneyInput, PartyInput
from portal.services.compliance import operations as compliance
from tests.conftest import PASSWORD
from tests.services.compliance.conftest import CN_2026, PHONE, person_id

ZHANG = person_id("123")
LI = person_id("456")
DOCUMENT = "调解协议：张伟同意分两期偿还 30000.00 元。".encode()


@dataclass
class World:
    """Principals by institution code and the debts of the scenario."""

    principals: dict[str, Principal]
    debts: dict[str, int]
    app: object
    extra: dict = field(default_factory=dict)

    def p(self, code: str) -> Principal:
        return self.principals[code]


def _debt(bank, key, debtor, status="OVERDUE", outstanding="42000.00", *, s, keyring, phone=None):
    party = PartyInput(kind="PERSON", name="张伟" if debtor == ZHANG else "李娜", id_number=debtor, phone=phone)
    return registry.report_debt(bank, DebtInput(
        client_key=key, debtor=party, principal=MoneyInput("50000.00"), outstanding=MoneyInput(outstanding),
        opened_on=date(2025, 1, 10), due_on=date(2026, 10, 1) if status != "CURRENT" else date(2030, 1, 1),
        status=status), session=s, keyring=keyring).debt.id


@pytest.fixture
def world(app, region) -> World:
    from portal.tenancy import operations as tenancy
    from portal.tenancy.demo import demo_uscc
    from portal.tenancy.models import User

    db = app.extensions["db"]
    keyring = app.extensions["keyring"]
    with db.unit_of_work() as s:
        inst = tenancy.create_institution(OPERATOR, kind="mediator", name="第二调解中心", code="mediator-2",
                                          uscc=demo_uscc(9), district="柯桥区", session=s)
        user = tenancy.create_user(OPERATOR, institution_code="mediator-2", email="admin@mediator-2.test",
                                   roles=[r.value for r in allowed_roles("mediator")], password=PASSWORD, session=s)
        region["mediator-2"] = {"id": inst.id, "email": user.email, "user_id": user.id}
        principals = {code: s.get(User, info["user_id"]).principal() for code, info in region.items()}
        bank, other_bank = principals["bank-a"], principals["bank-b"]
        debts = {
            "zhang-1": _debt(bank, "loan-1", ZHANG, s=s, keyring=keyring, phone=PHONE),
            "zhang-2": _debt(bank, "loan-2", ZHANG, "WRITTEN_OFF", "8000.00", s=s, keyring=keyring),
            "li": _debt(bank, "loan-3", LI, s=s, keyring=keyring),
            "zhang-current": _debt(bank, "loan-4", ZHANG, "CURRENT", s=s, keyring=keyring),
            "bank-b-zhang": _debt(other_bank, "b-loan-1", ZHANG, s=s, keyring=keyring),
        }
        registry.assign_debt(bank, debts["zhang-1"], "agency-a", session=s)
        compliance.publish_standard(OPERATOR, CN_2026, session=s)
        agency = principals["agency-a"]
        since = datetime(2026, 1, 1, tzinfo=SHANGHAI)
        compliance.record_case_event(OPERATOR, "licence_granted", at=since, agency_id=agency.institution_id,
                                     valid_until=since + timedelta(days=2000), session=s)
        compliance.record_case_event(OPERATOR, "agency_evaluated", at=since, agency_id=agency.institution_id,
                                     session=s)
        compliance.record_case_event(bank, "whitelisted", at=since, agency_id=agency.institution_id, session=s)
    return World(principals, debts, app)


@pytest.fixture
def uow(world):
    """A function opening one unit of work (commit on success) on the test app's database."""
    return world.app.extensions["db"].unit_of_work


def agreement_vars(case_id, signed_on: date, amount="30000.00", plan=(("15000.00", 30), ("15000.00", 60))) -> dict:
    """Variables of ``recordMediationAgreement``."""
    return {"i": {
        "caseId": str(case_id), "amount": {"amount": amount, "currency": "CNY"}, "signedOn": signed_on.isoformat(),
        "instalments": [{"dueOn": (signed_on + timedelta(days=d)).isoformat(),
                         "amount": {"amount": a, "currency": "CNY"}} for a, d in plan],
        "document": {"name": "agreement.pdf", "contentBase64": base64.b64encode(DOCUMENT).decode()},
    }}
