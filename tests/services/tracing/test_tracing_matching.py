"""Name normalisation, match scores and the warning score (pure functions)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.core.timeutil import utcnow
from portal.services.tracing.kinds import KINDS
from portal.services.tracing.matching import THRESHOLD, Candidate, normalize_name, score_candidates
from portal.services.tracing.warning import SignalFact, warning_score


@pytest.mark.parametrize("raw", ["绍兴华丰纺织有限公司", "绍兴华丰纺织有限责任公司", " 绍兴 华丰纺织股份有限公司 ",
                                 "绍兴华丰纺织（越城分公司）", "绍兴华丰纺织(集团)有限公司", "绍兴华丰纺织公司"])
def test_suffixes_brackets_widths_and_spaces_are_stripped(raw):
    assert normalize_name(raw) == "绍兴华丰纺织"


def test_latin_names_fold_case_and_width():
    assert normalize_name("ＡＢＣ Trading Co., Ltd.") == normalize_name("abc trading company limited") == "abctrading"


def test_score_needs_place_and_refuses_ties():
    a = Candidate(1, "绍兴华丰纺织", "越城区")
    b = Candidate(2, "绍兴华丰纺织", "越城区")
    assert score_candidates("绍兴华丰纺织", None, None, [a]).debtor_id is None  # a name alone is not enough
    assert score_candidates("绍兴华丰纺织", "越城区", None, [a]).debtor_id == 1
    tie = score_candidates("绍兴华丰纺织", "越城区", None, [a, b])
    assert tie.debtor_id is None and "equally" in tie.explain["reason"]
    far = score_candidates("绍兴华丰纺织", "柯桥区", None, [a])
    assert far.debtor_id is None and far.score < THRESHOLD and far.explain["place"]["district"] == "differs"


def test_twelve_kinds_with_names_and_weights():
    assert len(KINDS) == 12 and len({k.code for k in KINDS}) == 12
    assert all(k.name_zh and k.name_en and k.weight > 0 for k in KINDS)
    assert any(k.name_zh == "失信被执行人" for k in KINDS)


def test_warning_decays_with_age_and_caps_at_100():
    now = utcnow()
    fresh = warning_score([SignalFact(1, "exit_entry", "critical", now)], now)
    old = warning_score([SignalFact(1, "exit_entry", "critical", now - timedelta(days=30))], now)
    assert fresh.score == 80 and fresh.level == "critical" and old.score == 40
    many = [SignalFact(i, k.code, "critical", now) for i, k in enumerate(KINDS)]
    assert warning_score(many, now).score == 100
    assert warning_score([SignalFact(1, "exit_entry", "critical", now - timedelta(days=400))], now).score == 0
