"""Lawyer's letters: drafted in Chinese by the sweep (identifier masked, amount in yuan to the fen), listed, approved
in bulk or rejected with a reason by the creditor bank."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.crypto import Keyring, decrypt_blob
from portal.core.errors import BadInput, Conflict, NotFound
from portal.core.identifiers import mask_id_number
from portal.core.ids import parse_id
from portal.core.keys import data_key
from portal.core.money import format_fen
from portal.core.timeutil import utcnow
from portal.registry.models import Debt, Debtor, identifier_aad
from portal.registry.scoping import not_retained
from portal.registry.vocab import Purpose, shanghai_today
from portal.services.escalation.ladder import Ladder
from portal.services.escalation.models import LawyerLetter, StageTransition
from portal.tenancy.models import Institution

STATUSES = ("draft", "approved", "rejected")
MAX_BULK = 1000


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def render_letter(*, creditor: str, debtor_name: str, masked_id: str, amount_fen: int, due_on: date, as_of: date,
                  pay_by: date, legal_basis: str) -> str:
    """The Chinese text of a lawyer's letter (the identifier must already be masked; the amount is exact yuan)."""
    days = (as_of - due_on).days
    return (
        "律师函\n"
        f"致：{debtor_name}（证件号码：{masked_id}）\n"
        f"受{creditor}委托，现就贵方所欠债务事宜致函如下：\n"
        f"贵方在{creditor}的借款已于{_cn_date(due_on)}到期，截至{_cn_date(as_of)}已逾期{days}天，"
        f"尚欠本息合计人民币{format_fen(amount_fen)}元。\n"
        f"请贵方于{_cn_date(pay_by)}前清偿上述全部欠款。逾期仍未清偿的，{creditor}将依法通过诉讼等途径追究贵方的"
        "法律责任，由此产生的诉讼费、律师费等费用由贵方承担。\n"
        f"法律依据：{legal_basis}。\n"
    )


def draft_letters(session: Session, keyring: Keyring, ladder: Ladder, sweep_id: int, as_of: date,
                  after_transition: int, lo: int, hi: int | None) -> int:
    """Draft one letter per transition into ``lawyer_letter`` of this chunk run (ids above ``after_transition``);
    one query in, one executemany out. Returns how many were drafted."""
    stmt = (
        select(StageTransition.id, StageTransition.debt_id, StageTransition.creditor_id, StageTransition.due_on,
               StageTransition.outstanding_fen, Institution.name, Debtor.name, Debtor.key_id, Debtor.id_hash,
               Debtor.id_cipher)
        .join(Debt, Debt.id == StageTransition.debt_id)
        .join(Debtor, Debtor.id == Debt.debtor_id)
        .join(Institution, Institution.id == StageTransition.creditor_id)
        .where(StageTransition.sweep_id == sweep_id, StageTransition.to_stage == "lawyer_letter",
               StageTransition.id > after_transition, StageTransition.debt_id >= lo)
    )
    if hi is not None:
        stmt = stmt.where(StageTransition.debt_id < hi)
    keys: dict[int, bytes] = {}
    pay_by = ladder.pay_by(as_of)
    rows: list[dict[str, Any]] = []
    for tid, debt_id, creditor_id, due_on, fen, creditor, name, key_id, id_hash, cipher in session.execute(stmt):
        if key_id not in keys:
            keys[key_id] = data_key(session, keyring, key_id)
        number = decrypt_blob(keys[key_id], cipher, identifier_aad(id_hash, "id")).decode()
        body = render_letter(creditor=creditor, debtor_name=name, masked_id=mask_id_number(number), amount_fen=fen,
                             due_on=due_on, as_of=as_of, pay_by=pay_by, legal_basis=ladder.legal_basis_zh)
        rows.append({"transition_id": tid, "debt_id": debt_id, "creditor_id": creditor_id, "status": "draft",
                     "amount_fen": fen, "due_on": due_on, "pay_by": pay_by, "drafted_on": as_of, "body_zh": body})
    if rows:
        session.execute(insert(LawyerLetter.__table__), rows)
    return len(rows)


def _scope(principal: Principal, action: str, purpose: Purpose | None) -> Any:
    decision = check_access(action, principal, purpose=purpose)
    if decision["scope"] == "creditor":
        return LawyerLetter.creditor_id == principal.institution_id
    return None


