"""Disputes (异议): the data subject objects to a record through any bank or the regulator; the creditor answers.

While a dispute is open the record is "under objection" on every view of it; the creditor's answer is due 20
calendar days (Asia/Shanghai) after the dispute was opened.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.crypto import Keyring
from portal.core.errors import BadInput, Conflict, NotFound
from portal.core.timeutil import utcnow
from portal.registry import inputs
from portal.registry.models import Debt, Dispute
from portal.registry.operations.debts import apply_change
from portal.registry.parties import DISPUTE_TARGET_FUNCTION, definer_available, find_debtor
from portal.registry.views import DisputeView, dispute_view
from portal.registry.vocab import DisputeOutcome, answer_due_on, shanghai_today


def _dispute_target(session: Session, debt_id: int, debtor_id: int) -> int | None:
    """The creditor of ``debt_id`` if that debt belongs to ``debtor_id`` (through the definer function on
    PostgreSQL with row-level security, where another bank's debt is invisible to the channel bank)."""
    if definer_available(session, DISPUTE_TARGET_FUNCTION):
        return session.scalar(text("SELECT registry_dispute_target(:debt, :debtor)"),
                              {"debt": debt_id, "debtor": debtor_id})
    return session.scalar(select(Debt.creditor_id).where(Debt.id == debt_id, Debt.debtor_id == debtor_id))


@guarded("registry.dispute.open")
def open_dispute(principal: Principal, debt_id: int, ref: Any, reason: str, *, session: Session,
                 keyring: Keyring, now: datetime | None = None) -> DisputeView:
    """Open a dispute on a debt for its data subject, who proves who they are with ``ref`` (their identifier).

    The debt must belong to that debtor (NotFound otherwise, so a bank cannot probe other banks' debt ids); one
    open dispute per debt (Conflict for a second one).
    """
    check_access("registry.dispute.open", principal)
    reason = inputs.text(reason, "reason", max_len=2000, required=True)
    if isinstance(debt_id, bool) or not isinstance(debt_id, int):
        raise BadInput(f"debt id {debt_id!r} is not a number", field="debtId")
    kind, number = inputs.debtor_ref(ref)
    debtor = find_debtor(session, keyring, kind, number)
    creditor_id = _dispute_target(session, debt_id, debtor.id) if debtor is not None else None
    if creditor_id is None:
        raise NotFound(f"debt {debt_id} is not a debt of this debtor")
    already = select(Dispute.id).where(Dispute.debt_id == debt_id, Dispute.answered_at.is_(None))
    if session.scalar(already) is not None:  # where visible; otherwise the unique index answers at flush
        raise Conflict(f"debt {debt_id} is already under objection")
    opened_at = now or utcnow()
    row = Dispute(debt_id=debt_id, creditor_id=creditor_id, opened_at=opened_at,
                  opened_via_id=principal.institution_id, opened_by=principal.user_id, reason=reason,
                  answer_due_on=answer_due_on(opened_at))
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"debt {debt_id} is already under objection") from exc
    return dispute_view(row, shanghai_today(opened_at))


@guarded("registry.dispute.answer")
def answer_dispute(principal: Principal, dispute_id: int, outcome: Any, answer: str, *, session: Session,
                   corrections: Any = None, now: datetime | None = None, today: date | None = None) -> DisputeView:
    """The creditor answers: upheld, corrected or rejected. ``corrections`` (for upheld/corrected) change the debt
    through the same path as a correction, keeping the previous values in its history. The record is no longer
    under objection afterwards."""
    row = session.get(Dispute, dispute_id) if isinstance(dispute_id, int) else None
    if row is None:
        raise NotFound(f"dispute {dispute_id!r} does not exist")
    check_access("registry.dispute.answer", principal, row)
    outcome = DisputeOutcome.parse(outcome, "outcome")
    answer = inputs.text(answer, "answer", max_len=2000, required=True)
    if row.answered_at is not None:
        raise Conflict(f"dispute {row.id} was already answered")
    today = today or shanghai_today(now)
    if corrections is not None:
        if outcome is DisputeOutcome.REJECTED:
            raise BadInput("corrections: a rejected dispute leaves the record as it is", field="corrections")
        debt = session.get(Debt, row.debt_id)
        base = {name: getattr(debt, name) for name in ("product", "principal_fen", "outstanding_fen", "currency",
                                                        "opened_on", "due_on", "status", "settled_on", "collateral",
                                                        "notes")}
        values = inputs.debt_values(corrections, today, base=base)
        apply_change(session, principal, debt, values, None, reason=f"dispute {row.id}", expected_version=None)
    elif outcome is DisputeOutcome.CORRECTED:
        raise BadInput("corrections are required when the outcome is CORRECTED", field="corrections")
    row.outcome = outcome.value
    row.answer = answer
    row.answered_at = now or utcnow()
    row.answered_by = principal.user_id
    session.flush()
    return dispute_view(row, today)
