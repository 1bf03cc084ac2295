"""What the ladder shows: a bank's collections board, its debts by stage (keyset pages), and the regulator's stage
counts per bank. Every read asks the policy first and is scoped to the rows it allows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.errors import BadInput
from portal.registry.models import Debt
from portal.registry.scoping import assigned_to, not_retained
from portal.registry.vocab import Purpose, days_past_due, shanghai_today
from portal.services.escalation.ladder import STAGE_CODES
from portal.services.escalation.models import DebtStage, EscalationSweep, LawyerLetter, StageTransition
from portal.tenancy.models import Institution


@dataclass
class Board:
    """A bank's morning view: debts per stage, what the sweep moved that day, letters to approve, referrals."""

    as_of: date
    per_stage: dict[str, int]
    moved: dict[str, int]  # by destination stage ('left': off the ladder)
    letters_awaiting: int
    referral_candidates: int
    last_sweep: EscalationSweep | None


@dataclass
class StagedDebt:
    """A debt on the ladder as the viewer may see it."""

    debt_id: int
    client_key: str
    stage: str
    entered_on: date
    days_past_due: int
    due_on: date
    outstanding_fen: int
    currency: str
    referral_candidate: bool


@dataclass
class BankStages:
    """One bank's stage counts (the regulator's aggregate row)."""

    institution: Institution
    per_stage: dict[str, int] = field(default_factory=dict)


@guarded("escalation.board.read")
def board(principal: Principal, *, as_of: date | None = None, session: Session) -> Board:
    """The collections board of the principal's bank as of a Shanghai date (today by default)."""
    check_access("escalation.board.read", principal)
    inst = principal.institution_id
    day = as_of or shanghai_today()
    per_stage = dict.fromkeys(STAGE_CODES, 0)
    per_stage.update(session.execute(select(DebtStage.stage, func.count()).where(DebtStage.creditor_id == inst)
                                     .group_by(DebtStage.stage)).all())
    moved: dict[str, int] = {}
    for stage, count in session.execute(
        select(StageTransition.to_stage, func.count())
        .where(StageTransition.creditor_id == inst, StageTransition.swept_on == day)
        .group_by(StageTransition.to_stage)
    ):
        moved[stage or "left"] = count
    letters = session.scalar(select(func.count()).select_from(LawyerLetter)
                             .where(LawyerLetter.creditor_id == inst, LawyerLetter.status == "draft")) or 0
    referrals = session.scalar(select(func.count()).select_from(DebtStage).where(
        DebtStage.creditor_id == inst, DebtStage.referral_candidate.is_(True))) or 0
    last = session.scalar(select(EscalationSweep).where(EscalationSweep.creditor_id == inst)
                          .order_by(EscalationSweep.id.desc()).limit(1))
    return Board(day, per_stage, moved, letters, referrals, last)


@guarded("escalation.stage.list")
def list_staged_debts(principal: Principal, *, stage: str | None = None, purpose: Purpose | None = None,
                      after_id: int | None = None, limit: int = 20, session: Session) -> list[StagedDebt]:
    """Debts on the ladder the principal may see (its book; an agency its assigned debts; the regulator all with
    SUPERVISION), optionally of one stage, by debt id."""
    decision = check_access("escalation.stage.list", principal, purpose=purpose)
    if stage is not None and stage not in STAGE_CODES:
        raise BadInput(f"stage {stage!r} is not one of {', '.join(STAGE_CODES)}", field="stage")
    stmt = (select(DebtStage, Debt.client_key, Debt.status, Debt.due_on, Debt.outstanding_fen, Debt.currency)
            .join(Debt, Debt.id == DebtStage.debt_id).order_by(DebtStage.debt_id).limit(max(1, int(limit))))
    today = shanghai_today()
    if decision["scope"] == "creditor":
        stmt = stmt.where(DebtStage.creditor_id == principal.institution_id, not_retained(today))
    elif decision["scope"] == "assigned":
        stmt = stmt.where(assigned_to(principal.institution_id, DebtStage.debt_id), not_retained(today))
    if stage is not None:
        stmt = stmt.where(DebtStage.stage == stage)
    if after_id is not None:
        stmt = stmt.where(DebtStage.debt_id > int(after_id))
    return [
        StagedDebt(row.debt_id, key, row.stage, row.entered_on, days_past_due(status, due_on, today), due_on, fen,
                   currency, row.referral_candidate)
        for row, key, status, due_on, fen, currency in session.execute(stmt)
    ]


@guarded("escalation.aggregate.read")
def stage_aggregates(principal: Principal, *, session: Session) -> list[BankStages]:
    """Debts per stage for every bank (the regulator), banks with nothing on the ladder included."""
    check_access("escalation.aggregate.read", principal)
    banks = {inst.id: BankStages(inst, dict.fromkeys(STAGE_CODES, 0)) for inst in session.scalars(
        select(Institution).where(Institution.kind == "bank").order_by(Institution.code))}
    for creditor_id, stage, count in session.execute(
        select(DebtStage.creditor_id, DebtStage.stage, func.count()).group_by(DebtStage.creditor_id, DebtStage.stage)
    ):
        if creditor_id in banks:
            banks[creditor_id].per_stage[stage] = count
    return list(banks.values())
