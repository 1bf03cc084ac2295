"""Secure aggregation: exact sums, drop-out recovery, masked vectors unlike the plain ones, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from portal.core.errors import Conflict
from portal.services.scoring.federated import secagg


def _vectors(n=4, size=50, seed=3):
    rng = np.random.default_rng(seed)
    return [rng.integers(-10**6, 10**6, size=size).astype(np.float64) for _ in range(n)]


def test_masked_vectors_sum_exactly():
    vecs = _vectors()
    coord = secagg.new_session(len(vecs))
    total = coord.aggregate({i: (lambda v=v: v) for i, v in enumerate(vecs)}, frac_bits=0, keep_transcript=True)
    assert np.array_equal(total, np.sum(vecs, axis=0))  # integers: exact
    masked = coord.transcript[-1]["masked"]
    for i, v in enumerate(vecs):
        plain = secagg.encode(v, 0)
        assert np.count_nonzero(masked[i] == plain) <= 1  # every coordinate masked (a collision is 2^-64)
        assert np.all(masked[i] != masked[(i + 1) % len(vecs)])
    # the masked vectors alone sum to the total mod 2^64 as well
    s = np.zeros(50, dtype=np.uint64)
    for m in masked.values():
        s = s + m
    assert np.array_equal(secagg.decode(s, 0), total)


def test_fixed_point_floats():
    rng = np.random.default_rng(4)
    vecs = [rng.normal(size=30) * 100 for _ in range(3)]
    total = secagg.new_session(3).aggregate({i: (lambda v=v: v) for i, v in enumerate(vecs)})
    assert np.allclose(total, np.sum(vecs, axis=0), atol=3 * 2.0**-24)


def test_survives_one_dropout():
    vecs = _vectors(4)
    coord = secagg.new_session(4)
    contributions = {i: (lambda v=v: v) for i, v in enumerate(vecs)}
    contributions[2] = None  # bank 3 drops out of this round
    total = coord.aggregate(contributions, frac_bits=0)
    assert np.array_equal(total, vecs[0] + vecs[1] + vecs[3])
    assert coord.dropped[1] == {2}
    with pytest.raises(Conflict, match="declared dropped"):
        coord.late_vector(2, 1)
    # the next round uses fresh masks and everyone again
    again = coord.aggregate({i: (lambda v=v: v) for i, v in enumerate(vecs)}, frac_bits=0)
    assert np.array_equal(again, np.sum(vecs, axis=0))


def test_round_keys_differ_and_pair_keys_agree():
    coord = secagg.new_session(3)
    p0, p1 = coord.participants[0], coord.participants[1]
    assert p0.round_key(1, 5) == p1.round_key(0, 5)
    assert p0.round_key(1, 5) != p0.round_key(1, 6)
    assert p0.round_key(1, 5) != p0.round_key(2, 5)


def test_two_few_survivors_refused():
    coord = secagg.new_session(3)
    with pytest.raises(Conflict, match="at least two"):
        coord.aggregate({0: lambda: np.ones(3), 1: None, 2: None})
