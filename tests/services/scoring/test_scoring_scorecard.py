"""Binning, weight of evidence, points scaling, reason codes, serialisation and the feature recipe."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from portal.core.errors import BadInput
from portal.services.scoring import binning, features, training
from portal.services.scoring.scorecard import Scaling, Scorecard, risk_band


def _monotone(rates: list[float]) -> bool:
    d = np.diff(rates)
    return bool(np.all(d >= -1e-12) or np.all(d <= 1e-12))


def test_numeric_bins_are_monotone_with_min_share():
    rng = np.random.default_rng(1)
    x = rng.normal(size=20000)
    p = 1 / (1 + np.exp(-(-1.5 + 0.8 * x + 0.6 * np.sin(3 * x))))  # wiggly but increasing on average
    y = (rng.random(x.size) < p).astype(int)
    fb = binning.fit_numeric("x", x, y, min_share=0.05, max_bins=8)
    counts = np.array(fb.bads) + np.array(fb.goods)
    rates = list(np.array(fb.bads) / counts)
    assert _monotone(rates) and fb.trend == "ascending"
    assert counts.min() >= 0.05 * x.size and fb.n_bins <= 8
    assert _monotone(fb.woe)  # WoE = ln(%good/%bad) falls as the bad rate rises
    assert fb.iv > 0.1


def test_descending_trend_chosen_by_data():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 10, 10000)
    y = (rng.random(x.size) < 0.5 - 0.04 * x).astype(int)
    fb = binning.fit_numeric("x", x, y)
    assert fb.trend == "descending"
    assert _monotone(list(np.array(fb.bads) / (np.array(fb.bads) + np.array(fb.goods))))


def test_woe_formula_and_missing_bin():
    x = np.array([1.0] * 50 + [2.0] * 50 + [np.nan] * 10)
    y = np.array([1] * 10 + [0] * 40 + [1] * 30 + [0] * 20 + [1] * 5 + [0] * 5)
    fb = binning.fit_numeric("x", x, y, min_share=0.01)
    assert fb.edges == [1.0] and fb.bads == [10, 30] and fb.missing_bads == 5
    tb, tg = 45, 65
    want = math.log((40 + 0.5) / (tg + 0.5)) - math.log((10 + 0.5) / (tb + 0.5))
    assert fb.woe[0] == pytest.approx(want)
    assert fb.index(np.array([0.5, 1.0, 1.5, np.nan])).tolist() == [0, 0, 1, 2]


def test_categorical_bins_by_category_and_unseen_goes_to_missing_bin():
    cats = np.array(["a"] * 300 + ["b"] * 300 + ["c"] * 300 + ["d"] * 5)
    y = np.array([1] * 30 + [0] * 270 + [1] * 150 + [0] * 150 + [1] * 90 + [0] * 210 + [1] * 5)
    fb = binning.fit_categorical("c", pd.Series(cats), y, min_share=0.02)
    rates = [b / (b + g) for b, g in zip(fb.bads, fb.goods, strict=True)]
    assert _monotone(rates)
    assert any("d" in g for g in fb.groups)  # the rare category was merged, not dropped
    assert fb.index(pd.Series(["zzz"])).tolist() == [fb.n_bins]
    assert fb.index_one("a") == fb.index(pd.Series(["a"]))[0]


def test_points_scaling_math(german_card):
    card: Scorecard = german_card
    s = card.scaling
    assert s.factor == pytest.approx(20 / math.log(2))
    assert s.offset == pytest.approx(600 - s.factor * math.log(50))
    # base odds 50:1 score exactly the base points; doubling the odds adds pdo points
    assert card.score_to_pd(600.0) == pytest.approx(1 / 51)
    pd_620 = card.score_to_pd(620.0)
    assert (1 - pd_620) / pd_620 == pytest.approx(100.0)


def test_points_add_up_to_the_calibrated_model(german, german_card):
    card = german_card
    res = card.score(german.features)
    a, b = card.calibration
    z = a * card.logits(german.features) + b
    assert np.allclose(res["pd"], 1 / (1 + np.exp(-z)))
    assert np.allclose(res["points"].sum(axis=1), s := res["score"])
    assert np.allclose(s, card.scaling.offset - card.scaling.factor * z)
    assert all(c < 0 for c in card.coef)  # sign constraint: a better bin never raises the PD


def test_custom_scaling_shifts_scores():
    with pytest.raises(BadInput):
        Scaling(pdo=0)
    s = Scaling(base_points=500, base_odds=20, pdo=40)
    assert s.offset + s.factor * math.log(20) == pytest.approx(500)


def test_reason_codes_are_the_largest_point_losses(german, german_card):
    card = german_card
    rec = german.features.iloc[1].to_dict()
    one = card.score_one(rec)
    batch = card.score(german.features.iloc[[1]])
    assert one["score"] == pytest.approx(float(batch["score"][0]))
    tables = card.points_tables()
    idx = card.bin_indices(german.features.iloc[[1]])[0]
    losses = sorted(((float(t.max() - t[k]), fb.name) for fb, t, k in zip(card.bins, tables, idx, strict=True)),
                    reverse=True)
    want = [name for loss, name in losses if loss > 1e-6][:4]
    assert [r["code"] for r in one["reasons"]] == want
    assert len(one["reasons"]) <= 4
    lost = [r["points_lost"] for r in one["reasons"]]
    assert lost == sorted(lost, reverse=True) and all(v > 0 for v in lost)
    order, _ = card.reason_indices(batch["points"])
    assert [card.bins[j].name for j in order[0] if j < len(card.bins)] == want


def test_best_applicant_has_no_reasons(german_card):
    card = german_card
    best = {}
    for fb, t in zip(card.bins, card.points_tables(), strict=True):
        k = int(np.argmax(t))
        if fb.kind == "categorical":
            best[fb.name] = fb.groups[k][0] if k < fb.n_bins else None
        else:
            best[fb.name] = (fb.edges[k] if k < len(fb.edges) else (fb.edges[-1] + 1 if fb.edges else 0.0)) \
                if k < fb.n_bins else None
    for c in card.inputs:
        best.setdefault(c, None)
    assert card.score_one(best)["reasons"] == []


def test_json_roundtrip_scores_identically(german, german_card):
    text = json.dumps(german_card.to_dict())
    again = Scorecard.from_dict(json.loads(text))
    assert np.allclose(again.score(german.features)["score"], german_card.score(german.features)["score"])
    with pytest.raises(BadInput):
        Scorecard.from_dict({"format": "pickle"})


def test_risk_band_edges():
    assert risk_band(0.01) == "A" and risk_band(0.02) == "B" and risk_band(0.3) == "E"
    assert risk_band(np.array([0.04, 0.19])).tolist() == ["B", "D"]


def test_taiwan_recipe_is_deterministic_and_documented(datasets):
    raw = pd.read_csv(datasets / "fate_default_credit" / "UCI_Credit_Card.csv", nrows=200)
    assert features.detect(list(raw.columns)) == "taiwan-card/v1"
    a = features.derive(raw, "taiwan-card/v1")
    b = features.derive(raw, "taiwan-card/v1")
    pd.testing.assert_frame_equal(a, b)
    row = raw.iloc[0]  # ID 1: PAY_0=2, PAY_2=2, PAY_3=-1 …, LIMIT 20000, BILL_AMT1 3913
    assert a.loc[0, "dq_max"] == 2 and a.loc[0, "dq_count"] == 2
    assert a.loc[0, "util_1"] == pytest.approx(row["BILL_AMT1"] / row["LIMIT_BAL"])
    assert a.loc[0, "pat_3m"] == "2/2/-1"
    for name in [c for c in a.columns if c not in raw.columns]:
        assert f"``{name}``" in features.__doc__


def test_single_row_scoring_matches_batch_on_taiwan(datasets):
    raw = pd.read_csv(datasets / "fate_default_credit" / "UCI_Credit_Card.csv", nrows=3000)
    y = raw.pop("default.payment.next.month").to_numpy()
    raw = raw.drop(columns=["ID"]).astype(float)
    card = training.fit_frame(raw, y, list(raw.columns), [])
    assert card.recipe == "taiwan-card/v1"
    res = card.score(raw.iloc[:50])
    for i in range(50):
        one = card.score_one(raw.iloc[i].to_dict())
        assert one["score"] == pytest.approx(float(res["score"][i]))
    with pytest.raises(BadInput, match="not a number"):
        card.score_one({**raw.iloc[0].to_dict(), card.inputs[0]: "abc"})


@pytest.mark.slow
def test_row_recipe_equals_vectorised_recipe(datasets):
    raw = pd.read_csv(datasets / "fate_default_credit" / "UCI_Credit_Card.csv", nrows=3000).astype(float)
    edge = raw.iloc[:4].copy()
    edge.loc[edge.index[0], "LIMIT_BAL"] = 0.0          # no limit: utilisation missing
    edge.loc[edge.index[1], ["PAY_0", "BILL_AMT2"]] = np.nan  # missing status and bill
    edge.loc[edge.index[2], ["BILL_AMT2", "BILL_AMT3"]] = -500.0
    edge.loc[edge.index[3], "PAY_0"] = 8.0
    frame = pd.concat([raw, edge], ignore_index=True)
    cols = {c: frame[c].to_numpy() for c in features.TAIWAN_REQUIRED}
    vec = features.taiwan_card_v1(cols)
    for i in range(len(frame)):
        row = features.taiwan_card_v1_row({c: float(frame.at[i, c]) for c in features.TAIWAN_REQUIRED})
        for name, values in vec.items():
            a, b = values[i], row[name]
            if isinstance(b, str):
                assert a == b, (i, name)
            else:
                assert (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b, rel=1e-12, abs=1e-12), (i, name)


def test_vectorised_reasons_equal_single_reasons(german, german_card):
    card = german_card
    res = card.score(german.features)
    order, lost = card.reason_indices(res["points"])
    for i in range(0, german.rows, 3):
        one = card.score_one(german.features.iloc[i].to_dict())
        codes = [card.bins[j].name for j in order[i] if j < len(card.bins)]
        assert codes == [r["code"] for r in one["reasons"]], i
        assert np.allclose(lost[i][: len(codes)], [r["points_lost"] for r in one["reasons"]], atol=0.006)
