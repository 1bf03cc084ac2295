"""The violating-speech detector: Aho-Corasick candidates, then per-candidate context checks.

For one agent utterance: normalise (1:1, so spans are original offsets) → run the language's automaton once and
collect the occurrences of each concept class → for each class that occurred, evaluate the rules it triggers
(ordered/unordered co-occurrence within a window, inside one clause/sentence/turn) → drop candidates that are
negated (``我们不会上门``; ``arrest you? no``), reported or quoted (``you said someone threatened...``), in a lawful
context (``unless`` classes in the same sentence) → merge per kind. In a transcript, an agent *question* that echoes
the debtor's previous words (``您说我们是骗子？``) is not held against the agent.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from portal.core.errors import BadInput
from portal.services.audit.monitor.normalise import normalise
from portal.services.audit.monitor.patterns import WORD, LanguageModel, MonitorData, Rule, load

SPEAKERS = ("agent", "debtor", "third_party")
_SENT = re.compile(r"[!?\n]|\.(?![0-9a-z])")
_CLAUSE = re.compile(r"[!?\n,;]|\.(?![0-9a-z])|:(?![0-9])")
_RUN = re.compile(r"[0-9零〇一二三四五六七八九幺](?:[ -]?[0-9零〇一二三四五六七八九幺])*x?")
_DIGIT = frozenset("0123456789零〇一二三四五六七八九幺")
MERGE_GAP = 3  # characters between two same-kind matches of one turn that still make them one finding


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation: catalogue kind, turn index (0-based), span in the original turn text, severity, confidence."""

    kind: str
    turn: int
    start: int
    end: int
    severity: str
    confidence: float
    rule_ids: tuple[str, ...]
    rule_refs: tuple[str, ...]

    def as_dict(self) -> dict:
        """The JSON form used by the batch output (CONTRACT.md findings plus the rule references)."""
        return {"kind": self.kind, "turn": self.turn, "start": self.start, "end": self.end,
                "severity": self.severity, "confidence": self.confidence, "rule_ids": list(self.rule_ids),
                "rule_refs": list(self.rule_refs)}


@dataclass(slots=True)
class _Candidate:
    kind: str
    start: int
    end: int
    confidence: float
    cores: tuple[str, ...]
    question: bool
    suppresses: tuple[str, ...] = ()


class _Text:
    """One normalised utterance with its class occurrences and lazily computed boundaries."""

    __slots__ = ("norm", "occ", "model", "_sent", "_clause", "_negs", "_runs")

    def __init__(self, norm: str, model: LanguageModel):
        self.norm = norm
        self.model = model
        self.occ: dict[int, list[tuple[int, int]]] = {}
        self.collect(model.automaton)
        self._sent = self._clause = self._negs = self._runs = None

    def collect(self, automaton) -> None:
        """Add the class occurrences found by ``automaton`` (word-boundary checks for ASCII term ends)."""
        norm = self.norm
        occ = self.occ
        n = len(norm)
        for end, entries in automaton.iter(norm):
            for cid, length, lb, rb, prefix in entries:
                start = end - length + 1
                if lb and start and norm[start - 1] in WORD:
                    continue
                if rb and end + 1 < n and norm[end + 1] in WORD:
                    continue
                stop = end + 1
                if prefix:  # a prefix term (arrest*) spans the whole word it starts
                    while stop < n and norm[stop] in WORD:
                        stop += 1
                lst = occ.get(cid)
                if lst is None:
                    occ[cid] = [(start, stop)]
                elif lst[-1] != (start, stop):
                    lst.append((start, stop))

    def bounds(self, scope: int) -> list[int]:
        if scope == 0:
            if self._clause is None:
                self._clause = [m.start() for m in _CLAUSE.finditer(self.norm)]
            return self._clause
        if self._sent is None:
            self._sent = [m.start() for m in _SENT.finditer(self.norm)]
        return self._sent

    def crosses(self, scope: int, start: int, end: int) -> bool:
        if scope == 2:
            return False
        b = self.bounds(scope)
        return bisect_right(b, start) < bisect_left(b, end)

    def sentence_of(self, start: int, end: int) -> tuple[int, int]:
        b = self.bounds(1)
        i = bisect_left(b, start)
        lo = b[i - 1] + 1 if i else 0
        j = bisect_left(b, end)
        hi = b[j] if j < len(b) else len(self.norm)
        return lo, hi

    def occurrences(self, cid: int) -> list[tuple[int, int]]:
        bounds = self.model.runs.get(cid)
        if bounds is None:
            return self.occ.get(cid, [])
        if self._runs is None:
            self._runs = [(m.start(), m.end(), sum(c in _DIGIT for c in m.group()))
                          for m in _RUN.finditer(self.norm)]
        lo, hi = bounds
        return [(s, e) for s, e, d in self._runs if lo <= d <= hi]

    def special(self, name: str) -> list[tuple[int, int]]:
        """Occurrences of a special class, minus those lying inside an EXEMPT term (``不还`` is no negation)."""
        found = self.occ.get(self.model.special[name])
        if not found:
            return []
        exempt = self.occ.get(self.model.special["EXEMPT"])
        if not exempt:
            return found
        return [n for n in found if not any(x[0] <= n[0] and n[1] <= x[1] and x != n for x in exempt)]

    def negations(self) -> list[tuple[int, int]]:
        if self._negs is None:
            self._negs = self.special("NEG")
        return self._negs


