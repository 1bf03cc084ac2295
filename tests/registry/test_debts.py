"""Reporting and correcting debts: idempotency per creditor and client key, history, optimistic versions, listing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core.crypto import decrypt_blob
from portal.core.errors import BadInput, Conflict, NotFound
from portal.core.keys import data_key
from portal.registry import operations as ops
from portal.registry.inputs import PartyInput
from portal.registry.models import Debt, DebtGuarantor, DebtHistory, Debtor, identifier_aad
from portal.registry.parties import debtor_hash

from .conftest import TODAY, debt_input, person, person_id


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_same_key_same_values_is_a_no_op(session, keyring, region):
    bank = region.principal("creditor")
    first = ops.report_debt(bank, debt_input("K-1", person()), session=session, keyring=keyring)
    again = ops.report_debt(bank, debt_input("K-1", person()), session=session, keyring=keyring)
    assert first.created and first.changed
    assert not again.created and not again.changed
    assert again.debt.id == first.debt.id and again.debt.version == first.debt.version == 1
    assert (count(session, Debt), count(session, DebtHistory), count(session, Debtor)) == (1, 0, 1)


def test_same_key_new_values_updates_and_keeps_history(session, keyring, region):
    bank = region.principal("creditor")
    first = ops.report_debt(bank, debt_input("K-1", person(), outstanding="8000.00"), session=session,
                            keyring=keyring)
    second = ops.report_debt(bank, debt_input("K-1", person(), outstanding="6500.50", status="OVERDUE"),
                             session=session, keyring=keyring)
    assert second.debt.id == first.debt.id and second.changed and not second.created
    assert second.debt.version == 2 and second.debt.outstanding_fen == 650050 and second.debt.status == "overdue"
    history = ops.debt_history(bank, first.debt.id, session=session)
    assert len(history) == 1
    assert history[0].version == 1 and history[0].reason == "report"
    assert history[0].previous["outstanding_fen"] == 800000 and history[0].previous["status"] == "current"
    assert count(session, Debt) == 1


def test_the_same_client_key_at_two_banks_is_two_debts(session, keyring, region):
    for label in ("creditor", "creditor_b"):
        ops.report_debt(region.principal(label), debt_input("SHARED-KEY", person()), session=session,
                        keyring=keyring)
    assert count(session, Debt) == 2 and count(session, Debtor) == 1  # one shared debtor


def test_correction_keeps_every_previous_version(session, keyring, region):
    bank = region.principal("creditor")
    debt = ops.report_debt(bank, debt_input("K-1", person()), session=session, keyring=keyring).debt
    ops.correct_debt(bank, debt.id, {"outstanding": "7000.00"}, expected_version=1, session=session,
                     keyring=keyring)
    view = ops.correct_debt(bank, debt.id, {"status": "SETTLED", "outstanding": "0.00"}, session=session,
                            keyring=keyring)
    assert view.version == 3 and view.status == "settled" and view.settled_on == TODAY
    history = ops.debt_history(bank, debt.id, session=session)
    assert [h.version for h in history] == [1, 2]
    assert [h.previous["outstanding_fen"] for h in history] == [800000, 700000]
    assert history[1].previous["settled_on"] is None


def test_stale_version_is_a_conflict_and_changes_nothing(session, keyring, region):
    bank = region.principal("creditor")
    debt = ops.report_debt(bank, debt_input("K-1", person()), session=session, keyring=keyring).debt
    ops.correct_debt(bank, debt.id, {"outstanding": "7000.00"}, session=session, keyring=keyring)
    with pytest.raises(Conflict, match="version 2, not 1"):
        ops.correct_debt(bank, debt.id, {"outstanding": "1.00"}, expected_version=1, session=session,
                         keyring=keyring)
    with pytest.raises(Conflict):
        ops.report_debt(bank, replace(debt_input("K-1", person()), expected_version=1), session=session,
                        keyring=keyring)
    assert session.get(Debt, debt.id).outstanding_fen == 700000


def test_identifiers_are_encrypted_and_found_by_keyed_hash(session, keyring, region):
    number = person_id(seq="314")
    ops.report_debt(region.principal("creditor"), debt_input("K-1", person(number)), session=session,
                    keyring=keyring)
    row = session.scalars(select(Debtor)).one()
    assert row.id_hash == debtor_hash(keyring, number) == keyring.lookup_hash("debtor-id", number)
    assert number.encode() not in row.id_cipher and b"13812345678" not in row.phone_cipher
    dek = data_key(session, keyring, row.key_id)
    assert decrypt_blob(dek, row.id_cipher, identifier_aad(row.id_hash, "id")).decode() == number
    assert decrypt_blob(dek, row.phone_cipher, identifier_aad(row.id_hash, "phone")).decode() == "13812345678"


def test_guarantors_are_parties_and_their_change_is_history(session, keyring, region):
    bank = region.principal("creditor")
    g1 = PartyInput(kind="PERSON", name="李娜", id_number=person_id(seq="201"))
    g2 = PartyInput(kind="ENTERPRISE", name="绍兴市担保有限公司", uscc="91330602MA2BCDEF0X")
    from portal.core.identifiers import uscc_check_char
    g2 = replace(g2, uscc=g2.uscc[:17] + uscc_check_char(g2.uscc[:17]))
    first = ops.report_debt(bank, debt_input("K-1", person(), guarantors=(g1,)), session=session, keyring=keyring)
    assert [g.name for g in first.debt.guarantors] == ["李娜"]
    assert first.debt.guarantors[0].id_number == g1.id_number  # the creditor sees whole numbers
    second = ops.report_debt(bank, debt_input("K-1", person(), guarantors=(g2,)), session=session, keyring=keyring)
    assert second.changed and [g.kind for g in second.debt.guarantors] == ["enterprise"]
    assert count(session, DebtGuarantor) == 1 and count(session, Debtor) == 3
    assert len(ops.debt_history(bank, first.debt.id, session=session)[0].previous["guarantor_ids"]) == 1


def test_list_debts_pages_by_id(session, keyring, region):
    bank = region.principal("creditor")
    ids = [ops.report_debt(bank, debt_input(f"K-{i}", person(person_id(seq=f"{i:03d}"))), session=session,
                           keyring=keyring).debt.id for i in range(7)]
    first = ops.list_debts(bank, session=session, keyring=keyring, limit=3)
    assert [d.id for d in first.items] == ids[:3] and first.has_more
    second = ops.list_debts(bank, session=session, keyring=keyring, limit=3, after_id=first.items[-1].id)
    third = ops.list_debts(bank, session=session, keyring=keyring, limit=3, after_id=second.items[-1].id)
    assert [d.id for d in second.items] == ids[3:6] and [d.id for d in third.items] == ids[6:]
    assert not third.has_more
    assert [d.id for d in ops.list_debts(bank, session=session, keyring=keyring, status="OVERDUE").items] == []
    with pytest.raises(BadInput, match="101"):
        ops.list_debts(bank, session=session, keyring=keyring, limit=101)
    with pytest.raises(BadInput):
        ops.list_debts(bank, session=session, keyring=keyring, limit=0)


def test_list_debts_runs_the_same_number_of_statements_for_any_page_size(session, keyring, region, db):
    from sqlalchemy import event

    bank = region.principal("creditor")
    g = PartyInput(kind="PERSON", name="李娜", id_number=person_id(seq="901"))
    for i in range(12):
        ops.report_debt(bank, debt_input(f"K-{i}", person(person_id(seq=f"{i:03d}")), guarantors=(g,)),
                        session=session, keyring=keyring)
    statements: list[str] = []

    def listener(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    counts = []
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for limit in (2, 12):
            statements.clear()
            page = ops.list_debts(bank, session=session, keyring=keyring, limit=limit)
            assert len(page.items) == limit and len(page.items[0].guarantors) == 1
            counts.append(len(statements))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert counts[0] == counts[1]


def test_assignment_rules(world, session, keyring):
    bank = world.region.principal("creditor")
    same = ops.assign_debt(bank, world.d1, "agency-a", session=session)
    assert same.id == world.assignment  # the same agency again: no second row
    with pytest.raises(Conflict, match="already assigned"):
        ops.assign_debt(bank, world.d1, "agency-b", session=session)
    with pytest.raises(BadInput, match="bank-b"):
        ops.assign_debt(bank, world.d1, "bank-b", session=session)
    with pytest.raises(NotFound):
        ops.assign_debt(bank, 999_999, "agency-a", session=session)
    ended = ops.end_assignment(bank, world.assignment, session=session)
    assert not ended.active and ended.ended_at is not None
    assert ops.end_assignment(bank, world.assignment, session=session).ended_at == ended.ended_at
    settled = ops.report_debt(bank, debt_input("A-S", person(), status="SETTLED", outstanding="0.00",
                                               due=TODAY - timedelta(days=3)),
                              session=session, keyring=keyring).debt
    with pytest.raises(Conflict, match="settled"):
        ops.assign_debt(bank, settled.id, "agency-a", session=session)