@guarded("escalation.letter.list")
def list_letters(principal: Principal, *, status: str | None = None, purpose: Purpose | None = None,
                 after_id: int | None = None, limit: int = 20, session: Session) -> list[LawyerLetter]:
    """Letters of the bank's book (the regulator: all, with SUPERVISION), oldest first, keyset by id."""
    rule = _scope(principal, "escalation.letter.list", purpose)
    if status is not None and status not in STATUSES:
        raise BadInput(f"status {status!r} is not one of {', '.join(STATUSES)}", field="status")
    stmt = select(LawyerLetter).order_by(LawyerLetter.id).limit(max(1, int(limit)))
    if rule is not None:  # the bank's own letters, the 5-year retention rule applied as on every registry read
        stmt = stmt.join(Debt, Debt.id == LawyerLetter.debt_id).where(rule, not_retained(shanghai_today()))
    if status is not None:
        stmt = stmt.where(LawyerLetter.status == status)
    if after_id is not None:
        stmt = stmt.where(LawyerLetter.id > int(after_id))
    return list(session.scalars(stmt))


def _ids(values: Any) -> list[int]:
    out: list[int] = []
    bad = []
    for value in values or ():
        try:
            number = int(value)
        except (TypeError, ValueError):
            bad.append(repr(value))
            continue
        if number not in out:
            out.append(number)
    if bad:
        raise BadInput(f"ids: {', '.join(bad)} are not letter ids", field="ids")
    if not out:
        raise BadInput("ids: give at least one letter id", field="ids")
    if len(out) > MAX_BULK:
        raise BadInput(f"ids: at most {MAX_BULK} letters per call, got {len(out)}", field="ids")
    return out


@dataclass
class ApprovalResult:
    """What a bulk approval did: newly approved ids, ids that were approved already (idempotent), the letters."""

    approved: list[int]
    already_approved: list[int]
    letters: list[LawyerLetter]


@guarded("escalation.letter.decide")
def approve_letters(principal: Principal, ids: Any, *, session: Session) -> ApprovalResult:
    """Approve letters by id, all or nothing: unknown ids (or another bank's) and rejected letters are named and
    nothing is written; letters approved before are left as they are."""
    check_access("escalation.letter.decide", principal)
    wanted = _ids(ids)
    found = dict(session.execute(select(LawyerLetter.id, LawyerLetter.status).where(
        LawyerLetter.id.in_(wanted), LawyerLetter.creditor_id == principal.institution_id)).all())
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(f"no lawyer's letter of yours with id {', '.join(map(str, missing))}; nothing was approved")
    rejected = [i for i in wanted if found[i] == "rejected"]
    if rejected:
        raise Conflict(f"lawyer's letters {', '.join(map(str, rejected))} were rejected and cannot be approved; "
                       "nothing was approved")
    drafts = [i for i in wanted if found[i] == "draft"]
    if drafts:
        session.execute(update(LawyerLetter).where(LawyerLetter.id.in_(drafts), LawyerLetter.status == "draft")
                        .values(status="approved", approved_by=principal.user_id, approved_at=utcnow())
                        .execution_options(synchronize_session=False))
        session.expire_all()
    letters = list(session.scalars(select(LawyerLetter).where(LawyerLetter.id.in_(wanted)).order_by(LawyerLetter.id)))
    return ApprovalResult(drafts, [i for i in wanted if found[i] == "approved"], letters)


@guarded("escalation.letter.decide")
def reject_letter(principal: Principal, letter_id: Any, reason: str, *, session: Session) -> LawyerLetter:
    """Reject a draft letter with a reason (again: a no-op; an approved letter: CONFLICT)."""
    check_access("escalation.letter.decide", principal)
    text = (reason or "").strip()
    if not 1 <= len(text) <= 500:
        raise BadInput("reason: give a reason of 1-500 characters", field="reason")
    number = parse_id(letter_id, "id", "a letter id")
    letter = session.scalar(select(LawyerLetter).where(LawyerLetter.id == number,
                                                       LawyerLetter.creditor_id == principal.institution_id))
    if letter is None:
        raise NotFound(f"no lawyer's letter of yours with id {number}")
    if letter.status == "approved":
        raise Conflict(f"lawyer's letter {number} is already approved")
    if letter.status == "draft":
        letter.status, letter.reject_reason = "rejected", text
        letter.rejected_by, letter.rejected_at = principal.user_id, utcnow()
        session.flush()
    return letter