class Detector:
    """Scans agent utterances and transcripts with the compiled pattern data."""

    def __init__(self, data: MonitorData | None = None):
        self.data = data or load()
        self.models = self.data.models
        self._meta = {k: (e["severity"], tuple(e.get("standard_rule_ids", ())), tuple(e.get("rule_refs", ())))
                      for k, e in self.data.catalogue.items()}

    # -- one utterance -------------------------------------------------------------------------------------------
    def candidates(self, text: str, language: str) -> list[_Candidate]:
        """Every rule match in ``text`` that survives the negation, quotation and lawful-context checks."""
        model = self.models[language]
        doc = _Text(normalise(text, language), model)
        if not doc.occ:
            return []
        by_trigger = model.rules_by_trigger
        triggered = [r for cid in doc.occ for r in by_trigger.get(cid, ())]
        if not triggered:
            return []
        doc.collect(model.context_automaton)
        out: list[_Candidate] = []
        occ = doc.occ
        for rule in triggered:
            if not all(any(a in occ or a in model.runs for a in alts) for alts in rule.seq):
                continue
            for pieces in _match(rule, doc):
                cand = self._check(rule, doc, pieces)
                if cand is not None:
                    out.append(cand)
        return out

    def _check(self, rule: Rule, doc: _Text, pieces: list[tuple[int, int]]) -> _Candidate | None:
        model, norm = doc.model, doc.norm
        sp, st = model.special, model.settings
        start = min(p[0] for p in pieces)
        end = max(p[1] for p in pieces)
        if rule.negation and _negated(doc, pieces, start, end, sp, st):
            return None
        if rule.quote and _reported(doc, max(p[0] for p in pieces), start, end, sp, st):
            return None
        lo, hi = doc.sentence_of(start, end)
        for cid in rule.unless:
            if any(lo <= s and e <= hi for s, e in doc.occ.get(cid, ())):
                return None
        question = hi < len(norm) and norm[hi] == "?"
        cores = tuple(norm[s:e] for (s, e), alts in zip(pieces, rule.seq, strict=True)
                      if alts[0] not in model.runs and not set(alts) & model.frequent)
        return _Candidate(rule.kind, start, end, rule.confidence, cores, question, rule.suppresses)

    def findings(self, cands: list[_Candidate], turn: int, norm: str = "") -> list[Finding]:
        """Merge candidates of one kind into findings; confidences combine as independent evidence.

        Candidates merge when they overlap, or when they are adjacent in ``norm`` (the normalised turn): at most
        ``MERGE_GAP`` characters apart with no clause boundary between (``抓你坐牢`` is one finding, not two).
        """
        masters = [c for c in cands if c.suppresses]
        if masters:
            dropped = {k for m in masters for k in m.suppresses}
            cands = [c for c in cands if c.kind not in dropped]
        by_kind: dict[str, list[_Candidate]] = {}
        for c in cands:
            by_kind.setdefault(c.kind, []).append(c)
        out = []
        for kind, group in by_kind.items():
            group.sort(key=lambda c: (c.start, c.end))
            spans: list[list] = []
            for c in group:
                if spans and (c.start < spans[-1][1] or _adjacent(norm, spans[-1][1], c.start)):
                    spans[-1][1] = max(spans[-1][1], c.end)
                    spans[-1][2] *= 1.0 - c.confidence
                else:
                    spans.append([c.start, c.end, 1.0 - c.confidence])
            severity, ids, refs = self._meta[kind]
            for s, e, miss in spans:
                out.append(Finding(kind, turn, s, e, severity, round(min(0.99, 1.0 - miss), 3), ids, refs))
        out.sort(key=lambda f: (f.start, f.kind))
        return out

    def scan_utterance(self, text: str, language: str, speaker: str = "agent", turn: int = 0) -> list[Finding]:
        """Findings in one utterance; only agent speech is ever held against the agent (others give ``[]``)."""
        _check_args(language, speaker)
        if speaker != "agent" or not text:
            return []
        cands = self.candidates(text, language)
        return self.findings(cands, turn, normalise(text, language)) if cands else []

    # -- a transcript ----------------------------------------------------------------------------------------------
    def scan_turns(self, turns: list[tuple[str, str]], language: str) -> list[Finding]:
        """Findings in a transcript given as ``[(speaker, text), ...]`` (validated by the caller)."""
        out: list[Finding] = []
        for i, (speaker, text) in enumerate(turns):
            if speaker != "agent" or not text:
                continue
            cands = self.candidates(text, language)
            if not cands:
                continue
            if any(c.question for c in cands):
                heard = _previous_words(turns, i, language)
                if heard:
                    cands = [c for c in cands if not (c.question and c.cores and all(w in heard for w in c.cores))]
            out.extend(self.findings(cands, i, normalise(text, language)))
        return out


