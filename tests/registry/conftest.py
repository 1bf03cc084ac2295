"""Registry fixtures: a small region (every tenant kind, plus the 'other' one of each) and a world of debts.

Mediation cases and tracing requests belong to services not written yet; the tests plug a link table of their own
into ``scoping.register_debt_link`` (a separate MetaData, so no other test's schema changes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, exists, insert

import portal.registry.models  # noqa: F401 - registers the registry tables before the db fixture's create_all
import portal.registry.policy  # noqa: F401 - registers the registry policies
from portal.access import Kind, Principal, Role, allowed_roles
from portal.core.identifiers import USCC_ALPHABET, id_check_char, uscc_check_char
from portal.registry import operations as ops
from portal.registry import scoping
from portal.registry.inputs import DebtInput, MoneyInput, PartyInput
from portal.registry.vocab import shanghai_today
from portal.tenancy.models import Institution, User, UserRole

TODAY = shanghai_today()

LINKS_MD = MetaData()
LINKS = Table(
    "test_registry_links",
    LINKS_MD,
    Column("id", Integer, primary_key=True),
    Column("debt_id", BigInteger, nullable=False),
    Column("institution_id", BigInteger, nullable=False),
    Column("kind", String(12), nullable=False),
)

TENANTS = {
    # label: (code, kind)
    "creditor": ("bank-a", Kind.BANK),
    "creditor_b": ("bank-b", Kind.BANK),
    "other_bank": ("bank-c", Kind.BANK),
    "inquirer": ("bank-d", Kind.BANK),
    "assigned_agency": ("agency-a", Kind.AGENCY),
    "other_agency": ("agency-b", Kind.AGENCY),
    "regulator": ("regulator", Kind.REGULATOR),
    "mediator": ("mediator", Kind.MEDIATOR),
    "other_mediator": ("mediator-2", Kind.MEDIATOR),
    "tracer": ("tracer", Kind.TRACER),
    "other_tracer": ("tracer-2", Kind.TRACER),
}


def person_id(area: str = "330602", born: str = "19850312", seq: str = "123") -> str:
    """A valid resident identity number."""
    body = area + born + seq
    return body + id_check_char(body)


def uscc(serial: int) -> str:
    """A valid unified social credit code."""
    body = "91330602" + "".join(USCC_ALPHABET[(serial * 7 + i * 5) % 31] for i in range(9))
    return body + uscc_check_char(body)


def person(number: str | None = None, name: str = "张伟", **kw) -> PartyInput:
    """A person party with contact data."""
    kw.setdefault("phone", "13812345678")
    kw.setdefault("address", "浙江省绍兴市越城区解放北路1号")
    return PartyInput(kind="PERSON", name=name, id_number=number or person_id(), **kw)


def debt_input(key: str, debtor: PartyInput, *, amount: str = "10000.00", outstanding: str = "8000.00",
               status: str = "CURRENT", opened: date | None = None, due: date | None = None, **kw) -> DebtInput:
    """A debt report with sensible dates."""
    opened = opened or TODAY - timedelta(days=400)
    due = due or (TODAY - timedelta(days=60) if status.upper() in ("OVERDUE", "WRITTEN_OFF", "IN_LITIGATION")
                  else TODAY + timedelta(days=30))
    return DebtInput(client_key=key, debtor=debtor, principal=MoneyInput(amount), outstanding=MoneyInput(outstanding),
                     opened_on=opened, due_on=due, status=status, **kw)


@dataclass
class Region:
    """The institutions and a principal per tenant label (every role of its kind)."""

    ids: dict[str, int]
    principals: dict[str, Principal]

    def principal(self, label: str, roles: set[Role] | None = None) -> Principal:
        """The tenant's principal, optionally with fewer roles."""
        p = self.principals[label]
        if roles is None:
            return p
        return Principal(p.user_id, p.institution_id, p.institution_code, p.kind, frozenset(roles), p.email)


@pytest.fixture
def region(session) -> Region:
    """Every tenant of TENANTS with one user holding every role of its kind."""
    ids, principals = {}, {}
    for label, (code, kind) in TENANTS.items():
        inst = Institution(code=code, kind=kind.value, name=f"{code} 机构")
        session.add(inst)
        session.flush()
        user = User(institution_id=inst.id, email=f"admin@{code}.test")
        user.roles = [UserRole(role=r.value) for r in allowed_roles(kind)]
        session.add(user)
        session.flush()
        ids[label] = inst.id
        principals[label] = Principal(user.id, inst.id, code, kind, allowed_roles(kind), user.email)
    return Region(ids, principals)


@pytest.fixture
def links(session):
    """The test link table for mediator cases and tracer requests, registered with scoping."""
    LINKS_MD.create_all(session.connection())

    def builder(kind: Kind):
        return lambda debt_id, inst: exists().where(
            LINKS.c.debt_id == debt_id, LINKS.c.institution_id == inst, LINKS.c.kind == kind.value
        )

    with scoping.debt_links({Kind.MEDIATOR: builder(Kind.MEDIATOR), Kind.TRACER: builder(Kind.TRACER)}):
        yield lambda debt_id, inst_id, kind: session.execute(
            insert(LINKS).values(debt_id=debt_id, institution_id=inst_id, kind=kind.value)
        )


@dataclass
class World:
    """Debtor P (a person) with D1 at bank-a (overdue, assigned to agency-a, in the mediator's case and the
    tracer's request) and D2 at bank-b; enterprise E with D3 at bank-c."""

    region: Region
    p_number: str
    e_number: str
    d1: int
    d2: int
    d3: int
    assignment: int
    extra: dict = field(default_factory=dict)


@pytest.fixture
def world(session, keyring, region, links) -> World:
    """The world of the access matrix."""
    p_number, e_number = person_id(), uscc(3)
    p = person(p_number)
    r1 = ops.report_debt(region.principal("creditor"),
                         debt_input("A-1", p, status="OVERDUE", notes="called twice", collateral="car 浙D12345"),
                         session=session, keyring=keyring)
    r2 = ops.report_debt(region.principal("creditor_b"), debt_input("B-1", p, amount="5000.00", outstanding="5000.00"),
                         session=session, keyring=keyring)
    e = PartyInput(kind="ENTERPRISE", name="绍兴市越城区好运纺织有限公司", uscc=e_number, phone="057588001234")
    r3 = ops.report_debt(region.principal("other_bank"), debt_input("C-1", e, amount="300000.00",
                                                                      outstanding="250000.00"),
                         session=session, keyring=keyring)
    a = ops.assign_debt(region.principal("creditor"), r1.debt.id, region.ids["assigned_agency"], session=session)
    links(r1.debt.id, region.ids["mediator"], Kind.MEDIATOR)
    links(r1.debt.id, region.ids["tracer"], Kind.TRACER)
    session.flush()
    return World(region, p_number, e_number, r1.debt.id, r2.debt.id, r3.debt.id, a.id)
