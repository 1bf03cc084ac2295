"""Model registry, four-eyes approval, promotion, scoring with reasons, batch chunks, monitoring, access rules."""

from __future__ import annotations

import json

import numpy as np
import pytest

from portal.core.errors import BadInput, Conflict, Forbidden
from portal.core.models import ActivityLog
from portal.services.scoring import operations as ops
from portal.services.scoring.gbm import GbmModel
from portal.services.scoring.models import MonitoringRun, Score, ScoringModel


def _register(session, principal, german, card, name="retail-pd"):
    return ops.register_model(principal, name=name, model=card, training_data_sha256=german.sha256,
                              training_rows=german.rows, metrics={"auc": None},
                              baseline=ops._baseline(card, german.features),
                              model_card={"characteristics": [fb.name for fb in card.bins],
                                          "training_data": {"numeric": german.numeric,
                                                            "categorical": german.categorical}},
                              session=session)


@pytest.fixture
def champion(session, tenants, german, german_card):
    """bank-a's German scorecard (fitted once per session): registered, approved by the second admin, promoted."""
    row = _register(session, tenants["bank-a"], german, german_card)
    ops.approve_model(tenants["bank-a#2"], row.id, session=session)
    ops.promote_model(tenants["bank-a#2"], row.id, session=session)
    return row


def test_registry_records_version_hash_metrics_card(session, tenants, german):
    row = ops.train_model(tenants["bank-a"], name="retail-pd", dataset=german, folds=3, session=session)
    assert (row.version, row.kind, row.status) == (1, "scorecard", "challenger")
    assert row.training_data_sha256 == german.sha256 and len(row.training_data_sha256) == 64
    metrics = json.loads(row.metrics_json)
    assert metrics["auc"] > 0.75 and len(metrics["folds"]) == 3
    card = json.loads(row.model_card_json)
    assert card["training_data"]["rows"] == 1000 and card["characteristics"]
    assert row.created_by == tenants["bank-a"].user_id and row.approved_by is None
    assert json.loads(row.artifact_json)["format"] == "portal-scorecard/1"  # JSON, not pickle
    assert card["validation"]["auc"] == metrics["auc"]
    with pytest.raises(Forbidden):
        ops.train_model(tenants["agency-a"], name="x", dataset=german, folds=3, session=session)


def test_four_eyes_and_promotion_rules(session, tenants, german, german_card, champion):
    v2 = _register(session, tenants["bank-a"], german, german_card)
    assert v2.version == 2 and v2.status == "challenger"
    with pytest.raises(Conflict, match="approved before promotion"):
        ops.promote_model(tenants["bank-a"], v2.id, session=session)
    with pytest.raises(Forbidden, match="four eyes"):
        ops.approve_model(tenants["bank-a"], v2.id, session=session)
    with pytest.raises(Forbidden):
        ops.approve_model(tenants["bank-b"], v2.id, session=session)
    with pytest.raises(Forbidden, match="admin"):
        ops.approve_model(tenants["bank-a:analyst"], v2.id, session=session)
    ops.approve_model(tenants["bank-a#2"], v2.id, session=session)
    ops.promote_model(tenants["bank-a"], v2.id, session=session)
    assert session.get(ScoringModel, champion.id).status == "retired"
    assert session.get(ScoringModel, v2.id).status == "champion"


def test_gbm_challenger_is_signed_and_never_champion(session, tenants, german, keyring):
    model = GbmModel(max_iter=30).fit(german.features, german.y, german.numeric, german.categorical)
    row = ops.register_model(tenants["bank-a"], name="gbm-challenger", model=model, training_data_sha256=german.sha256,
                             training_rows=german.rows, metrics={}, baseline=ops._baseline(model, german.features),
                             model_card={}, session=session, keyring=keyring)
    key = ops.model_signing_key(keyring)
    again = GbmModel.from_signed_bytes(row.artifact_blob, key)
    assert np.allclose(again.predict_pd(german.features[:20]), model.predict_pd(german.features[:20]))
    tampered = bytearray(row.artifact_blob)
    tampered[-5] ^= 1
    with pytest.raises(BadInput, match="does not verify"):
        GbmModel.from_signed_bytes(bytes(tampered), key)
    ops.approve_model(tenants["bank-a#2"], row.id, session=session)
    with pytest.raises(Conflict, match="reason codes"):
        ops.promote_model(tenants["bank-a#2"], row.id, session=session)


def test_single_score_with_reason_codes(session, tenants, german, champion):
    rec = german.features.iloc[1].to_dict()
    out = ops.score_applicant(tenants["bank-a"], rec, name="retail-pd", subject_ref="app-1", session=session)
    assert out["band"] in "ABCDE" and 0 < out["pd"] < 1 and 1 <= len(out["reasons"]) <= 4
    assert session.query(Score).filter_by(subject_ref="app-1").count() == 1
    with pytest.raises(Forbidden):
        ops.score_applicant(tenants["bank-b"], rec, model_id=champion.id, subject_ref="x", session=session)


