"""Monitoring fixtures: a small known book seeded through the real registry and compliance operations, plus bulk
helpers that add banks, debtors and contact attempts (for suppression and statement-count tests).

The known book, as of TODAY (figures in yuan):
- bank-a: current 80,000 (due after TODAY); overdue 10 dpd 10,000; overdue 100 dpd 30,000; written off 20,000;
  one adverse debt settled in the period (principal 50,000, 120 days after its due date).
- bank-b: overdue 40 dpd 60,000; in litigation 20 dpd 40,000.
Region: outstanding 240,000, non-performing 90,000 (ratio 0.375); adverse principal 210,000, recovered 50,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert

from portal.access import OPERATOR, Kind, Principal
from portal.core.identifiers import id_check_char
from portal.registry import operations as registry
from portal.registry.inputs import DebtInput, MoneyInput, PartyInput

TODAY = date(2026, 6, 30)
PERIOD = (date(2025, 7, 1), TODAY)


def person_id(n: int) -> str:
    """A valid resident identity number, distinct for each ``n`` < 1000."""
    body = "330602" + "19800101" + f"{n % 1000:03d}"
    return body + id_check_char(body)


def debt(key: str, who: int, principal: str, outstanding: str, status: str, due: date, *,
         opened: date = date(2024, 1, 1), settled: date | None = None, district: str = "越城区") -> DebtInput:
    """A debt report of a person debtor ``who``."""
    party = PartyInput(kind="PERSON", name=f"债务人{who}", id_number=person_id(who), district=district)
    return DebtInput(client_key=key, debtor=party, principal=MoneyInput(principal),
                     outstanding=MoneyInput(outstanding), opened_on=opened, due_on=due, status=status,
                     settled_on=settled)


def bank_principal(region: dict, code: str) -> Principal:
    """The bank acting through a scheduled principal (every role of its kind)."""
    return Principal.scheduled(region[code]["id"], code, Kind.BANK)


@dataclass
class Book:
    """Ids of the known book."""

    app: Any
    region: dict
    debts: dict[str, int]


@pytest.fixture
def book(app, region) -> Book:
    """The known book of the module docstring, reported through registry.report_debt (and assign_debt)."""
    db, keyring = app.extensions["db"], app.extensions["keyring"]
    ids: dict[str, int] = {}
    with db.unit_of_work() as s:
        a, b = bank_principal(region, "bank-a"), bank_principal(region, "bank-b")

        def report(p, d, today=TODAY):
            ids[d.client_key] = registry.report_debt(p, d, session=s, keyring=keyring, today=today).debt.id

        report(a, debt("A1", 1, "100000.00", "80000.00", "CURRENT", TODAY + timedelta(days=15)))
        report(a, debt("A2", 2, "10000.00", "10000.00", "OVERDUE", TODAY - timedelta(days=10)))
        report(a, debt("A3", 3, "30000.00", "30000.00", "OVERDUE", TODAY - timedelta(days=100)))
        report(a, debt("A4", 4, "20000.00", "20000.00", "WRITTEN_OFF", TODAY - timedelta(days=394)))
        # adverse first, then settled in the period: 120 days after its due date
        report(a, debt("A5", 5, "50000.00", "50000.00", "OVERDUE", date(2026, 1, 1)), today=date(2026, 3, 1))
        report(a, debt("A5", 5, "50000.00", "0.00", "SETTLED", date(2026, 1, 1), settled=date(2026, 5, 1)))
        report(b, debt("B1", 6, "60000.00", "60000.00", "OVERDUE", TODAY - timedelta(days=40)))
        report(b, debt("B2", 7, "40000.00", "40000.00", "IN_LITIGATION", TODAY - timedelta(days=20)))
        registry.assign_debt(a, ids["A3"], "agency-a", session=s)
        registry.assign_debt(b, ids["B1"], "agency-b", session=s)
    return Book(app, region, ids)


def add_banks(app, codes: list[str]) -> dict[str, int]:
    """More banks (institutions only) through the tenancy operation; code -> id."""
    from portal.tenancy import operations as tenancy

    out = {}
    with app.extensions["db"].unit_of_work() as s:
        for code in codes:
            inst = tenancy.create_institution(OPERATOR, kind="bank", name=f"测试城市商业银行{code}", code=code,
                                              district="越城区", session=s)
            out[code] = inst.id
    return out


def bulk_debts(app, creditor_ids: list[int], debtors_each: int, *, first: int = 10_000) -> None:
    """``debtors_each`` debtors with two debts each (one current, one 120 days past due) for every creditor,
    written with two executemany inserts (no per-row statement)."""
    from portal.core.keys import active_data_key
    from portal.registry.models import Debt, Debtor

    db, keyring = app.extensions["db"], app.extensions["keyring"]
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with db.unit_of_work() as s:
        key_id, _dek = active_data_key(s, keyring, None)
        s.flush()
        debtors, debts = [], []
        n = first
        for creditor_id in creditor_ids:
            for _ in range(debtors_each):
                n += 1
                debtors.append({"id": n, "kind": "person", "id_hash": f"h{n:062d}", "id_cipher": b"x",
                                "key_id": key_id, "name": f"批量{n}", "district": "柯桥区", "created_at": now,
                                "updated_at": now})
                for k, (status, due, out) in enumerate((("current", TODAY + timedelta(days=20), 100_00),
                                                        ("overdue", TODAY - timedelta(days=120), 50_00))):
                    debts.append({"creditor_id": creditor_id, "debtor_id": n, "client_key": f"bulk-{n}-{k}",
                                  "principal_fen": 100_00, "outstanding_fen": out, "currency": "CNY",
                                  "opened_on": date(2025, 1, 1), "due_on": due, "status": status,
                                  "adverse": status == "overdue", "version": 1, "reported_at": now,
                                  "updated_at": now})
        s.execute(insert(Debtor), debtors)
        s.execute(insert(Debt), debts)


def bulk_attempts(app, rows: list[tuple[int, int, int, int]], *, violations_every: int = 3) -> None:
    """Logged contact attempts (agency_id, creditor_id, debt_id, debtor_id), a CS-TIME-01 violation on every
    ``violations_every``-th one — two executemany inserts."""
    from portal.services.compliance.models import AttemptViolation, ContactAttempt

    when = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    with app.extensions["db"].unit_of_work() as s:
        start = s.execute(insert(ContactAttempt).returning(ContactAttempt.id), [
            {"agency_id": agency, "creditor_id": creditor, "debt_id": debt_id, "debtor_id": debtor,
             "client_key": f"bulk-{i}-{agency}-{debt_id}", "number_hash": "0" * 64, "number_masked": "138****0000",
             "counterparty": "debtor", "channel": "call", "started_at": when + timedelta(minutes=i),
             "outcome": "connected", "duration_s": 60, "debtor_tz": "Asia/Shanghai", "extra": {},
             "state": "logged", "standard_code": "cn-regional", "standard_version": "2026.1"}
            for i, (agency, creditor, debt_id, debtor) in enumerate(rows)]).scalars().all()
        violations = [
            {"attempt_id": attempt_id, "agency_id": rows[i][0], "creditor_id": rows[i][1], "rule": "CS-TIME-01",
             "rule_version": "2025.1", "severity": "high", "phase": "logged", "message_zh": "时段",
             "message_en": "hours"}
            for i, attempt_id in enumerate(start) if i % violations_every == 0]
        if violations:
            s.execute(insert(AttemptViolation), violations)


class StatementCounter:
    """Counts SQL statements on an engine while active (a before_cursor_execute listener)."""

    def __init__(self, engine):
        self.engine, self.count, self.statements = engine, 0, []

    def _listen(self, _conn, _cursor, statement, *_args):
        self.count += 1
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._listen)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._listen)
