"""Tracing fixtures: the region plus a second tracer, enterprise and person debtors of bank-a and bank-b, bank-a's
enterprise debt assigned to agency-a and bank-b's to agency-b."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from portal.access import OPERATOR, Principal
from portal.core.identifiers import USCC_ALPHABET, id_check_char, uscc_check_char
from portal.core.timeutil import utcnow
from portal.registry import operations as registry
from portal.registry.inputs import DebtInput, MoneyInput, PartyInput
from tests.conftest import PASSWORD


def uscc(seed: int) -> str:
    """A valid unified social credit code."""
    body = "91330602" + "".join(USCC_ALPHABET[(seed * 11 + i * 5) % 31] for i in range(9))
    return body + uscc_check_char(body)


def person_id(seq: str) -> str:
    """A valid resident identity number."""
    body = "330602" + "19800101" + seq
    return body + id_check_char(body)


E1 = ("绍兴华丰纺织有限公司", uscc(1), "越城区", "浙江省绍兴市越城区解放北路88号")
E2 = ("东海宏远机械股份有限公司", uscc(2), "柯桥区", "浙江省绍兴市柯桥区鉴湖路9号")
P1 = ("王芳", person_id("321"), "越城区", "浙江省绍兴市越城区人民路12号")


@dataclass
class World:
    """Principals by institution code and the debts/debtors of the scenario."""

    principals: dict[str, Principal]
    debts: dict[str, int]
    debtors: dict[str, int]
    app: object

    def p(self, code: str) -> Principal:
        return self.principals[code]

    def uow(self):
        return self.app.extensions["db"].unit_of_work()

    @property
    def keyring(self):
        return self.app.extensions["keyring"]


def _debt(bank: Principal, key: str, party: PartyInput, s, keyring) -> tuple[int, int]:
    result = registry.report_debt(bank, DebtInput(
        client_key=key, debtor=party, principal=MoneyInput("500000.00"), outstanding=MoneyInput("420000.00"),
        opened_on=date(2024, 1, 10), due_on=date(2026, 6, 1), status="OVERDUE"), session=s, keyring=keyring)
    from portal.registry.models import Debt

    return result.debt.id, s.get(Debt, result.debt.id).debtor_id


@pytest.fixture
def world(app, region) -> World:
    from portal.tenancy import operations as tenancy
    from portal.tenancy.models import User

    db, keyring = app.extensions["db"], app.extensions["keyring"]
    with db.unit_of_work() as s:
        tenancy.create_institution(OPERATOR, kind="tracer", name="第二资产追踪公司", code="tracer-b",
                                   uscc=uscc(9), district="越城区", session=s)
        user = tenancy.create_user(OPERATOR, institution_code="tracer-b", email="admin@tracer-b.test",
                                   roles=["admin", "analyst", "operator"], password=PASSWORD, session=s)
        principals = {code: s.get(User, info["user_id"]).principal() for code, info in region.items()}
        principals["tracer-b"] = user.principal()
        region["tracer-b"] = {"id": user.institution_id, "email": user.email, "user_id": user.id}
        bank_a, bank_b = principals["bank-a"], principals["bank-b"]
        debts, debtors = {}, {}
        debts["e1"], debtors["e1"] = _debt(bank_a, "loan-e1", PartyInput(
            kind="ENTERPRISE", name=E1[0], uscc=E1[1], district=E1[2], address=E1[3]), s, keyring)
        debts["p1"], debtors["p1"] = _debt(bank_a, "loan-p1", PartyInput(
            kind="PERSON", name=P1[0], id_number=P1[1], district=P1[2], address=P1[3], phone="13812345678"),
            s, keyring)
        debts["e2"], debtors["e2"] = _debt(bank_b, "loan-e2", PartyInput(
            kind="ENTERPRISE", name=E2[0], uscc=E2[1], district=E2[2], address=E2[3]), s, keyring)
        registry.assign_debt(bank_a, debts["e1"], "agency-a", session=s)
        registry.assign_debt(bank_b, debts["e2"], "agency-b", session=s)
    return World(principals, debts, debtors, app)


NOW = utcnow().replace(microsecond=0)


def signal(key: str, kind: str = "exit_entry", days_ago: int = 1, severity: str = "critical", **subject) -> dict:
    """A signal in its JSON form."""
    return {"key": key, "kind": kind, "observedAt": (NOW - timedelta(days=days_ago)).isoformat(),
            "severity": severity, "source": "test", **subject}