def test_batch_chunks_match_single_scores(session, tenants, german, champion):
    frame = german.features.iloc[:120].copy()
    frame["subject_ref"] = [f"s{i}" for i in range(120)]
    total = sum(ops.score_chunk(tenants["bank-a"], champion.id, chunk, session=session, batch_id="b1")
                for chunk in ops.iter_chunks(frame, size=50))
    assert total == 120
    stored = {s.subject_ref: s for s in session.query(Score).filter_by(batch_id="b1")}
    one = ops.score_applicant(tenants["bank-a"], german.features.iloc[7].to_dict(), model_id=champion.id,
                              store=False, session=session)
    assert stored["s7"].score == pytest.approx(one["score"], abs=0.01)
    assert [r["code"] for r in json.loads(stored["s7"].reasons_json)] == [r["code"] for r in one["reasons"]]


def test_other_bank_sees_only_the_band_agency_nothing(session, tenants, german, champion):
    ops.score_applicant(tenants["bank-a"], german.features.iloc[3].to_dict(), model_id=champion.id,
                        subject_ref="debtor-9", session=session)
    own = ops.read_subject_scores(tenants["bank-a"], "debtor-9", session=session)
    assert own["own"][0]["reasons"] and own["shared"] is None
    other = ops.read_subject_scores(tenants["bank-b"], "debtor-9", purpose="COLLECTION", session=session)
    assert other["own"] == [] and set(other["shared"]) == {"band"}
    assert other["shared"]["band"] == own["own"][0]["band"]
    assert session.query(ActivityLog).filter_by(action="scoring.band.read").count() == 1
    assert ops.read_subject_scores(tenants["bank-b"], "debtor-9", session=session)["shared"] is None
    with pytest.raises(BadInput, match="consentRef"):
        ops.read_subject_scores(tenants["bank-b"], "debtor-9", purpose="CREDIT_APPROVAL", session=session)
    with pytest.raises(Forbidden):
        ops.read_subject_scores(tenants["bank-b"], "debtor-9", purpose="SUPERVISION", session=session)
    with pytest.raises(Forbidden):
        ops.read_subject_scores(tenants["agency-a"], "debtor-9", purpose="COLLECTION", session=session)
    with pytest.raises(Forbidden):
        ops.read_subject_scores(tenants["agency-a"], "debtor-9", session=session)
    with pytest.raises(Forbidden):
        ops.read_subject_scores(tenants["regulator"], "debtor-9", purpose="SUPERVISION", session=session)


def test_regulator_gets_aggregates_and_cards(session, tenants, german, champion):
    ops.score_applicant(tenants["bank-a"], german.features.iloc[3].to_dict(), model_id=champion.id,
                        subject_ref="d1", session=session)
    agg = ops.score_aggregates(tenants["regulator"], session=session)
    assert agg[0]["scores"] == 1 and agg[0]["institution_id"] == tenants["bank-a"].institution_id
    assert ops.model_card(tenants["regulator"], champion.id, session=session)["card"]["characteristics"]
    with pytest.raises(Forbidden):
        ops.model_card(tenants["bank-b"], champion.id, session=session)
    with pytest.raises(Forbidden):
        ops.model_card(tenants["agency-a"], champion.id, session=session)
    assert ops.score_aggregates(tenants["bank-b"], session=session) == []
    with pytest.raises(Forbidden):
        ops.score_aggregates(tenants["agency-a"], session=session)
    with pytest.raises(Forbidden):
        ops.list_models(tenants["regulator"], session=session)
    assert [m["status"] for m in ops.list_models(tenants["bank-a"], session=session)] == ["champion"]


def test_stability_monitoring_alerts(session, tenants, german, champion):
    same = ops.monitor_model(tenants["bank-a"], champion.id, german.features.sample(500, random_state=1),
                             session=session)
    assert same["psi"] < 0.10 and same["psi_level"] == "stable"
    shifted = german.features.copy()
    worst = shifted["status_of_existing_checking_account"].value_counts().index
    shifted["status_of_existing_checking_account"] = worst[0]  # every applicant in one category
    shifted["duration_in_month"] = shifted["duration_in_month"] * 3
    report = ops.monitor_model(tenants["bank-a"], champion.id, shifted, session=session)
    assert report["level"] == "alert" and "status_of_existing_checking_account" in report["alerts"]
    assert report["csi"]["status_of_existing_checking_account"]["value"] >= 0.25
    assert session.query(MonitoringRun).count() == 2
    with pytest.raises(Forbidden):
        ops.monitor_model(tenants["bank-b"], champion.id, shifted, session=session)
