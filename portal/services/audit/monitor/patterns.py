"""Load, validate and compile the speech-monitor pattern data (``standards/speech/``) into matchers.

Data layout (see docs/audit-monitor.md for the full schema)::

    standards/speech/violation_catalogue.json     the catalogue, unchanged
    standards/speech/scope.toml                   [excluded] kinds left to the standards engine, with reasons
    standards/speech/patterns/<lang>/*.toml       [settings] (one file), [classes], [runs], [[rules]]

A *class* is a named list of terms (a lexical concept); a *rule* is an ordered (or unordered) sequence of classes that
must co-occur within ``window`` characters inside one clause/sentence/turn, with negation, reported-speech and
``unless`` (lawful-context) scopes. All terms of a language go into ONE Aho-Corasick automaton. Every validation error
is a :class:`PatternError` naming the file and the field.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick

from portal.core.errors import BadInput
from portal.services.audit.monitor.normalise import normalise_term

LANGUAGES = ("zh", "en")
SPECIAL = ("NEG", "EXEMPT", "NEG_BREAK", "NEG_AFTER", "REPORT", "SAY")
SCOPES = {"clause": 0, "sentence": 1, "turn": 2}
WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_CLASS_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_SETTINGS = {"default_window": int, "neg_window": int, "neg_after_window": int, "report_window": int,
             "quote_cue_window": int, "frequent": list}
_RULE_KEYS = {"kind", "seq", "window", "ordered", "scope", "confidence", "negation", "quote", "unless", "note",
              "suppresses"}

# English contractions: each expanded phrase in a term also matches these spellings (applied at compile time).
CONTRACTIONS = [
    ("will not", ["won't", "wont"]), ("do not", ["don't", "dont"]), ("does not", ["doesn't", "doesnt"]),
    ("did not", ["didn't", "didnt"]), ("cannot", ["can't", "cant", "can not"]), ("is not", ["isn't", "isnt"]),
    ("are not", ["aren't"]), ("was not", ["wasn't"]), ("have not", ["haven't"]), ("would not", ["wouldn't"]),
    ("should not", ["shouldn't"]), ("could not", ["couldn't"]), ("i am", ["i'm", "im"]),
    ("you are", ["you're", "youre", "ur"]), ("we are", ["we're"]), ("they are", ["they're"]), ("it is", ["it's"]),
    ("that is", ["that's", "thats"]), ("what is", ["what's"]), ("there is", ["there's"]), ("he is", ["he's"]),
    ("she is", ["she's"]), ("who is", ["who's"]), ("i will", ["i'll"]), ("we will", ["we'll"]),
    ("you will", ["you'll"]), ("they will", ["they'll"]), ("he will", ["he'll"]), ("she will", ["she'll"]),
    ("it will", ["it'll"]), ("i have", ["i've"]), ("we have", ["we've"]), ("you have", ["you've"]),
    ("i would", ["i'd"]), ("we would", ["we'd"]), ("you would", ["you'd"]), ("going to", ["gonna"]),
    ("want to", ["wanna"]), ("got to", ["gotta"]), ("let us", ["let's"]), ("your", ["ur"]),
]
_CONTRACTION_RE = [(re.compile(r"(?<![a-z'])" + re.escape(a) + r"(?![a-z'])"), a, alts) for a, alts in CONTRACTIONS]


class PatternError(BadInput):
    """A pattern or scope file is invalid; the message names the file and the field."""

    def __init__(self, file: str, where: str, message: str):
        super().__init__(f"{file}: {where}: {message}", field=where)
        self.file = file
        self.where = where


@dataclass(frozen=True)
class Rule:
    """One compiled rule: element alternatives are tuples of class ids."""

    rid: str
    kind: str
    seq: tuple[tuple[int, ...], ...]
    window: int
    ordered: bool
    scope: int
    confidence: float
    negation: bool
    quote: bool
    unless: tuple[int, ...]
    trigger: int
    suppresses: tuple[str, ...] = ()


@dataclass
class LanguageModel:
    """Everything the detector needs for one language: the automaton, class ids, rules by trigger, settings."""

    language: str
    automaton: ahocorasick.Automaton
    context_automaton: ahocorasick.Automaton
    class_ids: dict[str, int]
    runs: dict[int, tuple[int, int]]
    rules_by_trigger: dict[int, list[Rule]]
    settings: dict
    special: dict[str, int] = field(default_factory=dict)
    frequent: frozenset = frozenset()
    n_terms: int = 0
    rules: list[Rule] = field(default_factory=list)


@dataclass
class MonitorData:
    """The catalogue, the monitored and excluded kinds, and one compiled model per language."""

    catalogue: dict[str, dict]
    excluded: dict[str, str]
    models: dict[str, LanguageModel]
    root: Path | None = None

    @property
    def monitored(self) -> list[str]:
        """Catalogue kinds the monitor detects (all minus the excluded ones), in catalogue order."""
        return [k for k in self.catalogue if k not in self.excluded]


def default_root() -> Path:
    """``$PORTAL_SPEECH_DIR`` if set, else ``standards/speech`` of this checkout."""
    env = os.environ.get("PORTAL_SPEECH_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[4] / "standards" / "speech"


def contraction_variants(term: str) -> list[str]:
    """All spellings of an English term under the contraction table (``we will not`` → ``we won't``, ...)."""
    out = {term}
    frontier = [term]
    while frontier and len(out) < 64:
        current = frontier.pop()
        for rx, _full, alts in _CONTRACTION_RE:
            if rx.search(current):
                for alt in alts:
                    variant = rx.sub(alt, current)
                    if variant not in out:
                        out.add(variant)
                        frontier.append(variant)
    return sorted(out)


def _read_toml(path: Path, label: str) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PatternError(label, "(syntax)", str(exc)) from None


def load_catalogue(root: Path) -> dict[str, dict]:
    """The catalogue as ``{kind id: entry}`` in file order."""
    path = root / "violation_catalogue.json"
    try:
        with path.open(encoding="utf-8") as fh:
            entries = json.load(fh)
    except (OSError, ValueError) as exc:
        raise PatternError(str(path), "(file)", f"cannot read catalogue: {exc}") from None
    return {e["id"]: e for e in entries}


def load_scope(root: Path, catalogue: dict[str, dict]) -> dict[str, str]:
    """The excluded kinds ``{kind: reason}`` from ``scope.toml``."""
    label = "scope.toml"
    data = _read_toml(root / label, label)
    for key in data:
        if key != "excluded":
            raise PatternError(label, key, "unknown key (expected [excluded])")
    excluded = data.get("excluded", {})
    for kind, reason in excluded.items():
        if kind not in catalogue:
            raise PatternError(label, f"excluded.{kind}", "not a catalogue kind")
        if not isinstance(reason, str) or not reason.strip():
            raise PatternError(label, f"excluded.{kind}", "reason must be a non-empty string")
    return dict(excluded)


def _check_settings(label: str, settings: dict) -> None:
    for key, value in settings.items():
        expected = _SETTINGS.get(key)
        if expected is None:
            raise PatternError(label, f"settings.{key}", "unknown setting")
        if not isinstance(value, expected) or isinstance(value, bool):
            raise PatternError(label, f"settings.{key}", f"must be {expected.__name__}")
        if expected is int and value < 0:
            raise PatternError(label, f"settings.{key}", "must be >= 0")


def _check_rule(label: str, where: str, rule: object, monitored: set[str], catalogue: dict) -> dict:
    if not isinstance(rule, dict):
        raise PatternError(label, where, "must be a table")
    for key in rule:
        if key not in _RULE_KEYS:
            raise PatternError(label, f"{where}.{key}", "unknown field")
    kind = rule.get("kind")
    if not isinstance(kind, str):
        raise PatternError(label, f"{where}.kind", "required string")
    if kind not in catalogue:
        raise PatternError(label, f"{where}.kind", f"{kind!r} is not a catalogue kind")
    if kind not in monitored:
        raise PatternError(label, f"{where}.kind", f"{kind!r} is excluded in scope.toml")
    seq = rule.get("seq")
    if not isinstance(seq, list) or not seq or not all(isinstance(s, str) and s for s in seq):
        raise PatternError(label, f"{where}.seq", "must be a non-empty list of class names")
    checks = {"window": (int, lambda v: v > 0, "a positive integer"),
              "confidence": ((float, int), lambda v: 0 < v <= 1, "a number in (0, 1]"),
              "ordered": (bool, lambda v: True, "true or false"), "negation": (bool, lambda v: True, "true or false"),
              "quote": (bool, lambda v: True, "true or false"), "note": (str, lambda v: True, "a string"),
              "scope": (str, lambda v: v in SCOPES, "one of clause, sentence, turn")}
    for key, (types, ok, text) in checks.items():
        if key in rule:
            value = rule[key]
            if (isinstance(value, bool) and types is not bool) or not isinstance(value, types) or not ok(value):
                raise PatternError(label, f"{where}.{key}", f"must be {text}")
    unless = rule.get("unless", [])
    if not isinstance(unless, list) or not all(isinstance(u, str) and u for u in unless):
        raise PatternError(label, f"{where}.unless", "must be a list of class names")
    for j, other in enumerate(rule.get("suppresses", [])):
        if not isinstance(other, str) or other not in catalogue:
            raise PatternError(label, f"{where}.suppresses[{j}]", f"{other!r} is not a catalogue kind")
    if not isinstance(rule.get("suppresses", []), list):
        raise PatternError(label, f"{where}.suppresses", "must be a list of kinds")
    return rule


def _add_terms(entries: dict[str, list], label: str, where: str, terms: object, cid: int, language: str) -> int:
    if not isinstance(terms, list) or not terms:
        raise PatternError(label, where, "must be a non-empty list of strings")
    count = 0
    for j, raw in enumerate(terms):
        if not isinstance(raw, str) or not raw.strip() or raw.strip() == "*":
            raise PatternError(label, f"{where}[{j}]", "term must be a non-empty string")
        prefix = raw.endswith("*")
        term = normalise_term(raw[:-1] if prefix else raw, language)
        variants = contraction_variants(term) if language == "en" else [term]
        for key in variants:
            last_word = key[-1] in WORD
            entries.setdefault(key, []).append((cid, len(key), key[0] in WORD, (not prefix) and last_word,
                                                prefix and last_word))
            count += 1
    return count


def load_language(root: Path, language: str, catalogue: dict[str, dict], excluded: dict[str, str]) -> LanguageModel:
    """Validate and compile every ``patterns/<language>/*.toml`` file into one :class:`LanguageModel`."""
    folder = root / "patterns" / language
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise PatternError(str(folder), "(folder)", "no pattern files")
    monitored = {k for k in catalogue if k not in excluded}
    settings: dict = {}
    settings_from = None
    class_src: dict[str, str] = {}
    class_terms: list[tuple[str, str, str, object]] = []
    runs: dict[str, tuple[int, int]] = {}
    raw_rules: list[tuple[str, str, dict]] = []
    for path in files:
        label = f"{language}/{path.name}"
        data = _read_toml(path, label)
        for key in data:
            if key not in ("settings", "classes", "runs", "rules"):
                raise PatternError(label, key, "unknown top-level key")
        if "settings" in data:
            if settings_from:
                raise PatternError(label, "settings", f"already given in {settings_from}")
            _check_settings(label, data["settings"])
            settings, settings_from = dict(data["settings"]), label
        for name, terms in data.get("classes", {}).items():
            if not _CLASS_NAME.match(name):
                raise PatternError(label, f"classes.{name}", "class names are UPPER_CASE")
            if name in class_src:
                raise PatternError(label, f"classes.{name}", f"already defined in {class_src[name]}")
            class_src[name] = label
            class_terms.append((label, f"classes.{name}", name, terms))
        for name, spec in data.get("runs", {}).items():
            where = f"runs.{name}"
            if not _CLASS_NAME.match(name) or name in class_src:
                raise PatternError(label, where, "must be a new UPPER_CASE name")
            if not isinstance(spec, dict) or set(spec) != {"min", "max"} or not all(
                    isinstance(spec[k], int) and not isinstance(spec[k], bool) and spec[k] > 0 for k in spec) \
                    or spec["min"] > spec["max"]:
                raise PatternError(label, where, "must be {min = N, max = M} with 0 < N <= M")
            class_src[name] = label
            runs[name] = (spec["min"], spec["max"])
        rules = data.get("rules", [])
        if not isinstance(rules, list):
            raise PatternError(label, "rules", "must be an array of tables ([[rules]])")
        for i, rule in enumerate(rules):
            raw_rules.append((label, f"rules[{i}]", _check_rule(label, f"rules[{i}]", rule, monitored, catalogue)))
    for name in SPECIAL:
        if name not in class_src or name in runs:
            raise PatternError(f"{language}/", f"classes.{name}", "required class is missing")
    for key in ("default_window", "neg_window", "neg_after_window", "report_window", "quote_cue_window"):
        if key not in settings:
            raise PatternError(settings_from or f"{language}/", f"settings.{key}", "required setting is missing")
    class_ids = {name: i for i, name in enumerate(list(class_src))}
    for name in settings.get("frequent", []):
        if name not in class_ids:
            raise PatternError(settings_from or "", "settings.frequent", f"unknown class {name!r}")
    frequent = {class_ids[n] for n in settings.get("frequent", [])} | {class_ids[n] for n in SPECIAL}
    run_ids = {class_ids[n]: bounds for n, bounds in runs.items()}
    compiled: list[Rule] = []
    by_trigger: dict[int, list[Rule]] = {}
    for label, where, rule in raw_rules:
        seq = []
        for j, element in enumerate(rule["seq"]):
            alts = []
            for name in element.split("|"):
                if name not in class_ids:
                    raise PatternError(label, f"{where}.seq[{j}]", f"unknown class {name!r}")
                alts.append(class_ids[name])
            if len(alts) > 1 and any(a in run_ids for a in alts):
                raise PatternError(label, f"{where}.seq[{j}]", "a run cannot be an alternative")
            seq.append(tuple(alts))
        unless = []
        for j, name in enumerate(rule.get("unless", [])):
            if name not in class_ids or class_ids[name] in run_ids:
                raise PatternError(label, f"{where}.unless[{j}]", f"unknown class {name!r}")
            unless.append(class_ids[name])
        candidates = [j for j, alts in enumerate(seq) if len(alts) == 1 and alts[0] not in run_ids]
        if not candidates:
            raise PatternError(label, f"{where}.seq", "needs at least one element that is a single class (not a run)")
        rare = [j for j in candidates if seq[j][0] not in frequent]
        trigger = seq[(rare or candidates)[-1]][0]
        compiled_rule = Rule(
            rid=f"{label}#{where}", kind=rule["kind"], seq=tuple(seq),
            window=rule.get("window", settings["default_window"]), ordered=rule.get("ordered", True),
            scope=SCOPES[rule.get("scope", "sentence")], confidence=float(rule.get("confidence", 0.85)),
            negation=rule.get("negation", True), quote=rule.get("quote", True), unless=tuple(unless),
            trigger=trigger, suppresses=tuple(rule.get("suppresses", ())))
        compiled.append(compiled_rule)
        by_trigger.setdefault(trigger, []).append(compiled_rule)
    # Candidate generation: one automaton with the terms of the trigger classes. The context automaton (pronouns,
    # negators, report frames, second elements...) only runs on utterances where a trigger occurred.
    trigger_entries: dict[str, list] = {}
    context_entries: dict[str, list] = {}
    n_terms = 0
    for label, where, name, terms in class_terms:
        target = trigger_entries if class_ids[name] in by_trigger else context_entries
        n_terms += _add_terms(target, label, where, terms, class_ids[name], language)
    automaton = _automaton(trigger_entries)
    context = _automaton(context_entries)
    return LanguageModel(language=language, automaton=automaton, context_automaton=context, class_ids=class_ids,
                         runs=run_ids,
                         rules_by_trigger=by_trigger, settings=settings,
                         special={n: class_ids[n] for n in SPECIAL}, frequent=frozenset(frequent), n_terms=n_terms,
                         rules=compiled)


def _automaton(entries: dict[str, list]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key, value in entries.items():
        automaton.add_word(key, tuple(value))
    if not entries:
        automaton.add_word("\x00", ())
    automaton.make_automaton()
    return automaton


def load(root: Path | None = None) -> MonitorData:
    """Load the catalogue, the scope and both languages' patterns from ``root`` (default :func:`default_root`)."""
    root = Path(root) if root is not None else default_root()
    if not root.is_dir():
        raise PatternError(str(root), "(folder)", "speech standards folder not found")
    catalogue = load_catalogue(root)
    excluded = load_scope(root, catalogue)
    models = {lang: load_language(root, lang, catalogue, excluded) for lang in LANGUAGES}
    return MonitorData(catalogue=catalogue, excluded=excluded, models=models, root=root)
