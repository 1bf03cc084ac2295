"""Metric functions against sklearn and hand computations; stability index and its levels."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from portal.core.errors import BadInput
from portal.services.scoring import metrics


@pytest.fixture(scope="module")
def sample():
    rng = np.random.default_rng(7)
    y = (rng.random(3000) < 0.25).astype(int)
    p = np.clip(0.25 + 0.2 * (y - 0.25) + rng.normal(0, 0.15, y.size), 0.001, 0.999)
    p = np.round(p, 2)  # many ties
    return y, p


def test_auc_matches_sklearn_with_ties(sample):
    y, p = sample
    assert metrics.auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)


def test_ks_matches_roc_curve(sample):
    y, p = sample
    fpr, tpr, _ = roc_curve(y, p)
    assert metrics.ks(y, p) == pytest.approx(np.max(tpr - fpr), abs=1e-12)


def test_gini_is_two_auc_minus_one(sample):
    y, p = sample
    assert metrics.gini(y, p) == pytest.approx(2 * roc_auc_score(y, p) - 1, abs=1e-12)


def test_calibration_error_by_hand():
    y = np.array([0, 0, 1, 1, 0, 1])
    p = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.9])
    # two equal-mass bins: {0.1,0.2,0.3} vs labels {0,0,1}; {0.6,0.7,0.9} vs {1,0,1}
    want = 0.5 * abs(0.2 - 1 / 3) + 0.5 * abs((0.6 + 0.7 + 0.9) / 3 - 2 / 3)
    assert metrics.calibration_error(y, p, bins=2) == pytest.approx(want)
    assert metrics.calibration_error(y, p, bins=1) == pytest.approx(abs(p.mean() - y.mean()))


def test_one_class_refused():
    with pytest.raises(BadInput, match="both classes"):
        metrics.auc(np.zeros(5), np.linspace(0, 1, 5))


def test_stability_index_and_levels():
    e = np.array([100, 200, 300, 400])
    assert metrics.stability_index(e, e) == pytest.approx(0.0)
    a = np.array([400, 300, 200, 100])
    es, as_ = e / e.sum(), a / a.sum()
    assert metrics.stability_index(e, a) == pytest.approx(np.sum((as_ - es) * np.log(as_ / es)))
    assert metrics.stability_level(0.05) == "stable"
    assert metrics.stability_level(0.10) == "warn"
    assert metrics.stability_level(0.25) == "alert"
    assert np.isfinite(metrics.stability_index([10, 0, 5], [0, 10, 5]))


def test_debiased_calibration_error_removes_the_sampling_noise():
    rng = np.random.default_rng(3)
    p = rng.beta(2, 5, 1000)
    calibrated = [metrics.debiased_squared_calibration_error(rng.random(p.size) < p, p) for _ in range(300)]
    plug_in = [metrics.calibration_error(rng.random(p.size) < p, p) for _ in range(300)]
    # perfectly calibrated: the plug-in ECE sits at its noise floor (~0.03 on 1k rows), the debiased gap at zero
    assert np.mean(plug_in) > 0.025
    assert np.sqrt(max(np.mean(calibrated), 0.0)) < 0.01
    shifted = np.clip(p + 0.05, 0, 1)
    off = [metrics.debiased_calibration_error(rng.random(p.size) < p, shifted) for _ in range(100)]
    assert np.mean(off) == pytest.approx(0.05, abs=0.006)  # a real 5-point miscalibration is found


def test_debiased_calibration_error_refuses_too_few_rows():
    with pytest.raises(BadInput, match="at least 20"):
        metrics.debiased_calibration_error(np.array([0, 1]), np.array([0.2, 0.8]))
