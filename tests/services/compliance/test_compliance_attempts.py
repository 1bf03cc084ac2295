"""Contact attempts checked against the standard in force BEFORE contact, and violations recorded once logged."""

from __future__ import annotations

import pytest

from portal.core.errors import BadInput, Forbidden
from portal.services.compliance import operations as compliance
from tests.services.compliance.conftest import attempt, person_id, shanghai


def _check(world, **kw):
    app = world.app
    with app.extensions["db"].unit_of_work() as s:
        return compliance.check_contact(world.p("agency-a"), attempt(world, **kw), session=s,
                                        keyring=app.extensions["keyring"])


def _record(world, key, **kw):
    app = world.app
    with app.extensions["db"].unit_of_work() as s:
        result = compliance.record_contact_attempt(world.p("agency-a"), key, attempt(world, **kw), session=s,
                                                   keyring=app.extensions["keyring"])
        return result.allowed, result.refused_by, [v.rule for v in result.verdicts], result.attempt.state


def test_a_daytime_call_is_allowed(world):
    result = _check(world)
    assert result.allowed and result.standard == "cn-regional" and result.standard_version == "2026.1"


def test_quiet_hours_refused_at_2230_shanghai(world):
    result = _check(world, started_at=shanghai(2026, 11, 10, 22, 30))
    assert not result.allowed and result.refused_by == ["CS-TIME-01"]
    verdict = result.verdicts[0]
    assert "22:00" in verdict.message_en and verdict.message_zh


def test_seventh_unanswered_call_to_a_number_in_a_day_is_refused(world):
    for i in range(6):
        allowed, *_ = _record(world, f"u{i}", started_at=shanghai(2026, 11, 10, 9 + i), outcome="unanswered")
        assert allowed
    result = _check(world, started_at=shanghai(2026, 11, 10, 16))
    assert "CS-FREQ-03" in result.refused_by
    assert _check(world, started_at=shanghai(2026, 11, 11, 9)).allowed  # a new calendar day


def test_third_party_call_while_debtor_reachable_is_refused(world):
    result = _check(world, counterparty="third_party", number="13900001111")
    assert "CS-3P-02" in result.refused_by  # cn-regional: third parties only once the debtor is unreachable


def test_call_on_disputed_debt_is_refused(world):
    from portal.registry import operations as registry

    with world.app.extensions["db"].unit_of_work() as s:
        registry.open_dispute(world.p("bank-a"), world.debt_id, {"id_number": person_id("123")}, "amount is wrong",
                              session=s, keyring=world.app.extensions["keyring"])
    result = _check(world, started_at=shanghai(2026, 11, 29, 10))
    assert "CS-DISP-01" in result.refused_by


def test_planned_refusal_is_stored_and_idempotent(world):
    first = _record(world, "k1", started_at=shanghai(2026, 11, 10, 23))
    assert first == (False, ["CS-TIME-01"], ["CS-TIME-01"], "refused")
    assert _record(world, "k1", started_at=shanghai(2026, 11, 10, 23)) == first


def test_planned_then_logged_records_violations(world):
    assert _record(world, "k2")[3] == "planned"
    allowed, _refused, rules, state = _record(world, "k2", outcome="connected", duration_s=120, recorded=False)
    assert state == "logged" and "CS-REC-01" in rules
    with world.app.extensions["db"].unit_of_work() as s:
        mine = compliance.list_violations(world.p("agency-a"), after_id=None, limit=50, session=s)
        theirs = compliance.list_violations(world.p("agency-b"), after_id=None, limit=50, session=s)
        creditor = compliance.list_violations(world.p("bank-a"), after_id=None, limit=50, session=s)
        other_bank = compliance.list_violations(world.p("bank-b"), after_id=None, limit=50, session=s)
    assert [v.rule for v in mine if v.phase == "logged"] == ["CS-REC-01"]
    assert theirs == [] and other_bank == [] and len(creditor) == len(mine)


@pytest.mark.parametrize("code", ["agency-b", "bank-a", "regulator", "mediator", "tracer"])
def test_only_the_assigned_agency_may_plan_or_record(world, code):
    with world.app.extensions["db"].unit_of_work() as s, pytest.raises(Forbidden):
        compliance.check_contact(world.p(code), attempt(world), session=s, keyring=world.app.extensions["keyring"])


@pytest.mark.parametrize(
    "change, named",
    [({"channel": "pigeon"}, "pigeon"), ({"counterparty": "cousin"}, "cousin"), ({"number": "12"}, "number"),
     ({"debtor_tz": "Mars/Base"}, "Mars/Base"), ({"outcome": "maybe"}, "maybe")],
)
def test_bad_input_is_named_and_nothing_written(world, change, named):
    from sqlalchemy import func, select

    from portal.services.compliance.models import ContactAttempt

    with world.app.extensions["db"].unit_of_work() as s, pytest.raises(BadInput) as err:
        compliance.record_contact_attempt(world.p("agency-a"), "bad", attempt(world, **change), session=s,
                                          keyring=world.app.extensions["keyring"])
    assert named in str(err.value)
    with world.app.extensions["db"].unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(ContactAttempt)) == 0


def test_same_logs_under_us_regf_give_us_verdicts(world):
    """Judged under Regulation F the 7-in-7 call presumption applies per debt, not the Chinese daily caps."""
    import standards as std
    from tests.services.compliance.conftest import US_2021

    engine = std.Engine(std.parse_standard(US_2021))
    logs = [std.ContactAttempt(attempt_id=f"a{i}", debt_ref="d", debtor_ref="p", number="n", counterparty="debtor",
                               channel="call", started_at=shanghai(2026, 11, 3 + i // 2, 10 + i % 2),
                               outcome="unanswered", debtor_tz="America/New_York",
                               extra={"identified": True}) for i in range(8)]
    rules = {v.rule for v in engine.evaluate(logs)}
    assert "CS-FREQ-01" in rules and "CS-FREQ-03" not in rules
