"""Compliance fixtures: the region with a debt of bank-a assigned to agency-a, cn-regional published, agency-a
licensed, evaluated and on bank-a's white-list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from portal.access import OPERATOR, Principal
from portal.core.identifiers import id_check_char
from portal.core.timeutil import SHANGHAI
from portal.registry import operations as registry
from portal.registry.inputs import DebtInput, MoneyInput, PartyInput
from portal.services.compliance import operations as compliance
from standards import CATALOGUE_DIR

CN_2026 = (Path(CATALOGUE_DIR) / "cn-regional" / "2026.1.toml").read_text(encoding="utf-8")
US_2021 = (Path(CATALOGUE_DIR) / "us-regf" / "2021.1.toml").read_text(encoding="utf-8")
PHONE = "13812345678"


def person_id(seq: str) -> str:
    body = "330602" + "19850312" + seq
    return body + id_check_char(body)


@dataclass
class World:
    principals: dict[str, Principal]
    debt_id: int
    other_debt_id: int
    app: object

    def p(self, code: str) -> Principal:
        return self.principals[code]


def shanghai(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def world(app, region) -> World:
    from portal.tenancy.models import User

    db = app.extensions["db"]
    keyring = app.extensions["keyring"]
    with db.unit_of_work() as s:
        principals = {code: s.get(User, info["user_id"]).principal() for code, info in region.items()}
        bank = principals["bank-a"]
        debtor = PartyInput(kind="PERSON", name="张伟", id_number=person_id("123"), phone=PHONE)
        first = registry.report_debt(bank, DebtInput(
            client_key="loan-1", debtor=debtor, principal=MoneyInput("50000.00"), outstanding=MoneyInput("42000.00"),
            opened_on=date(2025, 1, 10), due_on=date(2026, 10, 1), status="OVERDUE"), session=s, keyring=keyring)
        other = registry.report_debt(bank, DebtInput(
            client_key="loan-2", debtor=PartyInput(kind="PERSON", name="李娜", id_number=person_id("456")),
            principal=MoneyInput("9000.00"), outstanding=MoneyInput("9000.00"), opened_on=date(2025, 3, 1),
            due_on=date(2026, 10, 1), status="OVERDUE"), session=s, keyring=keyring)
        debt_id, other_id = first.debt.id, other.debt.id
        registry.assign_debt(bank, debt_id, "agency-a", session=s)
        registry.assign_debt(bank, other_id, "agency-a", session=s)
        compliance.publish_standard(OPERATOR, CN_2026, session=s)
        agency = principals["agency-a"]
        since = datetime(2026, 1, 1, tzinfo=SHANGHAI)
        compliance.record_case_event(OPERATOR, "licence_granted", at=since, agency_id=agency.institution_id,
                                     valid_until=since + timedelta(days=1000), session=s)
        compliance.record_case_event(OPERATOR, "agency_evaluated", at=since, agency_id=agency.institution_id,
                                     session=s)
        compliance.record_case_event(bank, "whitelisted", at=since, agency_id=agency.institution_id, session=s)
    return World(principals, debt_id, other_id, app)


def attempt(world: World, **kw) -> dict:
    base = {"debt_id": world.debt_id, "number": PHONE, "counterparty": "debtor", "channel": "call",
            "started_at": shanghai(2026, 11, 10, 10), "identified": True, "recorded": True}
    base.update(kw)
    return base

