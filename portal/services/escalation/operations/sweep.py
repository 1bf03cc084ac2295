"""The daily sweep, set-based: per chunk of a bank's debts (a range of ids), a handful of SQL statements compute every
debt's stage, record the transitions, move the current stages, flag large debts entering the judicial stage and
draft the lawyer's letters; nothing is read or written one debt at a time (but the letters' text, made in Python).

A debt's stage comes from its days past due as of the sweep's Shanghai date, by the registry's rule (only debts in
arrears run days past due). Comparing the due date with one cut-off date per stage (``due_on <= as_of - min_dpd``)
keeps date arithmetic out of SQL, so SQLite and PostgreSQL run the same statements.

Idempotent: a transition is recorded only where the computed stage differs from the stored one, so running the
sweep again the same day (or redelivering a chunk) records nothing and drafts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Boolean, Date, and_, case, delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.crypto import Keyring
from portal.core.errors import BadInput
from portal.core.timeutil import utcnow
from portal.registry.models import Debt
from portal.registry.vocab import ARREARS, shanghai_today
from portal.services.escalation.ladder import Ladder, parse_ladder
from portal.services.escalation.models import DebtStage, EscalationSweep, StageTransition
from portal.services.escalation.operations.ladders import ladder_in_force
from portal.services.escalation.operations.letters import draft_letters
from portal.tenancy.models import Institution

CHUNK = 50_000
"""Debts per chunk (one Celery task each; memory stays flat whatever the book's size)."""
_ARREARS = tuple(s.value for s in ARREARS)


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk changed."""

    transitions: int
    letters: int
    referrals: int


def stage_expression(ladder: Ladder, as_of: date):  # noqa: ANN201 - an SQL expression
    """SQL CASE giving each debt's stage code as of ``as_of`` (NULL: off the ladder)."""
    cut = ladder.due_on_or_before(as_of)
    arrears = Debt.status.in_(_ARREARS)
    whens = [(and_(arrears, Debt.due_on <= literal(cut[s.code], Date)), s.code) for s in reversed(ladder.stages)]
    return case(*whens, else_=None)


def _bank(session: Session, creditor_id: int) -> Institution:
    inst = session.get(Institution, creditor_id) if isinstance(creditor_id, int) else None
    if inst is None or inst.kind != "bank":
        raise BadInput(f"bank: {creditor_id!r} is not a bank", field="bank")
    return inst


def _check_date(session: Session, creditor_id: int, as_of: date) -> None:
    if as_of > shanghai_today():
        raise BadInput(f"asOf: {as_of.isoformat()} is in the future", field="asOf")
    last = session.scalar(select(func.max(EscalationSweep.as_of)).where(EscalationSweep.creditor_id == creditor_id))
    if last is not None and as_of < last:
        raise BadInput(f"asOf: {as_of.isoformat()} is before this bank's last sweep ({last.isoformat()})",
                       field="asOf")


def chunk_bounds(session: Session, creditor_id: int, chunk_size: int = CHUNK) -> list[int]:
    """Lower debt-id bounds of the chunks of a bank's book (every ``chunk_size``-th id; one query, window function)."""
    numbered = select(Debt.id.label("id"), func.row_number().over(order_by=Debt.id).label("rn")).where(
        Debt.creditor_id == creditor_id).subquery()
    bounds = list(session.scalars(select(numbered.c.id).where((numbered.c.rn - 1) % chunk_size == 0)
                                  .order_by(numbered.c.id)))
    return bounds or [0]


@guarded("escalation.sweep.run")
def plan_sweep(principal: Principal, creditor_id: int, as_of: date | None = None, *, session: Session,
               chunk_size: int | None = None) -> tuple[EscalationSweep, list[tuple[int, int | None]]]:
    """Open a sweep of one bank's book as of a Shanghai date (today by default); returns it and its chunks as
    ``(first id, next chunk's first id or None)``; ``chunk_size`` defaults to :data:`CHUNK`."""
    check_access("escalation.sweep.run", principal, creditor_id=creditor_id)
    _bank(session, creditor_id)
    day = as_of or shanghai_today()
    _check_date(session, creditor_id, day)
    ladder = ladder_in_force(session)
    bounds = chunk_bounds(session, creditor_id, chunk_size or CHUNK)
    chunks = [(lo, bounds[i + 1] if i + 1 < len(bounds) else None) for i, lo in enumerate(bounds)]
    sweep = EscalationSweep(creditor_id=creditor_id, as_of=day, ladder_version=ladder.version,
                            started_by=principal.user_id, chunks_total=len(chunks))
    session.add(sweep)
    session.flush()
    return sweep, chunks


def _in_range(column, lo: int, hi: int | None):  # noqa: ANN001, ANN202 - SQL expressions
    return and_(column >= lo, column < hi) if hi is not None else column >= lo


@guarded("escalation.sweep.run")
def sweep_chunk(principal: Principal, sweep_id: int, lo: int, hi: int | None, *, session: Session,
                keyring: Keyring) -> ChunkResult:
    """Sweep the debts with ids in ``[lo, hi)`` of the sweep's bank: transitions, stages, referrals, letters."""
    sweep = session.get(EscalationSweep, sweep_id)
    if sweep is None:
        raise BadInput(f"sweep {sweep_id!r} does not exist", field="sweep")
    check_access("escalation.sweep.run", principal, creditor_id=sweep.creditor_id)
    ladder = ladder_in_force(session)
    if ladder.version != sweep.ladder_version:  # a ladder published mid-sweep applies from the next sweep
        ladder = _ladder_version(session, sweep.ladder_version) or ladder
    as_of, creditor = sweep.as_of, sweep.creditor_id
    before = session.scalar(select(func.coalesce(func.max(StageTransition.id), 0))) or 0
    new_stage = stage_expression(ladder, as_of)
    referral = case((and_(new_stage == "judicial", Debt.outstanding_fen >= ladder.referral_threshold_fen),
                     literal(True, Boolean)), else_=literal(False, Boolean))
    source = (
        select(literal(sweep_id), Debt.id, Debt.creditor_id, DebtStage.stage, new_stage,
               literal(as_of, Date), literal(utcnow(), StageTransition.at.type), Debt.due_on, Debt.outstanding_fen,
               referral)
        .select_from(Debt).outerjoin(DebtStage, DebtStage.debt_id == Debt.id)
        .where(Debt.creditor_id == creditor, _in_range(Debt.id, lo, hi), new_stage.is_distinct_from(DebtStage.stage))
    )
    columns = ["sweep_id", "debt_id", "creditor_id", "from_stage", "to_stage", "swept_on", "at", "due_on",
               "outstanding_fen", "referral_candidate"]
    session.execute(insert(StageTransition).from_select(columns, source))
    mine = and_(StageTransition.sweep_id == sweep_id, StageTransition.id > before,
                _in_range(StageTransition.debt_id, lo, hi))
    moved = session.execute(select(func.count(), func.coalesce(func.sum(case(
        (StageTransition.referral_candidate.is_(True), 1), else_=0)), 0)).where(mine)).one()
    if moved[0]:
        session.execute(delete(DebtStage).where(DebtStage.debt_id.in_(select(StageTransition.debt_id).where(mine))))
        session.execute(insert(DebtStage).from_select(
            ["debt_id", "creditor_id", "stage", "entered_on", "transition_id", "referral_candidate"],
            select(StageTransition.debt_id, StageTransition.creditor_id, StageTransition.to_stage,
                   StageTransition.swept_on, StageTransition.id, StageTransition.referral_candidate)
            .where(mine, StageTransition.to_stage.is_not(None))))
    letters = draft_letters(session, keyring, ladder, sweep_id, as_of, before, lo, hi) if moved[0] else 0
    result = ChunkResult(int(moved[0]), letters, int(moved[1]))
    session.execute(update(EscalationSweep).where(EscalationSweep.id == sweep_id).values(
        chunks_done=EscalationSweep.chunks_done + 1, transitions=EscalationSweep.transitions + result.transitions,
        letters=EscalationSweep.letters + result.letters, referrals=EscalationSweep.referrals + result.referrals,
    ).execution_options(synchronize_session=False))
    session.execute(update(EscalationSweep).where(EscalationSweep.id == sweep_id, EscalationSweep.finished_at.is_(None),
                                                  EscalationSweep.chunks_done >= EscalationSweep.chunks_total)
                    .values(finished_at=utcnow()).execution_options(synchronize_session=False))
    return result


def _ladder_version(session: Session, version: str) -> Ladder | None:
    from portal.services.escalation.models import EscalationLadder

    text = session.scalar(select(EscalationLadder.source_text).where(EscalationLadder.version == version))
    return parse_ladder(text) if text else None


@guarded("escalation.sweep.run")
def run_sweep(principal: Principal, creditor_id: int, as_of: date | None = None, *, session: Session,
              keyring: Keyring, chunk_size: int | None = None) -> EscalationSweep:
    """Plan and run a whole sweep of one bank in this unit of work, chunk after chunk (the Celery tasks spread the
    same chunks over workers instead)."""
    check_access("escalation.sweep.run", principal, creditor_id=creditor_id)
    sweep, chunks = plan_sweep(principal, creditor_id, as_of, session=session, chunk_size=chunk_size)
    for lo, hi in chunks:
        sweep_chunk(principal, sweep.id, lo, hi, session=session, keyring=keyring)
    session.refresh(sweep)
    return sweep


@guarded("escalation.sweep.run")
def banks_to_sweep(principal: Principal, *, session: Session) -> list[int]:
    """Ids of every bank (the scheduled sweep's fan-out), for the operator or the regulator."""
    check_access("escalation.sweep.run", principal, creditor_id=None)
    return list(session.scalars(select(Institution.id).where(Institution.kind == "bank").order_by(Institution.id)))
