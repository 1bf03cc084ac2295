"""Every catalogue example of a monitored kind is flagged with its kind; every compliant near-miss is not flagged."""

from __future__ import annotations

import json
import re

import pytest

from portal.services.audit.monitor.patterns import default_root

_CJK = re.compile(r"[\u4e00-\u9fff]")
_CATALOGUE = json.loads((default_root() / "violation_catalogue.json").read_text(encoding="utf-8"))


def _lang(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def test_catalogue_copy_is_unchanged(shared_dir):
    """standards/speech/violation_catalogue.json is the shared catalogue, byte for byte."""
    ours = (default_root() / "violation_catalogue.json").read_bytes()
    assert ours == (shared_dir / "standards" / "violation_catalogue.json").read_bytes()


def test_scope_leaves_out_only_metadata_and_audio_kinds(det):
    """Excluded kinds are exactly those whose channel needs metadata or audio; all transcript kinds are monitored."""
    for entry in _CATALOGUE:
        channel = entry["detection"]["channel"]
        if channel == "transcript":
            assert entry["id"] in det.data.monitored, entry["id"]
        if entry["id"] in det.data.excluded:
            assert channel != "transcript", entry["id"]
    assert len(det.data.monitored) + len(det.data.excluded) == len(_CATALOGUE)


@pytest.mark.parametrize("entry", _CATALOGUE, ids=[e["id"] for e in _CATALOGUE])
def test_catalogue_example_flagged_and_near_miss_clean(det, entry):
    """The violating example yields its kind; the compliant near-miss yields no finding at all."""
    for text in entry["examples_compliant"]:
        assert det.scan_utterance(text, _lang(text)) == [], text
    if entry["id"] in det.data.excluded:
        return
    for text in entry["examples_violating"]:
        kinds = [f.kind for f in det.scan_utterance(text, _lang(text))]
        assert entry["id"] in kinds, (text, kinds)


def test_every_monitored_kind_has_rules_in_both_languages(det):
    """The pattern data covers all 80 monitored kinds in Chinese and in English."""
    for model in det.models.values():
        assert {r.kind for r in model.rules} == set(det.data.monitored)
