"""What the auditors' review page shows, built from the operations' results (no Flask, no database): the transcript's
turns with identity numbers masked and each finding's span highlighted, one card per finding with its decision, the
catalogue for the "add a missed finding" form, and times in Asia/Shanghai.

Masking keeps lengths (``mask_id_numbers_in``), so the findings' character offsets stay valid on the masked text and
a quote copied from the page locates the same span as on the stored text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from portal.core.errors import BadInput
from portal.core.identifiers import mask_id_numbers_in
from portal.core.timeutil import SHANGHAI, as_utc
from portal.services.audit.operations.common import catalogue

SPEAKERS = {"agent": ("催收员", "Agent"), "debtor": ("债务人", "Debtor"), "third_party": ("第三方", "Third party")}
SEVERITY_RANK = {"critical": 3, "high": 2, "medium": 1, "low": 0}


@dataclass(frozen=True)
class Piece:
    """A run of a turn's text and the findings whose span covers it (empty: plain text)."""

    text: str
    findings: tuple[int, ...] = ()
    severity: str | None = None


@dataclass(frozen=True)
class TurnView:
    """One speaker turn: its index, speaker, masked text cut into pieces at the findings' span boundaries."""

    index: int
    speaker: str
    text: str
    pieces: list[Piece]


@dataclass(frozen=True)
class FindingView:
    """A finding as the page shows it, with the auditor's decision on it (None until decided)."""

    id: int
    source: str
    kind: str
    name_zh: str
    name_en: str
    family: str
    severity: str
    confidence: float | None
    rule_ids: list[str]
    rule_refs: list[str]
    turn: int | None
    start: int | None
    end: int | None
    quote: str | None
    note: str | None
    decision: str | None
    decision_note: str | None


def local_time(value: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` in Asia/Shanghai ('—' for None)."""
    if value is None:
        return "—"
    return as_utc(value).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def masked(text: str | None) -> str | None:
    """Free text (a transcript turn, a note) with identity numbers masked."""
    return None if text is None else mask_id_numbers_in(text)


def _located(finding, turns: Sequence[dict]) -> bool:
    return (finding.turn is not None and finding.span_start is not None and finding.span_end is not None
            and 0 <= finding.turn < len(turns) and 0 <= finding.span_start < finding.span_end
            <= len(turns[finding.turn]["text"]))


def turn_views(turns: Sequence[dict], findings: Iterable) -> list[TurnView]:
    """The masked turns, each cut at every located finding's span boundary (overlapping spans give pieces covered by
    several findings; the piece takes the most severe one's colour)."""
    by_turn: dict[int, list] = {}
    for f in findings:
        if _located(f, turns):
            by_turn.setdefault(f.turn, []).append(f)
    out = []
    for index, turn in enumerate(turns):
        text = mask_id_numbers_in(turn["text"])
        spans = by_turn.get(index, [])
        cuts = sorted({0, len(text), *(f.span_start for f in spans), *(f.span_end for f in spans)})
        pieces = []
        for lo, hi in zip(cuts, cuts[1:], strict=False):
            over = [f for f in spans if f.span_start <= lo and hi <= f.span_end]
            worst = max((f.severity for f in over), key=lambda s: SEVERITY_RANK.get(s, 0), default=None)
            pieces.append(Piece(text[lo:hi], tuple(f.id for f in over), worst))
        out.append(TurnView(index, turn["speaker"], text, pieces))
    return out


def shown_findings(view) -> list:
    """The findings a queued call's review is about: the monitor's on the call and those added on this item (not
    those auditors added when the same call was in another spot check)."""
    return [f for f in view.findings if f.source == "monitor" or f.review_item_id == view.item.id]


def finding_views(view, turns: Sequence[dict]) -> list[FindingView]:
    """The shown findings of a queued call (``shown_findings``) with their decisions, quotes masked."""
    out = []
    for f in shown_findings(view):
        entry = catalogue().get(f.kind, {})
        decision = view.decisions.get(f.id)
        quote = None
        if _located(f, turns):
            quote = mask_id_numbers_in(turns[f.turn]["text"])[f.span_start:f.span_end]
        out.append(FindingView(
            f.id, f.source, f.kind, entry.get("name_zh", f.kind), entry.get("name_en", f.kind), f.family, f.severity,
            f.confidence, list(f.rule_ids or []), list(f.rule_refs or entry.get("rule_refs", [])), f.turn,
            f.span_start, f.span_end, quote, masked(f.note), decision.decision if decision else None,
            masked(decision.note) if decision else None))
    return out


def verdict(findings: Sequence[FindingView]) -> str:
    """'violating' (a confirmed or an added finding), 'undecided' (a monitor finding not decided yet), else
    'compliant' — the rule the compliance rate counts by (docs/audit.md)."""
    if any(f.source == "auditor" or f.decision == "confirmed" for f in findings):
        return "violating"
    if any(f.source == "monitor" and f.decision is None for f in findings):
        return "undecided"
    return "compliant"


def kind_options() -> list[tuple[str, str, str]]:
    """The catalogue's kinds for the add form: (id, Chinese name, English name)."""
    return [(k, v.get("name_zh", k), v.get("name_en", k)) for k, v in sorted(catalogue().items())]


def locate_quote(turns: Sequence[dict], turn: int | None, quote: str) -> tuple[int, int]:
    """``(start, end)`` of the first occurrence of ``quote`` in turn ``turn`` as shown (masked); BadInput naming the
    quote when it is not there."""
    if turn is None:
        raise BadInput("a quote needs the turn it is in", field="turn")
    if not 0 <= turn < len(turns):
        raise BadInput(f"turn {turn} is not in the transcript (turns 0–{len(turns) - 1})", field="turn")
    at = mask_id_numbers_in(turns[turn]["text"]).find(quote)
    if at < 0:
        raise BadInput(f"quote {mask_id_numbers_in(quote)!r} is not in turn {turn}", field="quote")
    return at, at + len(quote)
