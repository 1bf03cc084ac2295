"""The daily sweep: stage boundaries in Shanghai days, transitions recorded once, letters drafted with masked
identifiers and exact yuan, large judicial debts flagged, settled debts leaving the ladder, chunks equivalent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from escalation_world import AS_OF, sweep
from sqlalchemy import func, select

from portal.core.errors import BadInput, Forbidden
from portal.core.identifiers import mask_id_number
from portal.services.escalation import operations
from portal.services.escalation.models import DebtStage, LawyerLetter, StageTransition


def _stages(world) -> dict[str, str]:
    with world.app.extensions["db"].unit_of_work() as s:
        rows = dict(s.execute(select(DebtStage.debt_id, DebtStage.stage)).all())
    return {key: rows.get(debt_id) for key, debt_id in world.debts.items()}


def _count(world, model) -> int:
    with world.app.extensions["db"].unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_stage_boundaries_in_shanghai_days(book):
    sweep(book)
    stages = _stages(book)
    assert stages["d0"] is None  # due today: not overdue yet
    assert (stages["d1"], stages["d30"]) == ("reminder", "reminder")
    assert (stages["d31"], stages["d90"]) == ("lawyer_letter", "lawyer_letter")
    assert (stages["d91"], stages["big"]) == ("judicial", "judicial")
    assert stages["current"] is None  # a debt reported current runs no days past due
    assert stages["b1"] is None  # bank-b's book is not bank-a's sweep


def test_sweep_date_is_the_shanghai_date_near_midnight_utc(book, monkeypatch):
    # 16:30 UTC on the 19th is 00:30 on the 20th in Shanghai: d31 has crossed day 31 there, not yet in UTC
    monkeypatch.setattr("portal.registry.vocab.utcnow", lambda: datetime(2026, 11, 19, 16, 30, tzinfo=UTC))
    with book.app.extensions["db"].unit_of_work() as s:
        row = operations.run_sweep(book.p("bank-a"), book.p("bank-a").institution_id, session=s,
                                   keyring=book.app.extensions["keyring"])
        assert row.as_of == date(2026, 11, 20)
    assert _stages(book)["d31"] == "lawyer_letter"
    assert _stages(book)["d1"] == "reminder"


def test_transitions_recorded_once_and_the_second_sweep_changes_nothing(book):
    first = sweep(book)
    assert first["transitions"] == 7  # d1 d30 d31 d90 d91 big big-minus
    assert first["letters"] == 2 and first["referrals"] == 1
    before = (_count(book, StageTransition), _count(book, LawyerLetter), _count(book, DebtStage))
    second = sweep(book)
    assert (second["transitions"], second["letters"], second["referrals"]) == (0, 0, 0)
    assert (_count(book, StageTransition), _count(book, LawyerLetter), _count(book, DebtStage)) == before
    with book.app.extensions["db"].unit_of_work() as s:
        row = s.scalar(select(StageTransition).where(StageTransition.debt_id == book.debts["d31"]))
        assert (row.from_stage, row.to_stage, row.swept_on) == (None, "lawyer_letter", AS_OF)


def test_a_debt_moving_on_records_from_and_to(book):
    sweep(book, as_of=AS_OF - timedelta(days=1))  # d31 was 30 days past due then
    assert _stages(book)["d31"] == "reminder"
    result = sweep(book)
    with book.app.extensions["db"].unit_of_work() as s:
        moves = s.execute(select(StageTransition.from_stage, StageTransition.to_stage, StageTransition.swept_on)
                          .where(StageTransition.debt_id == book.debts["d31"]).order_by(StageTransition.id)).all()
    assert moves == [(None, "reminder", AS_OF - timedelta(days=1)), ("reminder", "lawyer_letter", AS_OF)]
    assert result["transitions"] == 3  # d1 enters, d31 and d91 move up
    assert result["letters"] == 1


def test_letters_mask_the_identifier_and_show_exact_yuan(book):
    sweep(book)
    with book.app.extensions["db"].unit_of_work() as s:
        letter = s.scalar(select(LawyerLetter).where(LawyerLetter.debt_id == book.debts["d31"]))
    number = book.numbers["d31"]
    assert number not in letter.body_zh
    assert mask_id_number(number) in letter.body_zh
    assert "人民币12345.67元" in letter.body_zh
    assert "张伟" in letter.body_zh and "2026年10月20日" in letter.body_zh  # debtor and due date
    assert "2026年12月5日" in letter.body_zh and letter.pay_by == date(2026, 12, 5)  # 15 days to pay
    assert "民法典" in letter.body_zh and "逾期31天" in letter.body_zh
    assert (letter.status, letter.amount_fen) == ("draft", 1234567)


def test_large_debts_entering_judicial_are_referral_candidates(book):
    sweep(book)
    with book.app.extensions["db"].unit_of_work() as s:
        flagged = set(s.scalars(select(DebtStage.debt_id).where(DebtStage.referral_candidate.is_(True))))
    assert flagged == {book.debts["big"]}  # 5,000,000.00 is flagged; 4,999,999.99 is not


def test_settled_debts_leave_the_ladder(book):
    sweep(book)
    book.report("bank-a", "d31", due_on=AS_OF - timedelta(days=31), status="SETTLED", outstanding="0.00",
                seq=book.numbers["d31"][14:17], settled_on=AS_OF)
    result = sweep(book)
    assert result["transitions"] == 1 and result["letters"] == 0
    assert _stages(book)["d31"] is None
    with book.app.extensions["db"].unit_of_work() as s:
        last = s.scalar(select(StageTransition).where(StageTransition.debt_id == book.debts["d31"])
                        .order_by(StageTransition.id.desc()).limit(1))
        assert (last.from_stage, last.to_stage) == ("lawyer_letter", None)
    assert sweep(book)["transitions"] == 0


def test_chunks_give_the_same_result_as_one_pass(book):
    result = sweep(book, chunk_size=2)
    assert result["chunks"] == 5 and result["transitions"] == 7 and result["letters"] == 2
    assert _stages(book)["d90"] == "lawyer_letter"


def test_sweep_dates_only_go_forward(book):
    sweep(book)
    with pytest.raises(BadInput, match="before this bank's last sweep"):
        sweep(book, as_of=AS_OF - timedelta(days=1))
    with pytest.raises(BadInput, match="in the future"):
        sweep(book, as_of=date(2999, 1, 1))


def test_only_the_bank_or_the_regulator_sweeps_a_book(book):
    with pytest.raises(Forbidden):
        _sweep_as(book, "bank-b", "bank-a")
    for code in ("agency-a", "mediator", "tracer"):
        with pytest.raises(Forbidden):
            _sweep_as(book, code, "bank-a")
    assert _sweep_as(book, "regulator", "bank-a").transitions == 7


def _sweep_as(world, who: str, bank: str):
    with world.app.extensions["db"].unit_of_work() as s:
        return operations.run_sweep(world.p(who), world.p(bank).institution_id, AS_OF, session=s,
                                    keyring=world.app.extensions["keyring"])
