"""Demo seeding: deterministic, valid identifiers that decrypt, multi-bank debtors, assignments only to agencies,
and data the operations can work with."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.core.crypto import decrypt_blob
from portal.core.db import Base, Database
from portal.core.identifiers import normalize_id_number, normalize_uscc
from portal.core.keys import data_key
from portal.registry import operations as ops
from portal.registry.demo import seed_registry
from portal.registry.inputs import DebtorRef
from portal.registry.models import Debt, DebtAssignment, Debtor, Inquiry, identifier_aad
from portal.tenancy.models import Institution

DEMO = (("regulator", "regulator"), ("bank-a", "bank"), ("bank-b", "bank"), ("bank-c", "bank"),
        ("agency-a", "agency"), ("agency-b", "agency"), ("mediator", "mediator"), ("tracer", "tracer"))
AS_OF = date(2026, 6, 30)


def _institutions(session) -> dict[str, int]:
    ids = {}
    for code, kind in DEMO:
        inst = Institution(code=code, kind=kind, name=code)
        session.add(inst)
        session.flush()
        ids[code] = inst.id
    return ids


def _content(session, keyring):
    """What the demo wrote, in clear (ciphertexts differ by nonce, their plaintexts must not)."""
    rows = session.execute(select(Debtor).order_by(Debtor.id)).scalars().all()
    dek = data_key(session, keyring, rows[0].key_id)
    debtors = [(d.id, d.kind, d.name, d.id_hash, d.district,
                decrypt_blob(dek, d.id_cipher, identifier_aad(d.id_hash, "id")).decode(),
                decrypt_blob(dek, d.address_cipher, identifier_aad(d.id_hash, "address")).decode()) for d in rows]
    debts = session.execute(select(Debt.id, Debt.creditor_id, Debt.debtor_id, Debt.client_key, Debt.principal_fen,
                                   Debt.outstanding_fen, Debt.status, Debt.due_on, Debt.settled_on,
                                   Debt.adverse).order_by(Debt.id)).all()
    return debtors, debts


def test_demo_is_deterministic_and_valid(db, session, keyring, tmp_path):
    ids = _institutions(session)
    seen = []
    counts = seed_registry(session, ids, "tiny", 42, keyring, lambda label, total: seen.append((label, total)),
                           as_of=AS_OF)
    assert seen == [("registry debtors", 600)]
    assert counts["debtors"] == 600 and 800 <= counts["debts"] <= 1000
    debtors, debts = _content(session, keyring)
    for _id, kind, name, _h, district, number, address in debtors:
        assert (normalize_id_number(number) if kind == "person" else normalize_uscc(number)) == number
        assert name and district in address and address.startswith("浙江省绍兴市")
    assert len({d[5] for d in debtors}) == 600  # unique identifiers
    per_debtor = Counter((d.debtor_id, d.creditor_id) for d in debts)
    banks_per_debtor = Counter(debtor for debtor, _bank in per_debtor)
    assert sum(1 for n in banks_per_debtor.values() if n >= 2) >= 60  # multi-bank debtors
    statuses = Counter(d.status for d in debts)
    assert statuses["current"] > statuses["overdue"] > 0 and statuses["written_off"] and statuses["settled"]
    agencies = {ids["agency-a"], ids["agency-b"]}
    assert set(session.scalars(select(DebtAssignment.agency_id).distinct())) <= agencies
    assert session.scalar(select(func.count()).select_from(DebtAssignment)) > 0
    assert session.scalar(select(func.count()).select_from(Inquiry)) > 0
    # the same seed into another database gives the same content
    other = Database(f"sqlite:///{tmp_path / 'again.db'}")
    Base.metadata.create_all(other.engine)
    try:
        with other.unit_of_work() as s2:
            seed_registry(s2, _institutions(s2), "tiny", 42, keyring, None, as_of=AS_OF, parallel=True)
        with other.unit_of_work() as s2:
            assert _content(s2, keyring) == (debtors, debts)
    finally:
        other.dispose()


def test_operations_work_on_demo_data(db, session, keyring, region):
    ids = {**{code: region.ids[label] for label, code in (("creditor", "bank-a"), ("creditor_b", "bank-b"),
                                                         ("other_bank", "bank-c"), ("assigned_agency", "agency-a"),
                                                         ("other_agency", "agency-b"), ("regulator", "regulator"))}}
    seed_registry(session, ids, "tiny", 7, keyring, None)
    debt = session.scalars(select(Debt).where(Debt.creditor_id == ids["bank-a"], Debt.status == "overdue")).first()
    debtor = session.get(Debtor, debt.debtor_id)
    dek = data_key(session, keyring, debtor.key_id)
    number = decrypt_blob(dek, debtor.id_cipher, identifier_aad(debtor.id_hash, "id")).decode()
    ref = DebtorRef(id_number=number) if debtor.kind == "person" else DebtorRef(uscc=number)
    report = ops.debtor_report(region.principal("creditor"), ref, "COLLECTION", None, session=session,
                               keyring=keyring)
    assert debt.id in {d.id for d in report.debts} and report.debtor.name == debtor.name
    page = ops.list_debts(region.principal("assigned_agency"), session=session, keyring=keyring, limit=100)
    active = set(session.scalars(select(DebtAssignment.debt_id).where(
        DebtAssignment.agency_id == ids["agency-a"], DebtAssignment.active.is_(True))))
    assert page.items and {d.id for d in page.items} <= active
    assert all(d.days_past_due > 30 for d in page.items)  # agencies get debts past 30 days


def test_unknown_size_and_missing_institutions_are_bad_input(session, keyring):
    from portal.core.errors import BadInput

    with pytest.raises(BadInput, match="huge"):
        seed_registry(session, {}, "huge", 1, keyring)
    with pytest.raises(BadInput, match="bank-a"):
        seed_registry(session, {"regulator": 1}, "tiny", 1, keyring)
