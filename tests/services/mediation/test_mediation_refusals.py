"""Every illegal step and bad input is refused with a message naming the bad value, and nothing is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core.errors import BadInput, Conflict, Forbidden, NotFound
from portal.registry.vocab import shanghai_today
from portal.services.compliance.models import CaseEvent
from portal.services.evidence.models import EvidenceEntry
from portal.services.mediation import operations as ops
from portal.services.mediation.models import MediationCase, MediationCaseDebt, MediationEvent
from tests.services.mediation.conftest import DOCUMENT


def _counts(uow) -> tuple[int, ...]:
    with uow() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in
                     (MediationCase, MediationCaseDebt, MediationEvent, CaseEvent, EvidenceEntry))


def refer(world, uow, key="k", debts=("zhang-1",), mediator="mediator", note=None, who="bank-a"):
    with uow() as s:
        return ops.refer_to_mediation(world.p(who), key, [world.debts.get(d, d) for d in debts],
                                      mediator, note, session=s).id


def step(world, uow, fn, who, *args, **kw):
    with uow() as s:
        return fn(world.p(who), *args, session=s, **kw)


def agree(world, uow, cid, signed_on=None, amount="30000.00", plan=None, document=("a.pdf", DOCUMENT)):
    signed_on = signed_on or shanghai_today()
    plan = plan if plan is not None else [
        {"due_on": signed_on + timedelta(days=30), "amount": {"amount": amount, "currency": "CNY"}}]
    with uow() as s:
        return ops.record_agreement(world.p("mediator"), cid, {"amount": amount, "currency": "CNY"}, plan, signed_on,
                                    document, session=s, keyring=world.app.extensions["keyring"]).status


@pytest.mark.parametrize(("debts", "mediator", "error", "needle"), [
    ((), "mediator", BadInput, "at least one debt"),
    (("zhang-1", "zhang-1"), "mediator", BadInput, "twice"),
    (("zhang-1", "li"), "mediator", BadInput, "different debtors"),
    (("zhang-current",), "mediator", BadInput, "CURRENT"),
    (("bank-b-zhang",), "mediator", NotFound, "among your institution's debts"),
    ((987654,), "mediator", NotFound, "987654"),
    (("x1",), "mediator", BadInput, "'x1'"),
    (("zhang-1",), "agency-a", BadInput, "'agency-a' is not a mediation centre"),
    (("zhang-1",), "nowhere", BadInput, "'nowhere'"),
])
def test_bad_referrals_are_refused_and_write_nothing(world, uow, debts, mediator, error, needle):
    before = _counts(uow)
    with pytest.raises(error, match=needle):
        refer(world, uow, debts=debts, mediator=mediator)
    assert _counts(uow) == before


def test_only_a_bank_operator_refers(world, uow):
    for who in ("mediator", "agency-a", "regulator", "tracer"):
        with pytest.raises(Forbidden):
            refer(world, uow, who=who)


def test_a_debt_in_an_open_case_cannot_be_referred_again_until_it_closes(world, uow):
    cid = refer(world, uow, key="first")
    before = _counts(uow)
    with pytest.raises(Conflict, match=f"already in open mediation case {cid}"):
        refer(world, uow, key="second", debts=("zhang-1", "zhang-2"))
    assert _counts(uow) == before
    step(world, uow, ops.decline_case, "mediator", cid, "conflict of interest")
    assert refer(world, uow, key="second") != cid


def test_idempotent_referral_and_conflicting_reuse(world, uow):
    cid = refer(world, uow, key="same", note="n")
    assert refer(world, uow, key="same", note="n") == cid
    with pytest.raises(Conflict, match="'same'"):
        refer(world, uow, key="same", note="other note")
    with pytest.raises(Conflict, match="'same'"):
        refer(world, uow, key="same", note="n", mediator="mediator-2")


def test_illegal_transitions_name_the_status(world, uow):
    cid = refer(world, uow)
    with pytest.raises(Conflict, match=f"case {cid} is REFERRED"):
        step(world, uow, ops.record_session, "mediator", cid, None, ["a"], "x")
    with pytest.raises(Conflict, match="REFERRED"):
        agree(world, uow, cid)
    with pytest.raises(Conflict, match="REFERRED"):
        step(world, uow, ops.fail_case, "mediator", cid, "no")
    step(world, uow, ops.accept_case, "mediator", cid)
    with pytest.raises(Conflict, match="IN_MEDIATION; it can be accepted only when REFERRED"):
        step(world, uow, ops.accept_case, "mediator", cid)
    with pytest.raises(Conflict, match="IN_MEDIATION"):
        step(world, uow, ops.decline_case, "mediator", cid, "late")
    with pytest.raises(Conflict, match="IN_MEDIATION"):
        step(world, uow, ops.apply_for_confirmation, "mediator", cid, "court", shanghai_today())
    with pytest.raises(Conflict, match="IN_MEDIATION"):
        step(world, uow, ops.record_ruling, "mediator", cid, True, shanghai_today())
    assert agree(world, uow, cid) == "agreed"
    with pytest.raises(Conflict, match="AGREED"):
        step(world, uow, ops.record_invitation, "mediator", cid, "debtor", "phone")
    with pytest.raises(Conflict, match="AGREED"):
        agree(world, uow, cid)
    step(world, uow, ops.withdraw_case, "bank-a", cid, "settled outside")
    before = _counts(uow)
    for fn, args in ((ops.fail_case, ("x",)), (ops.accept_case, ())):
        with pytest.raises(Conflict, match="WITHDRAWN"):
            step(world, uow, fn, "mediator", cid, *args)
    with pytest.raises(Conflict, match="WITHDRAWN"):
        step(world, uow, ops.withdraw_case, "bank-a", cid, None)
    assert _counts(uow) == before


def test_roles_of_the_steps(world, uow):
    cid = refer(world, uow)
    with pytest.raises(Forbidden):
        step(world, uow, ops.accept_case, "bank-a", cid)  # the bank sees the case but does not decide it
    with pytest.raises(Forbidden):
        step(world, uow, ops.withdraw_case, "mediator", cid, None)
    with pytest.raises(Forbidden):
        step(world, uow, ops.accept_case, "regulator", cid)
    with pytest.raises(NotFound, match=f"no mediation case with id {cid}"):
        step(world, uow, ops.accept_case, "mediator-2", cid)


def test_bad_inputs_of_the_steps_write_nothing(world, uow):
    cid = refer(world, uow)
    with pytest.raises(BadInput, match="reason"):
        step(world, uow, ops.decline_case, "mediator", cid, "  ")
    step(world, uow, ops.accept_case, "mediator", cid)
    before = _counts(uow)
    with pytest.raises(BadInput, match="'pigeon'"):
        step(world, uow, ops.record_invitation, "mediator", cid, "debtor", "pigeon")
    with pytest.raises(BadInput, match="'judge'"):
        step(world, uow, ops.record_invitation, "mediator", cid, "judge", "phone")
    from portal.core.timeutil import utcnow

    with pytest.raises(BadInput, match="in the future"):
        step(world, uow, ops.record_session, "mediator", cid, utcnow() + timedelta(hours=2), ["a"], "x")
    with pytest.raises(BadInput, match="attendee"):
        step(world, uow, ops.record_session, "mediator", cid, utcnow(), [" "], "x")
    today = shanghai_today()
    with pytest.raises(BadInput, match="'12.345'"):
        agree(world, uow, cid, amount="12.345")
    with pytest.raises(BadInput, match="at most the 42000.00 referred"):
        agree(world, uow, cid, amount="60000.00")
    with pytest.raises(BadInput, match="float"):
        agree(world, uow, cid, amount=300.5)
    with pytest.raises(BadInput, match="add up to 100.00, not the agreed 30000.00"):
        agree(world, uow, cid, plan=[{"due_on": today, "amount": {"amount": "100.00", "currency": "CNY"}}])
    with pytest.raises(BadInput, match="instalment"):
        agree(world, uow, cid, plan=[])
    with pytest.raises(BadInput, match="in the future"):
        agree(world, uow, cid, signed_on=today + timedelta(days=1))
    with pytest.raises(BadInput, match="before the referral"):
        agree(world, uow, cid, signed_on=today - timedelta(days=3))
    with pytest.raises(BadInput, match="empty"):
        agree(world, uow, cid, document=("a.pdf", b""))
    with pytest.raises(BadInput, match="file name"):
        agree(world, uow, cid, document=("../a.pdf", DOCUMENT))
    assert _counts(uow) == before
    with uow() as s:
        assert s.get(MediationCase, cid).status == "in_mediation"
