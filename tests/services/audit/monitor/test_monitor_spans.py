"""Spans are offsets into the ORIGINAL turn text, whatever normalisation did to match it."""

from __future__ import annotations

import pytest

from portal.services.audit.monitor import scan_transcript, scan_utterance
from portal.services.audit.monitor.normalise import normalise


@pytest.mark.parametrize(
    ("text", "lang", "kind", "covers"),
    [
        ("喂，再不還錢，小心哪天出門被人打斷腿。", "zh", "VS-F01-01", "打斷腿"),
        ("ＯＫ，我們已經報警了！", "zh", "VS-F02-03", "報警了"),
        ("Um… WE’LL HAVE YOU ARRESTED tomorrow.", "en", "VS-F02-01", "ARRESTED"),
        ("Send us a post‑dated cheque; if it bounces we’ll have you prosecuted.", "en", "VS-F02-06", "cheque"),
        ("您的卡號是 6225 8801 2345 6789，對吧", "zh", "VS-F08-07", "6225 8801 2345 6789"),
    ],
)
def test_span_points_into_the_original_text(text, lang, kind, covers):
    found = [f for f in scan_utterance(text, lang, "agent") if f.kind == kind]
    assert found, (text, scan_utterance(text, lang, "agent"))
    f = found[0]
    assert 0 <= f.start < f.end <= len(text)
    assert covers in text[f.start : f.end]


def test_normalisation_keeps_length_for_every_character():
    sample = "Ａ－Ｚ　“引号”‘單’…—您她還們 We’re-gonna"
    for lang in ("zh", "en"):
        assert len(normalise(sample, lang)) == len(sample)


def test_turn_index_is_the_position_in_the_transcript():
    turns = [
        {"speaker": "agent", "text": "您好，我是催收专员"},
        {"speaker": "debtor", "text": "什么事"},
        {"speaker": "agent", "text": "我们已经报警了"},
    ]
    found = scan_transcript(turns, "zh")
    assert [(f.turn, f.kind) for f in found] == [(2, "VS-F02-03")]
    assert turns[2]["text"][found[0].start : found[0].end] in "我们已经报警了"


def test_findings_carry_catalogue_severity_confidence_and_rules(det):
    f = scan_utterance("We'll have you arrested tomorrow.", "en", "agent")[0]
    entry = det.data.catalogue[f.kind]
    assert f.severity == entry["severity"] == "critical"
    assert 0 < f.confidence <= 0.99
    assert list(f.rule_ids) == entry["standard_rule_ids"] and list(f.rule_refs) == entry["rule_refs"]
