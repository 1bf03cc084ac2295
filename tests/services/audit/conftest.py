"""Audit fixtures: a small world on the app's database — debts of bank-a (worked by agency-a) and bank-b (worked by
agency-b), logged contact attempts (the compliance operations are someone else's: rows are inserted directly), tokens
and helpers to upload recordings and transcripts over HTTP."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest

from portal.access import Kind, Principal, allowed_roles
from portal.core.crypto import encrypt_blob
from portal.core.keys import active_data_key
from portal.core.timeutil import utcnow
from portal.registry.models import Debt, DebtAssignment, Debtor
from portal.services.compliance.models import ContactAttempt

_serial = itertools.count(1)


@dataclass
class World:
    """Ids of the fixture rows and ready principals per institution code."""

    app: object
    region: dict
    debts: dict[str, int] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)

    def principal(self, code: str, roles=None) -> Principal:
        """The admin user of ``code`` as a principal (every role of its kind unless ``roles``)."""
        r = self.region[code]
        kind = Kind({"regulator": "regulator", "mediator": "mediator", "tracer": "tracer"}.get(
            code, code.split("-")[0]))
        return Principal(r["user_id"], r["id"], code, kind, frozenset(roles or allowed_roles(kind)),
                         r["email"])

    def db(self):
        """The app's Database."""
        return self.app.extensions["db"]

    def add_attempt(self, key: str, agency: str, debt: str, *, outcome: str = "connected", channel: str = "call",
                    state: str = "logged", started: datetime | None = None) -> int:
        """Insert a contact attempt of ``agency`` on debt ``debt``; returns its id."""
        with self.db().unit_of_work() as s:
            d = s.get(Debt, self.debts[debt])
            row = ContactAttempt(agency_id=self.region[agency]["id"], creditor_id=d.creditor_id, debt_id=d.id,
                                 debtor_id=d.debtor_id, client_key=key, number_hash="h" * 64,
                                 number_masked="138****5678", counterparty="debtor", channel=channel,
                                 started_at=started or utcnow() - timedelta(days=2), outcome=outcome,
                                 duration_s=120, state=state)
            s.add(row)
            s.flush()
            self.attempts[key] = row.id
            return row.id

    def end_assignment(self, debt: str) -> None:
        """End the active assignment of ``debt``."""
        with self.db().unit_of_work() as s:
            for a in s.query(DebtAssignment).filter_by(debt_id=self.debts[debt], active=True):
                a.active, a.ended_at = False, utcnow()


def _debt(s, keyring, creditor_id: int, agency_id: int | None, key: str) -> int:
    n = next(_serial)
    key_id, dek = active_data_key(s, keyring, None)
    debtor = Debtor(kind="person", id_hash=f"{n:064d}", id_cipher=encrypt_blob(dek, b"x"), key_id=key_id,
                    name=f"债务人{n}")
    s.add(debtor)
    s.flush()
    debt = Debt(creditor_id=creditor_id, debtor_id=debtor.id, client_key=key, principal_fen=1_000_000,
                outstanding_fen=800_000, opened_on=date(2025, 1, 1), due_on=date(2026, 1, 1), status="overdue")
    s.add(debt)
    s.flush()
    if agency_id is not None:
        s.add(DebtAssignment(debt_id=debt.id, creditor_id=creditor_id, agency_id=agency_id))
    return debt.id


@pytest.fixture
def world(app, region) -> World:
    """Debt A (bank-a → agency-a) and B (bank-b → agency-b), attempts a1 (agency-a, connected) and b1 (agency-b)."""
    w = World(app, region)
    with app.extensions["db"].unit_of_work() as s:
        kr = app.extensions["keyring"]
        w.debts["A"] = _debt(s, kr, region["bank-a"]["id"], region["agency-a"]["id"], "A")
        w.debts["B"] = _debt(s, kr, region["bank-b"]["id"], region["agency-b"]["id"], "B")
    w.add_attempt("a1", "agency-a", "A")
    w.add_attempt("b1", "agency-b", "B")
    return w


@pytest.fixture
def tokens(api_token) -> dict:
    """Bearer tokens of every institution's admin, issued lazily."""
    cache: dict[str, str] = {}

    class Tokens(dict):
        def __missing__(self, code):
            cache[code] = api_token(code)
            return cache[code]

    return Tokens()
