"""Fixes from review: a threatened visit to the family and public shaming in the community are found, and adjacent
same-kind matches in one turn are one finding."""

from __future__ import annotations

from portal.services.audit.monitor import scan_transcript, scan_utterance


def _kinds(text: str, language: str = "zh") -> list[str]:
    return [f.kind for f in scan_utterance(text, language, "agent")]


def test_threatened_visit_to_the_family_and_shaming():
    assert _kinds("明天我们就上门找你家人") == ["VS-F01-05"]
    assert _kinds("你再不还钱，我们明天就上门找你家人，让你在村里抬不起头") == ["VS-F01-05", "VS-F06-06"]
    assert _kinds("we'll come round to your house and have a word with your family", "en") == ["VS-F01-05"]
    assert _kinds("we will make sure the whole neighbourhood knows you don't pay", "en") == ["VS-F06-06"]


def test_negated_or_lawful_forms_stay_clean():
    assert _kinds("我们不会上门找您家人，这件事只跟您本人沟通") == []
    assert _kinds("您欠款的事我们不会让村里任何人知道") == []


def test_adjacent_same_kind_spans_merge_into_one_finding():
    found = scan_utterance("不还钱就让公安来抓你坐牢", "zh", "agent")
    assert [(f.kind, f.start, f.end) for f in found] == [("VS-F02-01", 8, 12)]
    assert found[0].confidence > 0.85  # two matches combine as evidence
    # separated by a clause break they stay two findings
    assert len(scan_utterance("不还钱就抓你，让你坐牢", "zh", "agent")) == 2
    turns = [{"speaker": "agent", "text": "不还钱就让公安来抓你坐牢"}]
    assert len(scan_transcript(turns, "zh")) == 1