def _adjacent(norm: str, end: int, start: int) -> bool:
    """Whether a span ending at ``end`` and one starting at ``start`` are adjacent: a short gap, no clause break."""
    if not norm or start < end or start - end > MERGE_GAP:
        return False
    return _CLAUSE.search(norm, end, start) is None


def _check_args(language: str, speaker: str) -> None:
    if language not in ("zh", "en"):
        raise BadInput(f"unknown language {language!r} (expected zh or en)", field="language")
    if speaker not in SPEAKERS:
        raise BadInput(f"unknown speaker {speaker!r} (expected one of {', '.join(SPEAKERS)})", field="speaker")


def _previous_words(turns: list[tuple[str, str]], i: int, language: str) -> str:
    """The normalised text of the non-agent turns right before turn ``i`` (at most two)."""
    parts = []
    j = i - 1
    while j >= 0 and len(parts) < 2 and turns[j][0] != "agent":
        parts.append(normalise(turns[j][1], language))
        j -= 1
    return " ".join(parts)


def _match(rule: Rule, doc: _Text):
    """Yield the piece lists (one span per element) where the rule's elements co-occur as required."""
    lists = []
    for alts in rule.seq:
        occ = doc.occurrences(alts[0]) if len(alts) == 1 else sorted(o for a in alts for o in doc.occurrences(a))
        if not occ:
            return
        lists.append(sorted(occ) if len(occ) > 1 else occ)
    window, scope = rule.window, rule.scope
    if len(lists) == 1:
        for o in lists[0]:
            yield [o]
        return
    for first in lists[0]:
        pieces = [first]
        if rule.ordered:
            cur = first[1]
            for lst in lists[1:]:
                nxt = next((o for o in lst if o[0] >= cur), None)
                if nxt is None:
                    break
                pieces.append(nxt)
                cur = nxt[1]
            if len(pieces) < len(lists):
                continue
            start, end = first[0], cur
        else:
            for lst in lists[1:]:
                best = min((o for o in lst if o != first), default=None,
                           key=lambda o: max(o[0] - first[1], first[0] - o[1], 0))
                if best is None:
                    break
                pieces.append(best)
            if len(pieces) < len(lists):
                continue
            start, end = min(p[0] for p in pieces), max(p[1] for p in pieces)
        if end - start <= window and not doc.crosses(scope, start, end):
            yield pieces


def _negated(doc: _Text, pieces, start: int, end: int, sp: dict, st: dict) -> bool:
    """A negator shortly before an element (same clause, no clause-breaker between) or a denial right after."""
    negs = doc.negations()
    if negs:
        breaks = doc.occ.get(sp["NEG_BREAK"], ())
        window = st["neg_window"]
        for n0, n1 in negs:
            if any(p[0] <= n0 and n1 <= p[1] for p in pieces):
                continue  # the negator is part of the matched words (不得好死, 没地方投诉)
            for p0, _p1 in pieces:
                if n0 < p0 and p0 - n1 <= window and not doc.crosses(0, n0, p0) \
                        and not any(n1 <= b0 and b1 <= p0 for b0, b1 in breaks):
                    return True
    after = st["neg_after_window"]
    return any(end <= a0 <= end + after for a0, _a1 in doc.special("NEG_AFTER"))


def _reported(doc: _Text, last: int, start: int, end: int, sp: dict, st: dict) -> bool:
    """The match is reported speech (``you said...``, ``如果有人说...``: a frame before its last element, same
    sentence) or lies inside a quotation introduced by a cue (``他说："..."``)."""
    window = st["report_window"]
    for r0, r1 in doc.special("REPORT"):
        if r1 <= last and last - r1 <= window and not doc.crosses(1, r0, last):
            return True
    norm = doc.norm
    if '"' not in norm:
        return False
    quotes = [i for i, c in enumerate(norm) if c == '"']
    cue = st["quote_cue_window"]
    says = doc.occ.get(sp["SAY"], ())
    for k in range(0, len(quotes) - 1, 2):
        q0, q1 = quotes[k], quotes[k + 1]
        if q0 < start and end <= q1:
            lead = norm[max(0, q0 - cue):q0]
            if ":" in lead or any(q0 - cue <= s1 <= q0 for _s0, s1 in says):
                return True
    return False
