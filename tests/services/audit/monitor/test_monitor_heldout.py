"""Held-out evaluation against the issue's targets (critical families R>=0.95 at P>=0.80; others R>=0.90 at P>=0.85).

The held-out corpus (benchmarks/speech_corpus/heldout.jsonl) comes from templates written separately from the dev
ones and is never used for tuning. Families that miss their target on it are listed in KNOWN_SHORTFALLS with the
measured figures: the test fails if any other family misses, if a listed family falls below its measured figures,
or if a listed family starts meeting its target (then the list must be corrected).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[4]
# family: (recall, precision) measured on heldout.jsonl — see docs/speech-corpus.md. Empty since the second round
# for privacy_intimidation and required_disclosure_omission (both now meet their targets on held-out).
KNOWN_SHORTFALLS: dict[str, tuple[float, float]] = {}


def _bench():
    spec = importlib.util.spec_from_file_location("bench_audit", ROOT / "benchmarks" / "bench_audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_heldout_targets_per_family():
    scores = _bench().family_scores("heldout")
    assert len(scores) == 12
    for family, s in scores.items():
        if family in KNOWN_SHORTFALLS:
            recall, precision = KNOWN_SHORTFALLS[family]
            assert not s["ok"], f"{family} now meets its target: remove it from KNOWN_SHORTFALLS"
            assert s["recall"] >= recall and s["precision"] >= precision, (family, s)
        else:
            assert s["ok"], (family, s)


def test_corpus_files_are_reproducible(tmp_path):
    """make_corpus.py regenerates dev.jsonl and heldout.jsonl byte for byte (deterministic with its seed)."""
    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "benchmarks/speech_corpus/make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--out", str(tmp_path)])
    for name in ("dev", "heldout"):
        fresh = (tmp_path / f"{name}.jsonl").read_bytes()
        assert fresh == (ROOT / "benchmarks/speech_corpus" / f"{name}.jsonl").read_bytes()
        labels = [lab for line in fresh.decode("utf-8").splitlines() for lab in json.loads(line)["labels"]]
        assert len({lab["kind"] for lab in labels}) == 80


def test_heldout_and_dev_templates_share_no_violating_phrasing():
    def load(name):
        path = ROOT / f"benchmarks/speech_corpus/{name}_templates.json"
        return SimpleNamespace(**json.loads(path.read_text(encoding="utf-8")))

    dev, held = load("dev"), load("heldout")
    dev_cores = {c for by_lang in dev.VIOLATIONS.values() for cores in by_lang.values() for c in cores}
    held_cores = {c for by_lang in held.VIOLATIONS.values() for cores in by_lang.values() for c in cores}
    assert not dev_cores & held_cores
    assert set(dev.VIOLATIONS) == set(held.VIOLATIONS)
    for lang in ("zh", "en"):
        assert not set(dev.FILLERS[lang]["pre"]) & set(held.FILLERS[lang]["pre"])
        assert not {v for vs in dev.SLOTS[lang].values() for v in vs} & {
            v for vs in held.SLOTS[lang].values() for v in vs
        }
