"""Disputes mark a record "under objection" on every view until the creditor answers, within 20 days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.core.errors import BadInput, Conflict, NotFound
from portal.registry import operations as ops
from portal.registry.inputs import DebtorRef
from portal.registry.vocab import answer_due_on

from .conftest import person_id


def _open(world, session, keyring, via="other_bank", debt=None, **kw):
    return ops.open_dispute(world.region.principal(via), debt or world.d1, DebtorRef(id_number=world.p_number),
                            "此笔贷款已结清", session=session, keyring=keyring, **kw)


def test_open_dispute_marks_every_view(world, session, keyring):
    dispute = _open(world, session, keyring, now=datetime(2025, 3, 1, 20, 0, tzinfo=UTC))
    assert dispute.answer_due_on == date(2025, 3, 22)  # 04:00 on 2 March in Shanghai + 20 days
    r = world.region
    assert ops.get_debt(r.principal("creditor"), world.d1, session=session, keyring=keyring).under_objection
    assert ops.get_debt(r.principal("assigned_agency"), world.d1, session=session, keyring=keyring).under_objection
    assert ops.list_debts(r.principal("mediator"), session=session, keyring=keyring).items[0].under_objection
    assert not ops.get_debt(r.principal("creditor_b"), world.d2, session=session, keyring=keyring).under_objection
    summary = ops.debtor_report(r.principal("other_bank"), DebtorRef(id_number=world.p_number), "COLLECTION", None,
                                session=session, keyring=keyring).shared
    assert summary.under_objection == 1
    own = ops.debtor_report(r.principal("creditor"), DebtorRef(id_number=world.p_number), "COLLECTION", None,
                            session=session, keyring=keyring)
    assert own.debts[0].under_objection and own.shared.under_objection == 0  # D2 at bank-b is not disputed


def test_answer_lifts_the_objection_and_corrections_keep_history(world, session, keyring):
    dispute = _open(world, session, keyring)
    with pytest.raises(Conflict, match="already under objection"):
        _open(world, session, keyring, via="regulator")
    creditor = world.region.principal("creditor")
    with pytest.raises(BadInput, match="corrections are required"):
        ops.answer_dispute(creditor, dispute.id, "CORRECTED", "fixed", session=session)
    answered = ops.answer_dispute(creditor, dispute.id, "CORRECTED", "已更正余额", session=session,
                                  corrections={"outstanding": "100.00"})
    assert answered.outcome == "corrected" and answered.answered_at is not None
    view = ops.get_debt(creditor, world.d1, session=session, keyring=keyring)
    assert not view.under_objection and view.outstanding_fen == 10000 and view.version == 2
    assert ops.debt_history(creditor, world.d1, session=session)[0].reason == f"dispute {dispute.id}"
    with pytest.raises(Conflict, match="already answered"):
        ops.answer_dispute(creditor, dispute.id, "REJECTED", "again", session=session)
    assert _open(world, session, keyring).id != dispute.id  # a new objection may follow the answer


def test_a_dispute_needs_the_debtor_of_the_debt(world, session, keyring):
    with pytest.raises(NotFound):  # D3 belongs to the enterprise, not to P: no probing of other debts
        _open(world, session, keyring, debt=world.d3)
    with pytest.raises(NotFound):
        ops.open_dispute(world.region.principal("other_bank"), world.d1, DebtorRef(id_number=person_id(seq="999")),
                         "x", session=session, keyring=keyring)
    with pytest.raises(BadInput, match="reason"):
        ops.open_dispute(world.region.principal("other_bank"), world.d1, DebtorRef(id_number=world.p_number), " ",
                         session=session, keyring=keyring)


def test_answer_overdue_after_twenty_days(world, session, keyring):
    opened = datetime(2025, 1, 10, 2, 0, tzinfo=UTC)
    dispute = _open(world, session, keyring, now=opened)
    assert dispute.answer_due_on == answer_due_on(opened) == date(2025, 1, 30)
    late = ops.answer_dispute(world.region.principal("creditor"), dispute.id, "REJECTED", "正确", session=session,
                              now=datetime(2025, 2, 3, tzinfo=UTC))
    assert late.answer_overdue is False  # answered: no longer overdue
    dispute2 = _open(world, session, keyring, now=opened)
    from portal.registry.models import Dispute
    from portal.registry.views import dispute_view
    assert dispute_view(session.get(Dispute, dispute2.id), date(2025, 1, 31)).answer_overdue
    assert not dispute_view(session.get(Dispute, dispute2.id), date(2025, 1, 30)).answer_overdue
