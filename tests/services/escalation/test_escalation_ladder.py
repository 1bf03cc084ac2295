"""The ladder as data: the shipped default is valid and agrees with the standard's escalation stages; invented
stages, gaps and overlaps are refused; the regulator (only) publishes new thresholds, which the next sweep uses."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from escalation_world import AS_OF, sweep
from sqlalchemy import select

from portal.core.errors import BadInput, Conflict, Forbidden
from portal.services.escalation import operations
from portal.services.escalation.ladder import DEFAULT_PATH, default_ladder, parse_ladder
from portal.services.escalation.models import DebtStage
from standards import CATALOGUE_DIR

DEFAULT = DEFAULT_PATH.read_text(encoding="utf-8")


def test_default_ladder():
    ladder = default_ladder()
    assert [(s.code, s.min_dpd, s.max_dpd) for s in ladder.stages] == [
        ("reminder", 1, 30), ("lawyer_letter", 31, 90), ("judicial", 91, None)]
    assert [s.name_zh for s in ladder.stages] == ["自动提醒", "律师函", "司法程序"]
    assert ladder.referral_threshold_fen == 500_000_000
    assert [ladder.stage_for(d) and ladder.stage_for(d).code for d in (0, 1, 30, 31, 90, 91, 4000)] == [
        None, "reminder", "reminder", "lawyer_letter", "lawyer_letter", "judicial", "judicial"]


def test_default_ladder_matches_the_standards_escalation_stages():
    """CS-ESC-01 (channels per stage, keyed on days past due) and the ladder must not drift apart."""
    for version in ("2025.1", "2026.1"):
        data = tomllib.loads((Path(CATALOGUE_DIR) / "cn-regional" / f"{version}.toml").read_text(encoding="utf-8"))
        rule = next(r for r in data["rules"] if r["kind"] == "channel_stages")
        overdue = [(s["min_dpd"], s.get("max_dpd")) for s in rule["stages"] if s["min_dpd"] >= 1]
        assert overdue == [(s.min_dpd, s.max_dpd) for s in default_ladder().stages]


@pytest.mark.parametrize(("old", "new", "message"), [
    ('code = "reminder"', 'code = "gentle_nudge"', "reminder, lawyer_letter, judicial in that order"),
    ("min_dpd = 31", "min_dpd = 35", "must start the day after"),
    ("min_dpd = 31", "min_dpd = 30", "must start the day after"),
    ("min_dpd = 1\n", "min_dpd = 0\n", "starts at day 1"),
    ("min_dpd = 91\n", "min_dpd = 91\nmax_dpd = 365\n", "open-ended"),
    ('referral_threshold_yuan = "5000000.00"', "referral_threshold_yuan = 5000000.5", "decimal string"),
    ('referral_threshold_yuan = "5000000.00"', 'referral_threshold_yuan = "5000000.001"', "two decimal places"),
    ("letter_pay_within_days = 15", "letter_pay_within_days = 0", "between 1 and 90"),
    ('version = "2026.1"', 'version = "2026.1"\ncolour = "red"', "unknown field 'colour'"),
])
def test_invalid_ladders_are_refused(old, new, message):
    assert old in DEFAULT
    with pytest.raises(BadInput, match=message):
        parse_ladder(DEFAULT.replace(old, new, 1))


def test_the_regulator_publishes_thresholds_the_next_sweep_uses(book):
    stricter = (DEFAULT.replace('version = "2026.1"', 'version = "2026.2"').replace("max_dpd = 30", "max_dpd = 20")
                .replace("min_dpd = 31", "min_dpd = 21"))
    db = book.app.extensions["db"]
    for code in ("bank-a", "agency-a", "mediator"):
        with db.unit_of_work() as s, pytest.raises(Forbidden):
            operations.publish_ladder(book.p(code), stricter, session=s)
    with db.unit_of_work() as s:
        operations.publish_ladder(book.p("regulator"), stricter, session=s)
    with db.unit_of_work() as s, pytest.raises(Conflict):
        operations.publish_ladder(book.p("regulator"), stricter, session=s)
    book.report("bank-a", "d25", due_on=AS_OF - timedelta(days=25))
    sweep(book)
    with db.unit_of_work() as s:
        assert s.scalar(select(DebtStage.stage).where(DebtStage.debt_id == book.debts["d25"])) == "lawyer_letter"
        assert operations.read_ladder(book.p("tracer"), session=s).version == "2026.2"
