"""The mediation part of ``portal demo``: bank-a refers a handful of overdue debts (one debtor each) to the demo
mediation centre; the cases stand at different steps — one waiting for the centre, one in mediation with a session
held, one agreed (its signed agreement stored as evidence, the 30-day clock running) and one confirmed by a court.
Deterministic from the demo seed; runs after the compliance and audit parts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access import Kind, Principal
from portal.core.money import format_fen
from portal.core.timeutil import utcnow
from portal.registry.models import Debt
from portal.registry.vocab import shanghai_today
from portal.services.mediation import operations as ops
from portal.services.mediation.models import MediationCase

CASES = 4


def _agree(bank_case: MediationCase, mediator: Principal, session: Session, ctx, signed_days_ago: int) -> None:
    today = shanghai_today()
    bank_case.referred_at = utcnow() - timedelta(days=signed_days_ago + 20)
    ops.accept_case(mediator, bank_case.id, session=session)
    ops.record_session(mediator, bank_case.id, utcnow() - timedelta(days=signed_days_ago + 2),
                       ["调解员 王敏", "bank-a 法务", "债务人"], "双方同意分期还款", session=session)
    agreed = bank_case.referred_fen * 8 // 10
    half = agreed // 2
    signed = today - timedelta(days=signed_days_ago)
    plan = [{"due_on": signed + timedelta(days=30), "amount": {"amount": format_fen(half), "currency": "CNY"}},
            {"due_on": signed + timedelta(days=60), "amount": {"amount": format_fen(agreed - half),
                                                                "currency": "CNY"}}]
    document = f"调解协议 (demo) case {bank_case.id}: agreed {format_fen(agreed)} CNY".encode()
    ops.record_agreement(mediator, bank_case.id, {"amount": format_fen(agreed), "currency": "CNY"}, plan, signed,
                         (f"agreement-{bank_case.id}.txt", document), session=session, keyring=ctx.keyring)


def seed(ctx) -> None:
    """Refer a few of bank-a's overdue debts and walk the cases to different steps."""
    session: Session = ctx.session
    codes = ctx.institutions
    if "bank-a" not in codes or "mediator" not in codes:
        return
    bank = Principal.scheduled(codes["bank-a"], "bank-a", Kind.BANK)
    mediator = Principal.scheduled(codes["mediator"], "mediator", Kind.MEDIATOR)
    debts = list(session.scalars(
        select(Debt).where(Debt.creditor_id == codes["bank-a"], Debt.status == "overdue")
        .order_by(Debt.outstanding_fen.desc(), Debt.id).limit(CASES * 3)
    ))
    seen: set[int] = set()
    chosen = []
    for debt in debts:
        if debt.debtor_id not in seen:
            seen.add(debt.debtor_id)
            chosen.append(debt)
    bar = ctx.progress("mediation cases", len(chosen[:CASES]))
    for index, debt in enumerate(chosen[:CASES]):
        bar.update(1)
        case = ops.refer_to_mediation(bank, f"demo-mediation-{index + 1}", [debt.id], "mediator",
                                      "大额逾期，申请诉前调解", session=session)
        if index == 1:
            ops.accept_case(mediator, case.id, session=session)
            ops.record_invitation(mediator, case.id, "debtor", "phone", session=session)
            ops.record_session(mediator, case.id, utcnow(), ["调解员 王敏", "债务人"], "债务人同意再谈",
                               session=session)
        elif index == 2:
            _agree(case, mediator, session, ctx, signed_days_ago=12)
        elif index == 3:
            _agree(case, mediator, session, ctx, signed_days_ago=25)
            signed = case.signed_on
            ops.apply_for_confirmation(mediator, case.id, "绍兴市越城区人民法院", signed + timedelta(days=5),
                                       session=session)
            ops.record_ruling(mediator, case.id, True, signed + timedelta(days=15), session=session)

