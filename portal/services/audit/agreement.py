"""Agreement between the monitor and the auditors, and compliance rates. Pure: no database, no Flask.

* :func:`cohen_kappa` — κ = (p_o − p_e) / (1 − p_e) over paired labels of two raters (any hashable categories);
  1 when both raters agree perfectly, 0 at chance level; defined as 1.0 when p_e = 1 and the raters agree on every
  item (a single category used by both), else 0.0 for that degenerate case.
* :func:`precision_recall` — per family from auditor decisions: a monitor finding the auditor confirmed is a true
  positive, one dismissed a false positive, a finding the auditor added (the monitor missed it) a false negative.
* :func:`wilson` — the Wilson score interval of a proportion (for compliance rates from small samples).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from statistics import NormalDist


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of paired labels ``(rater_a, rater_b)``; None with no pairs."""
    pairs = list(pairs)
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    left = Counter(a for a, _ in pairs)
    right = Counter(b for _, b in pairs)
    expected = sum(left[c] * right[c] for c in set(left) | set(right)) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


@dataclass(frozen=True)
class FamilyScore:
    """Monitor against auditors for one family of violations."""

    family: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        """Confirmed / (confirmed + dismissed); None when the monitor flagged nothing reviewed."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """Confirmed / (confirmed + added by auditors); None when the auditors found nothing."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def precision_recall(decisions: Iterable[tuple[str, str]]) -> list[FamilyScore]:
    """Per-family scores from ``(family, outcome)`` with outcome ``confirmed`` | ``dismissed`` | ``added``."""
    counts: dict[str, Counter] = {}
    for family, outcome in decisions:
        if outcome not in ("confirmed", "dismissed", "added"):
            raise ValueError(f"unknown review outcome {outcome!r}")
        counts.setdefault(family, Counter())[outcome] += 1
    return [FamilyScore(f, c["confirmed"], c["dismissed"], c["added"]) for f, c in sorted(counts.items())]


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval for ``successes`` of ``n``; None when n is 0."""
    if n == 0:
        return None
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
