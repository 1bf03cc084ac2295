"""Escalation test world: the region; bank-a's book with one debt per boundary day (0, 1, 30, 31, 90, 91 days past
due as of AS_OF), a large judicial debt, a settled and a current one; some assigned to agency-a; one debt of bank-b."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.access import Principal
from portal.core.identifiers import id_check_char
from portal.registry import operations as registry
from portal.registry.inputs import DebtInput, MoneyInput, PartyInput

AS_OF = date(2026, 11, 20)
BOUNDARY_DAYS = (0, 1, 30, 31, 90, 91)


def person_id(seq: str) -> str:
    """A valid resident identity number ending with a check character."""
    body = "330602" + "19850312" + seq
    return body + id_check_char(body)


@dataclass
class Book:
    """The seeded world: principals by code, debt ids by name."""

    app: object
    principals: dict[str, Principal]
    debts: dict[str, int] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)

    def p(self, code: str) -> Principal:
        return self.principals[code]

    def report(self, code: str, key: str, *, due_on: date, status: str = "OVERDUE", outstanding: str = "12345.67",
               name: str = "张伟", seq: str | None = None, settled_on: date | None = None) -> int:
        """Report (or update) one debt of bank ``code``; returns its id."""
        db, keyring = self.app.extensions["db"], self.app.extensions["keyring"]
        number = person_id(seq or f"{len(self.debts) + 100:03d}")
        with db.unit_of_work() as s:
            result = registry.report_debt(self.p(code), DebtInput(
                client_key=key, debtor=PartyInput(kind="PERSON", name=name, id_number=number),
                principal=MoneyInput("9000000.00"), outstanding=MoneyInput(outstanding),
                opened_on=date(2024, 1, 10), due_on=due_on, status=status, settled_on=settled_on),
                session=s, keyring=keyring)
            self.debts[key], self.numbers[key] = result.debt.id, number
            return result.debt.id


def sweep(world: Book, code: str = "bank-a", as_of: date = AS_OF, **kw):
    """Run a whole sweep of bank ``code`` as its user; returns the sweep row's figures."""
    from portal.services.escalation import operations

    db = world.app.extensions["db"]
    with db.unit_of_work() as s:
        row = operations.run_sweep(world.p(code), world.p(code).institution_id, as_of, session=s,
                                   keyring=world.app.extensions["keyring"], **kw)
        return {"transitions": row.transitions, "letters": row.letters, "referrals": row.referrals,
                "chunks": row.chunks_total, "id": row.id}
