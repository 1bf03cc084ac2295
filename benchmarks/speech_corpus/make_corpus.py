"""Compose the labelled violating-speech corpus (dev and held-out) from templates, deterministically.

Usage: ``python benchmarks/speech_corpus/make_corpus.py [--seed 20260301] [--repeats 3] [--out DIR]``

Writes ``dev.jsonl`` (from ``dev_templates.json``) and ``heldout.jsonl`` (from ``heldout_templates.json``). Each
line is a transcript in the CONTRACT.md input format plus a ``labels`` list of ``{"turn", "kind", "family"}`` for the
agent turns that carry a violation. The two sets share no template, filler or slot value; see docs/speech-corpus.md.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
CATALOGUE = HERE.parents[1] / "standards" / "speech" / "violation_catalogue.json"

# Extra colloquial / code-switched decorations, one list per set so the sets stay disjoint.
DECOR = {
    "dev": {"zh": ["OK，", "sorry啊，", "这个，", "就是说，"], "en": ["like, ", "I mean, ", "哎呀, ", "basically "]},
    "heldout": {
        "zh": ["反正，", "honestly讲，", "怎么说呢，", "其实，"],
        "en": ["kinda ", "see, ", "ok la, ", "frankly "],
    },
}


def _load_templates(name: str) -> SimpleNamespace:
    """Read ``<name>_templates.json`` beside this script (keys SLOTS, VIOLATIONS, NEAR_MISS, AGENT_CLEAN, ...)."""
    with (HERE / f"{name}_templates.json").open(encoding="utf-8") as fh:
        return SimpleNamespace(**json.load(fh))


def _families() -> dict[str, str]:
    with CATALOGUE.open(encoding="utf-8") as fh:
        return {k["id"]: k["family"] for k in json.load(fh)}


class Composer:
    """Builds transcripts from one template module with one seeded random generator."""

    def __init__(self, tpl, set_name: str, seed: int):
        self.tpl = tpl
        self.rng = random.Random(f"{set_name}:{seed}")
        self.decor = DECOR[set_name]
        self.families = _families()

    def fill(self, text: str, lang: str) -> str:
        """Replace ``{SLOT}`` markers with slot values of this set."""
        for slot, values in self.tpl.SLOTS[lang].items():
            marker = "{" + slot + "}"
            while marker in text:
                text = text.replace(marker, self.rng.choice(values), 1)
        return text

    def wrap(self, core: str, lang: str) -> str:
        """Decorate a core utterance with fillers, colloquial or code-switched openers, or a clean lead-in sentence."""
        rng = self.rng
        fill = self.tpl.FILLERS[lang]
        text = core
        roll = rng.random()
        if roll < 0.35:
            text = rng.choice(fill["pre"]) + text
        elif roll < 0.55:
            text = rng.choice(self.decor[lang]) + text
        elif roll < 0.75:
            sep = "。" if lang == "zh" else ". "
            lead = self.fill(rng.choice(self.tpl.AGENT_CLEAN[lang]), lang)
            text = lead + sep + text
        if rng.random() < 0.4:
            text = text + rng.choice(fill["post"])
        if lang == "en" and rng.random() < 0.3:
            text = text[:1].upper() + text[1:]
        return self.fill(text, lang)

    def clean_agent(self, lang: str) -> str:
        """An ordinary compliant agent turn."""
        return self.fill(self.rng.choice(self.tpl.AGENT_CLEAN[lang]), lang)

    def debtor(self, lang: str) -> str:
        """A debtor turn (sometimes rude or threatening: never the agent's fault)."""
        return self.rng.choice(self.tpl.DEBTOR[lang])

    def transcript(self, lang: str, payload: list[tuple[str, str, str | None]]) -> tuple[list[dict], list[dict]]:
        """Lay out a call: clean opening, debtor replies, the payload agent turns, a clean close.

        ``payload`` items are ``(speaker, text, kind_or_None)``; a kind marks a labelled violation.
        """
        rng = self.rng
        turns = [{"speaker": "agent", "text": self.clean_agent(lang)}, {"speaker": "debtor", "text": self.debtor(lang)}]
        labels = []
        for speaker, text, kind in payload:
            if speaker == "agent" and turns[-1]["speaker"] == "agent":
                turns.append({"speaker": "debtor", "text": self.debtor(lang)})
            if kind is not None:
                labels.append({"turn": len(turns), "kind": kind, "family": self.families[kind]})
            turns.append({"speaker": speaker, "text": text})
            if rng.random() < 0.5:
                turns.append({"speaker": "debtor", "text": self.debtor(lang)})
        for _ in range(rng.randint(0, 3)):
            turns.append({"speaker": "agent", "text": self.clean_agent(lang)})
            turns.append({"speaker": "debtor", "text": self.debtor(lang)})
        if rng.random() < 0.15:
            turns.append({"speaker": "third_party", "text": "喂？" if lang == "zh" else "hello?"})
        return turns, labels


def build(set_name: str, seed: int, repeats: int) -> list[dict]:
    """All transcripts of one set: every violation template, near-miss and echo ``repeats`` times, plus clean calls."""
    tpl = _load_templates(set_name)
    comp = Composer(tpl, set_name, seed)
    rng = comp.rng
    items: list[tuple[str, list]] = []
    for kind, by_lang in sorted(tpl.VIOLATIONS.items()):
        for lang, cores in sorted(by_lang.items()):
            for core in cores:
                for _ in range(repeats):
                    payload = [("agent", comp.wrap(core, lang), kind)]
                    if rng.random() < 0.3:  # a near-miss in the same call
                        fam = rng.choice(sorted(tpl.NEAR_MISS))
                        payload.insert(
                            rng.randint(0, 1), ("agent", comp.wrap(rng.choice(tpl.NEAR_MISS[fam][lang]), lang), None)
                        )
                    items.append((lang, payload))
    for _fam, by_lang in sorted(tpl.NEAR_MISS.items()):
        for lang, texts in sorted(by_lang.items()):
            for text in texts:
                for _ in range(repeats):
                    items.append((lang, [("agent", comp.wrap(text, lang), None)]))
    for lang, pairs in sorted(tpl.ECHO.items()):
        for debtor_text, agent_text in pairs:
            for _ in range(repeats):
                items.append((lang, [("debtor", debtor_text, None), ("agent", agent_text, None)]))
    n_clean = len(items) // 3
    for i in range(n_clean):
        items.append(("zh" if i % 2 else "en", []))
    rng.shuffle(items)
    out = []
    for i, (lang, payload) in enumerate(items):
        turns, labels = comp.transcript(lang, payload)
        out.append({"id": f"{set_name}-{i:05d}", "language": lang, "turns": turns, "labels": labels})
    return out


def main(argv: list[str] | None = None) -> None:
    """Write dev.jsonl and heldout.jsonl."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    for set_name in ("dev", "heldout"):
        rows = build(set_name, args.seed, args.repeats)
        path = args.out / f"{set_name}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        n_pos = sum(len(r["labels"]) for r in rows)
        print(f"{path}: {len(rows)} transcripts, {n_pos} labelled violations")


if __name__ == "__main__":
    main()
