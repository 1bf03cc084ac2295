"""Spot-check sampling: Cochran's sample size with the finite population correction, proportional allocation with a
minimum per stratum, and a seeded draw that is reproducible stratum by stratum. Pure: no database, no Flask.

Sample size for estimating a proportion ``p`` within ``±e`` at confidence ``1-α``::

    n0 = z² · p(1-p) / e²          z = Φ⁻¹(1 - α/2)     (Cochran 1977, eq. 4.2)
    n  = ⌈ n0 / (1 + (n0 - 1)/N) ⌉                      (finite population correction)

With ``p = 0.5`` (the default, the most conservative), 95 % and ±5 % this is 385 for a large population and 278 for
N = 1,000. Allocation: ``n_h = n · N_h / N`` rounded by largest remainder, then every stratum gets at least
``min(minimum, N_h)``; the total may therefore exceed ``n`` (by the minima), never fall below it (unless the whole
population is smaller). Draw: within each stratum the ids are sorted and ``random.Random(f"{seed}:{stratum}")`` picks
``n_h`` of them, so the same seed over the same population always gives the same sample, and adding a stratum never
changes another stratum's draw.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from statistics import NormalDist

from portal.core.errors import BadInput


def z_score(confidence: float) -> float:
    """Two-sided standard normal quantile for ``confidence`` (0.95 → 1.95996…)."""
    if not 0.5 <= confidence < 1:
        raise BadInput(f"confidence {confidence} must be in [0.5, 1)", field="confidence")
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def cochran(population: int, *, confidence: float = 0.95, margin: float = 0.05, proportion: float = 0.5) -> int:
    """Cochran's sample size with the finite population correction (0 for an empty population)."""
    if population < 0:
        raise BadInput("population must not be negative")
    if not 0 < margin < 0.5:
        raise BadInput(f"margin {margin} must be in (0, 0.5)", field="margin")
    if not 0 < proportion < 1:
        raise BadInput(f"expected proportion {proportion} must be in (0, 1)", field="proportion")
    if population == 0:
        return 0
    n0 = z_score(confidence) ** 2 * proportion * (1 - proportion) / margin**2
    n = n0 / (1 + (n0 - 1) / population)
    return min(population, math.ceil(n - 1e-9))


def allocate(sizes: Mapping[Hashable, int], total: int, minimum: int = 0) -> dict[Hashable, int]:
    """Proportional allocation of ``total`` over strata of ``sizes`` (largest remainder), then ``minimum`` per stratum
    (capped at the stratum's size)."""
    if minimum < 0 or total < 0:
        raise BadInput("sample sizes must not be negative")
    population = sum(sizes.values())
    keys = sorted(sizes, key=str)
    if population == 0:
        return {k: 0 for k in keys}
    total = min(total, population)
    quotas = {k: total * sizes[k] / population for k in keys}
    out = {k: int(quotas[k]) for k in keys}
    rest = total - sum(out.values())
    for k in sorted(keys, key=lambda k: (-(quotas[k] - out[k]), str(k)))[:rest]:
        out[k] += 1
    return {k: min(sizes[k], max(out[k], minimum)) for k in keys}


@dataclass(frozen=True)
class Plan:
    """A drawn sample: the required size (Cochran), the strata with population and sample, the chosen ids."""

    population: int
    required: int
    strata: dict[str, dict[str, int]]
    chosen: dict[str, list[int]]

    @property
    def size(self) -> int:
        """How many ids were drawn."""
        return sum(len(v) for v in self.chosen.values())


def draw(strata: Mapping[str, Iterable[int]], *, seed: int, confidence: float = 0.95, margin: float = 0.05,
         proportion: float = 0.5, minimum: int = 2) -> Plan:
    """Draw a stratified random sample of ids: Cochran size on the whole population, proportional allocation with a
    minimum per stratum, a seeded draw per stratum (ids returned sorted within each stratum)."""
    members = {name: sorted(set(ids)) for name, ids in strata.items()}
    sizes = {name: len(ids) for name, ids in members.items()}
    population = sum(sizes.values())
    required = cochran(population, confidence=confidence, margin=margin, proportion=proportion)
    counts = allocate(sizes, required, minimum)
    chosen = {}
    for name in sorted(members):
        rng = random.Random(f"{seed}:{name}")
        chosen[name] = sorted(rng.sample(members[name], counts[name]))
    table = {name: {"population": sizes[name], "sample": counts[name]} for name in sorted(members)}
    return Plan(population, required, table, chosen)


def queue_order(ids: Iterable[int], seed: int) -> list[int]:
    """The review order of the sampled ids: a seeded shuffle, so strata are interleaved and the order reproducible."""
    out = sorted(ids)
    random.Random(f"{seed}:queue").shuffle(out)
    return out
