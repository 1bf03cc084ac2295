"""Sampling (Cochran with finite population correction, proportional allocation, seeded draws) and agreement
statistics against hand-computed values."""

from __future__ import annotations

import pytest

from portal.core.errors import BadInput
from portal.services.audit.agreement import cohen_kappa, precision_recall, wilson
from portal.services.audit.sampling import allocate, cochran, draw, queue_order, z_score


def test_cochran_known_values():
    assert z_score(0.95) == pytest.approx(1.959964, abs=1e-6)
    # n0 = 1.96^2 * .25 / .0025 = 384.15 -> with N large: 385 (ceil after the correction)
    assert cochran(10_000_000) == 385
    # N = 1000: 384.146 / (1 + 383.146/1000) = 277.7 -> 278
    assert cochran(1000) == 278
    assert cochran(100) == 80  # 384.146 / (1 + 383.146/100) = 79.5 -> 80
    assert cochran(10) == 10
    assert cochran(0) == 0
    assert cochran(5000, confidence=0.99, margin=0.03, proportion=0.1) == 586  # 663.49 / (1 + 662.49/5000) = 585.9
    with pytest.raises(BadInput):
        cochran(100, margin=0)


def test_allocation_is_proportional_with_minimum():
    assert allocate({"a": 600, "b": 300, "c": 100}, 100) == {"a": 60, "b": 30, "c": 10}
    assert allocate({"a": 980, "b": 15, "c": 5}, 50, minimum=5) == {"a": 49, "b": 5, "c": 5}
    assert allocate({"a": 980, "b": 15, "c": 2}, 50, minimum=5) == {"a": 49, "b": 5, "c": 2}
    out = allocate({"a": 1, "b": 1, "c": 1}, 2)
    assert sum(out.values()) == 2


def test_draw_is_reproducible_and_stratified():
    strata = {"agency-a|flagged": range(0, 50), "agency-a|clean": range(50, 950),
              "agency-b|flagged": range(1000, 1010), "agency-b|clean": range(2000, 2500)}
    one = draw(strata, seed=42, minimum=3)
    two = draw({k: list(v)[::-1] for k, v in strata.items()}, seed=42, minimum=3)
    assert one.chosen == two.chosen
    assert one.required == cochran(1460)
    assert one.size >= one.required
    for name, ids in one.chosen.items():
        assert set(ids) <= set(strata[name]) and len(ids) == one.strata[name]["sample"] >= 3
    assert one.strata["agency-a|clean"]["sample"] == round(one.required * 900 / 1460)
    assert draw(strata, seed=43, minimum=3).chosen != one.chosen
    assert queue_order([3, 1, 2], 5) == queue_order([2, 3, 1], 5)


def test_kappa_hand_computed():
    # 2x2: both yes 20, a only 5, b only 10, neither 65 (n=100): po = .85;
    # pa(yes) = .25, pb(yes) = .30 -> pe = .25*.30 + .75*.70 = .60; kappa = (.85-.60)/(.40) = .625
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10 + [(False, False)] * 65
    assert cohen_kappa(pairs) == pytest.approx(0.625)
    # three categories (Fleiss' textbook-style example): po = 0.7, pe = (.4*.5 + .3*.3 + .3*.2) = .35
    labels = ([("x", "x")] * 35 + [("x", "y")] * 5 + [("y", "y")] * 20 + [("y", "z")] * 10
              + [("z", "z")] * 15 + [("z", "x")] * 15)
    po = 0.70
    pe = (0.40 * 0.50) + (0.30 * 0.25) + (0.30 * 0.25)
    assert cohen_kappa(labels) == pytest.approx((po - pe) / (1 - pe))
    assert cohen_kappa([(True, True)] * 4) == 1.0
    assert cohen_kappa([]) is None


def test_precision_recall_and_wilson():
    scores = {s.family: s for s in precision_recall(
        [("threat", "confirmed")] * 8 + [("threat", "dismissed")] * 2 + [("threat", "added")] * 2
        + [("abuse", "added")])}
    assert scores["threat"].precision == pytest.approx(0.8) and scores["threat"].recall == pytest.approx(0.8)
    assert scores["abuse"].precision is None and scores["abuse"].recall == 0.0
    low, high = wilson(95, 100)
    assert low == pytest.approx(0.8882, abs=1e-3) and high == pytest.approx(0.9785, abs=1e-3)
    assert wilson(0, 0) is None
