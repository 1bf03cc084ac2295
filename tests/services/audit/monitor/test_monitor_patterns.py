"""The pattern loader validates regulator-editable data; every error names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.services.audit.monitor import Detector
from portal.services.audit.monitor.patterns import PatternError, contraction_variants, load


def _add(root: Path, lang: str, name: str, text: str) -> None:
    (root / "patterns" / lang / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "file", "field", "words"),
    [
        (
            '[[rules]]\nkind = "VS-F01-01"\nseq = ["NO_SUCH_CLASS"]\n',
            "zh/zz_new.toml",
            "rules[0].seq[0]",
            "unknown class",
        ),
        (
            '[[rules]]\nkind = "VS-F99-99"\nseq = ["HARM_BODY"]\n',
            "zh/zz_new.toml",
            "rules[0].kind",
            "not a catalogue kind",
        ),
        ('[[rules]]\nkind = "VS-F07-01"\nseq = ["HARM_BODY"]\n', "zh/zz_new.toml", "rules[0].kind", "excluded"),
        (
            '[[rules]]\nkind = "VS-F01-01"\nseq = ["HARM_BODY"]\nconfidence = 1.5\n',
            "zh/zz_new.toml",
            "rules[0].confidence",
            "(0, 1]",
        ),
        (
            '[[rules]]\nkind = "VS-F01-01"\nseq = ["HARM_BODY"]\nwindow = 0\n',
            "zh/zz_new.toml",
            "rules[0].window",
            "positive",
        ),
        (
            '[[rules]]\nkind = "VS-F01-01"\nseq = ["HARM_BODY"]\nscope = "page"\n',
            "zh/zz_new.toml",
            "rules[0].scope",
            "clause",
        ),
        ('[[rules]]\nkind = "VS-F01-01"\nseq = []\n', "zh/zz_new.toml", "rules[0].seq", "non-empty"),
        (
            '[[rules]]\nkind = "VS-F01-01"\nseq = ["HARM_BODY"]\ncolour = "red"\n',
            "zh/zz_new.toml",
            "rules[0].colour",
            "unknown field",
        ),
        ('[classes]\nHARM_BODY = ["x"]\n', "zh/zz_new.toml", "classes.HARM_BODY", "already defined in zh/"),
        ('[classes]\nlower = ["x"]\n', "zh/zz_new.toml", "classes.lower", "UPPER_CASE"),
        ('[classes]\nNEW_ONE = ["ok", ""]\n', "zh/zz_new.toml", "classes.NEW_ONE[1]", "non-empty string"),
        ('[classes]\nNEW_ONE = "not a list"\n', "zh/zz_new.toml", "classes.NEW_ONE", "non-empty list"),
        ("[classes\n", "zh/zz_new.toml", "(syntax)", ""),
        ("[settings]\nneg_window = 3\n", "zh/zz_new.toml", "settings", "already given in zh/_common.toml"),
        ("[runs]\nDIGITS = {min = 5}\n", "zh/zz_new.toml", "runs.DIGITS", "min = N, max = M"),
        (
            '[[rules]]\nkind = "VS-F01-01"\nseq = ["HARM_BODY"]\nsuppresses = ["VS-X"]\n',
            "zh/zz_new.toml",
            "rules[0].suppresses[0]",
            "not a catalogue kind",
        ),
        ("surprise = 1\n", "zh/zz_new.toml", "surprise", "unknown top-level key"),
    ],
)
def test_errors_name_file_and_field(speech_copy, text, file, field, words):
    _add(speech_copy, "zh", "zz_new.toml", text)
    with pytest.raises(PatternError) as info:
        load(speech_copy)
    err = info.value
    assert (err.file, err.where) == (file, field), str(err)
    assert words in str(err) and str(err).startswith(f"{file}: {field}: ")


def test_scope_file_errors_name_the_field(speech_copy):
    (speech_copy / "scope.toml").write_text('[excluded]\n"VS-F77-01" = "no such kind"\n', encoding="utf-8")
    with pytest.raises(PatternError, match=r"^scope.toml: excluded.VS-F77-01: not a catalogue kind"):
        load(speech_copy)


def test_a_regulator_can_add_a_pattern_without_code(speech_copy):
    """A new class and rule in a new file take effect in a detector built from that folder."""
    text = "我们会让你的生意做不下去"
    assert Detector(load(speech_copy)).scan_utterance(text, "zh") == []
    _add(
        speech_copy,
        "zh",
        "zz_business.toml",
        '[classes]\nRUIN_BUSINESS = ["生意做不下去", "让你关门"]\n'
        '[[rules]]\nkind = "VS-F01-04"\nseq = ["RUIN_BUSINESS"]\nconfidence = 0.7\n',
    )
    found = Detector(load(speech_copy)).scan_utterance(text, "zh")
    assert [(f.kind, f.confidence) for f in found] == [("VS-F01-04", 0.7)]


def test_english_terms_match_their_contractions():
    assert {"we will not call", "we won't call", "we wont call", "we'll not call"} <= set(
        contraction_variants("we will not call")
    )
