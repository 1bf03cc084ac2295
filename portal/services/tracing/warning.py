"""The early-warning score of a debtor from its recent signals (pure Python, no database).

Each signal contributes ``weight(kind) × severity factor × 0.5 ** (age / half-life(kind))``; per kind only the
strongest signal counts (a burst of duplicates from several sources is one fact), and the score is the sum capped at
100. Levels: the highest configured threshold the score reaches."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from portal.services.tracing.kinds import BY_CODE, SEVERITY_FACTORS

WINDOW_DAYS = 365
"""Signals older than this no longer count."""
THRESHOLDS: dict[str, float] = {"watch": 30.0, "warning": 50.0, "critical": 75.0}
LEVEL_RANK = {"none": 0, "watch": 1, "warning": 2, "critical": 3}


@dataclass(frozen=True)
class SignalFact:
    """What the score reads of one resolved signal."""

    signal_id: int
    kind: str
    severity: str
    observed_at: datetime
    source: str | None = None


@dataclass(frozen=True)
class Warning:
    """A debtor's score, its level and the contributing signals (strongest first)."""

    score: float
    level: str
    contributions: list[dict]


def contribution(fact: SignalFact, now: datetime, weights: Mapping[str, float] | None = None) -> float:
    """Points of one signal at ``now``."""
    kind = BY_CODE[fact.kind]
    weight = (weights or {}).get(fact.kind, kind.weight)
    age = max(0.0, (now - fact.observed_at).total_seconds() / 86400)
    if age > WINDOW_DAYS:
        return 0.0
    return weight * SEVERITY_FACTORS[fact.severity] * 0.5 ** (age / kind.half_life_days)


def level_of(score: float, thresholds: Mapping[str, float] | None = None) -> str:
    """The highest level whose threshold ``score`` reaches, or ``none``."""
    found = "none"
    for level, bound in sorted((thresholds or THRESHOLDS).items(), key=lambda kv: kv[1]):
        if score >= bound:
            found = level
    return found


def warning_score(facts: Iterable[SignalFact], now: datetime, *, weights: Mapping[str, float] | None = None,
                  thresholds: Mapping[str, float] | None = None) -> Warning:
    """The explainable warning of one debtor from its signals."""
    best: dict[str, tuple[float, SignalFact]] = {}
    for fact in facts:
        points = contribution(fact, now, weights)
        if points > 0 and (fact.kind not in best or points > best[fact.kind][0]):
            best[fact.kind] = (points, fact)
    parts = sorted(best.values(), key=lambda p: (-p[0], p[1].signal_id))
    score = round(min(100.0, sum(p for p, _f in parts)), 2)
    contributions = [{"signal": f.signal_id, "kind": f.kind, "severity": f.severity, "points": round(p, 2),
                      "observed_at": f.observed_at.isoformat(), "source": f.source} for p, f in parts]
    return Warning(score, level_of(score, thresholds), contributions)
