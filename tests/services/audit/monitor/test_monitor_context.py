"""Context scopes: negation, reported/quoted speech, debtor speech, lawful litigation mentions, echoed questions."""

from __future__ import annotations

import pytest

from portal.core.errors import BadInput
from portal.services.audit.monitor import scan_transcript, scan_utterance


def kinds(text: str, lang: str) -> list[str]:
    return [f.kind for f in scan_utterance(text, lang, "agent")]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("我们不会上门", "zh"),
        ("我们绝对不会派人去你家找你", "zh"),
        ("没有人会抓您，这是民事纠纷", "zh"),
        ("我们不会联系您通讯录里的任何人", "zh"),
        ("您没有义务替他还款", "zh"),
        ("抓您坐牢？不会的，您放心", "zh"),
        ("We won't send anyone to your house.", "en"),
        ("Nobody is going to arrest you over this.", "en"),
        ("We will never call your employer.", "en"),
        ("We don't contact your contacts, only you.", "en"),
    ],
)
def test_negated_statements_are_not_findings(text, lang):
    assert kinds(text, lang) == []


@pytest.mark.parametrize(
    ("text", "lang", "kind"),
    [
        ("你不还钱，我们就上你家找你，叫几个兄弟一起", "zh", "VS-F01-05"),
        ("再不还就把你抓起来", "zh", "VS-F02-01"),
        ("If you don't pay, we'll have you arrested.", "en", "VS-F02-01"),
        ("You won't get away with it, we'll call your boss.", "en", "VS-F06-04"),
    ],
)
def test_negation_in_the_condition_does_not_clear_the_threat(text, lang, kind):
    assert kind in kinds(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("您说有人威胁要打断您的腿？请马上报警", "zh"),
        ("如果有人说要抓您坐牢，那是诈骗，请挂断", "zh"),
        ("他在电话里说：“不还钱就打断你的腿”，这种话我们绝不会说", "zh"),
        ("You said someone threatened to break your legs? Please report that to the police.", "en"),
        ("If anyone says you'll be arrested over this, it's a scam.", "en"),
    ],
)
def test_reported_or_quoted_speech_is_not_the_agents_threat(text, lang):
    assert kinds(text, lang) == []


def test_scare_quotes_are_not_reported_speech():
    """Quotation marks around a word without a reporting cue do not hide a violation."""
    assert "VS-F03-04" in kinds("一个女的欠这么多钱，要不要我教你怎么用别的方式“还”？", "zh")


def test_debtor_insults_and_threats_are_never_findings():
    turns = [
        {"speaker": "debtor", "text": "你们这帮骗子，王八蛋，再打电话我弄死你"},
        {"speaker": "third_party", "text": "他就是个老赖"},
        {"speaker": "agent", "text": "我理解您的情绪，我们可以商量分期"},
    ]
    assert scan_transcript(turns, "zh") == []
    assert scan_utterance("I'll kill you, you bastards", "en", "debtor") == []


def test_agent_echoing_the_debtor_as_a_question_is_not_held_against_the_agent():
    turns = [{"speaker": "debtor", "text": "你们这帮骗子"}, {"speaker": "agent", "text": "骗子？我们是正规委托机构"}]
    assert scan_transcript(turns, "zh") == []
    turns = [
        {"speaker": "debtor", "text": "You're all liars and crooks!"},
        {"speaker": "agent", "text": "Liars and crooks? I understand you're upset."},
    ]
    assert scan_transcript(turns, "en") == []


def test_agent_affirming_the_debtors_insult_is_a_finding():
    """Echo as a statement (not a question) is the agent's own insult."""
    turns = [{"speaker": "debtor", "text": "我是老赖又怎样"}, {"speaker": "agent", "text": "对，你就是个老赖"}]
    assert [f.kind for f in scan_transcript(turns, "zh")] == ["VS-F03-02"]
    assert [f.turn for f in scan_transcript(turns, "zh")] == [1]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("如协商不成，银行可能依法向法院提起诉讼", "zh"),
        ("工资扣划只有在法院判决并依法裁定后才可能发生", "zh"),
        ("We may refer the matter to court according to law.", "en"),
        ("If a court enters a judgment and it stays unpaid, the court decides on any enforcement.", "en"),
    ],
)
def test_lawful_litigation_mentions_are_clean(text, lang):
    assert kinds(text, lang) == []


@pytest.mark.parametrize(
    ("text", "lang", "kind"),
    [
        ("We'll have you arrested tomorrow.", "en", "VS-F02-01"),
        ("明天就让警察把你抓走", "zh", "VS-F02-01"),
        ("We'll start taking money from your paycheck next week, no court needed.", "en", "VS-F05-04"),
    ],
)
def test_unlawful_litigation_threats_are_findings(text, lang, kind):
    assert kind in kinds(text, lang)


def test_bad_arguments_raise_bad_input():
    with pytest.raises(BadInput):
        scan_utterance("hi", "fr", "agent")
    with pytest.raises(BadInput):
        scan_utterance("hi", "en", "robot")
