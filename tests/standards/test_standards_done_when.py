"""The issue's 'done when': four attempts refused under cn-regional with the right rule ids, and the same log
judged under us-regf giving the US verdicts."""

from __future__ import annotations

from standards_helpers import CN, US, attempt, event, planned, rules_broken


def _log() -> dict[str, object]:
    quiet = attempt("2026-03-02T22:30:00+08:00", attempt_id="quiet", debtor_ref="P1", number="N1", debt_ref="D1")
    unanswered = [
        attempt(
            f"2026-03-03T{9 + k:02d}:00:00+08:00",
            attempt_id=f"ring{k + 1}",
            debtor_ref="P7",
            number="N7",
            debt_ref="D7",
        )
        for k in range(7)
    ]
    reached = attempt(
        "2026-03-04T10:00:00+08:00",
        attempt_id="reached",
        debtor_ref="P3",
        number="N3",
        debt_ref="D3",
        outcome="connected",
        duration_s=120,
    )
    third = attempt(
        "2026-03-04T11:00:00+08:00",
        attempt_id="third",
        debtor_ref="P3",
        number="N3-friend",
        debt_ref="D3",
        counterparty="third_party",
        outcome="connected",
        purpose="location",
    )
    disputed = attempt(
        "2026-03-05T10:00:00+08:00", attempt_id="disputed", debtor_ref="P4", number="N4", debt_ref="D4", disputed=True
    )
    return {"quiet": quiet, "unanswered": unanswered, "reached": reached, "third": third, "disputed": disputed}


def _flat(log: dict[str, object]) -> list:
    return [log["quiet"], *log["unanswered"], log["reached"], log["third"], log["disputed"]]  # type: ignore[misc]


def test_cn_regional_refuses_each_case_with_its_rule():
    broken = rules_broken(CN, _flat(_log()))
    assert broken == {
        "quiet": ["CS-TIME-01"],
        "ring7": ["CS-FREQ-03"],
        "third": ["CS-3P-02"],
        "disputed": ["CS-DISP-01"],
    }


def test_same_log_under_us_regf_gives_the_us_verdicts():
    broken = rules_broken(US, _flat(_log()))
    assert broken == {
        "quiet": ["CS-TIME-01"],  # 22:30 is after 21:00 too
        "ring4": ["CS-FREQ-05-CONC"],  # 4+ calls to one number in a day: flagged for review, not refused
        "ring5": ["CS-FREQ-05-CONC"],
        "ring6": ["CS-FREQ-05-CONC"],
        "ring7": ["CS-FREQ-05-CONC"],
        "disputed": ["CS-DISP-01"],
    }  # the location call to a third party is lawful under Regulation F (1006.10)
    flags = [v for v in US.evaluate(_flat(_log())) if v.rule == "CS-FREQ-05-CONC"]
    assert {v.action for v in flags} == {"flag"}


def test_planned_checks_refuse_before_contact_under_cn():
    log = _log()
    history = _flat(log)
    cases = {
        "CS-TIME-01": planned("2026-03-06T22:30:00+08:00", debtor_ref="P1", number="N1", debt_ref="D1"),
        "CS-FREQ-03": planned("2026-03-03T16:00:00+08:00", debtor_ref="P7", number="N7", debt_ref="D7"),
        "CS-3P-02": planned(
            "2026-03-04T12:00:00+08:00",
            debtor_ref="P3",
            number="N3-cousin",
            debt_ref="D3",
            counterparty="third_party",
            purpose="location",
        ),
        "CS-DISP-01": planned("2026-03-05T11:00:00+08:00", debtor_ref="P4", number="N4", debt_ref="D4", disputed=True),
    }
    for rule, candidate in cases.items():
        decision = CN.check_planned(candidate, history)
        assert not decision.allowed
        assert decision.refused_by == (rule,), (rule, decision.verdicts)
        assert decision.standard_version == "2026.1"
    fine = planned("2026-03-06T10:00:00+08:00", debtor_ref="P1", number="N1", debt_ref="D1")
    assert CN.check_planned(fine, history).allowed


def test_us_planned_checks_give_us_answers():
    history = _flat(_log())
    eighth_call = planned("2026-03-03T16:00:00+08:00", debtor_ref="P7", number="N7", debt_ref="D7")
    decision = US.check_planned(eighth_call, history)
    assert decision.refused_by == ("CS-FREQ-01",)  # 7 calls in 7 days already: the 8th is refused
    assert [v.rule for v in decision.verdicts] == ["CS-FREQ-01", "CS-FREQ-05-CONC"]
    other_number = planned("2026-03-03T16:00:00+08:00", debtor_ref="P7", number="N7-work", debt_ref="D7")
    assert US.check_planned(other_number, history).refused_by == ("CS-FREQ-01",)  # per person, not per number
    assert CN.check_planned(other_number, history).allowed  # the CN cap is per number
    collection_call = planned(
        "2026-03-04T12:00:00+08:00",
        debtor_ref="P3",
        number="N3-boss",
        debt_ref="D3",
        counterparty="third_party",
        purpose="collection",
    )
    assert US.check_planned(collection_call, history).refused_by == ("CS-3P-01",)
    assert CN.check_planned(collection_call, history).refused_by == ("CS-3P-01", "CS-3P-02")


def test_dispute_from_events_holds_until_answered():
    opened = event("dispute_opened", "2026-03-05T09:00:00+08:00", debt_ref="D4")
    answered = event("dispute_answered", "2026-03-09T09:00:00+08:00", debt_ref="D4")
    during = attempt("2026-03-06T10:00:00+08:00", attempt_id="during", debtor_ref="P4", number="N4", debt_ref="D4")
    after = attempt("2026-03-10T10:00:00+08:00", attempt_id="after", debtor_ref="P4", number="N4", debt_ref="D4")
    other_debt = attempt("2026-03-06T15:00:00+08:00", attempt_id="other", debtor_ref="P4", number="N4", debt_ref="D5")
    for engine in (CN, US):
        assert rules_broken(engine, [during, after, other_debt], [opened, answered]) == {"during": ["CS-DISP-01"]}
    response = attempt(
        "2026-03-06T11:00:00+08:00",
        attempt_id="response",
        debtor_ref="P4",
        number="N4",
        debt_ref="D4",
        purpose="dispute_response",
        channel="letter",
    )
    assert rules_broken(CN, [response], [opened]) == {}


def test_verdict_carries_rule_version_inputs_and_both_languages():
    verdict = CN.evaluate([_log()["quiet"]])[0]  # type: ignore[list-item]
    assert (verdict.rule, verdict.rule_version, verdict.severity) == ("CS-TIME-01", "2025.1", "high")
    assert verdict.inputs["local_time"] == "22:30" and verdict.inputs["tz"] == "Asia/Shanghai"
    assert "22:30" in verdict.message_en and "quiet hours" in verdict.message_en
    assert "禁止催收时段" in verdict.message_zh and "22:30" in verdict.message_zh
    assert "RULES.md" in verdict.source
    line = verdict.as_json()
    assert {"attempt_id", "rule", "rule_version", "severity", "message"} <= set(line)
