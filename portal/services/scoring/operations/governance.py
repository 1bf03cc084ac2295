"""The per-bank model registry: register, train, approve (four eyes), promote; model pages and model cards."""

from __future__ import annotations

import hashlib
import json
import re
from types import SimpleNamespace
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.crypto import Keyring
from portal.core.errors import BadInput, Conflict, Forbidden, NotFound
from portal.core.timeutil import utcnow
from portal.services.scoring import evaluate, monitoring
from portal.services.scoring.data import Dataset, frame_hash
from portal.services.scoring.gbm import GbmModel
from portal.services.scoring.models import ScoringModel
from portal.services.scoring.operations.common import (
    check_after,
    check_limit,
    get_model,
    institutions,
    latest_runs,
    model_signing_key,
    users,
)
from portal.services.scoring.scorecard import Scaling, Scorecard
from portal.services.scoring.views import CardView, InstitutionRef, ModelView
from portal.tenancy.models import Institution

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
MODEL_STATUSES = ("challenger", "champion", "retired")
METRIC_KEYS = ("auc", "ks", "gini", "calibration_error")


@guarded("scoring.model.register")
def register_model(principal: Principal, *, name: str, model: Scorecard | GbmModel, training_data_sha256: str,
                   training_rows: int, metrics: dict[str, Any], baseline: dict[str, Any], model_card: dict[str, Any],
                   session: Session, keyring: Keyring | None = None) -> ScoringModel:
    """Store a new version of the bank's model ``name`` as a challenger."""
    check_access("scoring.model.register", principal, principal.institution_id)
    if not _NAME.match(name or ""):
        raise BadInput(f"model name {name!r} must be 1-80 letters, digits, dots, dashes or underscores")
    last = session.scalar(select(func.max(ScoringModel.version)).where(
        ScoringModel.institution_id == principal.institution_id, ScoringModel.name == name))
    row = ScoringModel(institution_id=principal.institution_id, name=name, version=(last or 0) + 1,
                       status="challenger", training_data_sha256=training_data_sha256, training_rows=training_rows,
                       metrics_json=json.dumps(metrics), model_card_json=json.dumps(model_card),
                       baseline_json=json.dumps(baseline), created_by=principal.user_id)
    if isinstance(model, Scorecard):
        text = json.dumps(model.to_dict(), sort_keys=True)
        row.kind, row.artifact_json = "scorecard", text
        row.artifact_sha256 = hashlib.sha256(text.encode()).hexdigest()
    elif isinstance(model, GbmModel):
        if keyring is None:
            raise BadInput("a keyring is needed to sign a gradient-boosting model")
        blob = model.to_signed_bytes(model_signing_key(keyring))
        row.kind, row.artifact_blob = "gbm", blob
        row.artifact_sha256 = hashlib.sha256(blob).hexdigest()
    else:
        raise BadInput(f"cannot register a {type(model).__name__}")
    session.add(row)
    session.flush()
    return row


def _baseline(model: Scorecard | GbmModel, frame: pd.DataFrame) -> dict[str, Any]:
    """The frozen monitoring baseline of a model on its training rows."""
    if isinstance(model, Scorecard):
        res = model.score(frame)
        idx = model.bin_indices(frame)
        chars = monitoring.characteristic_counts(
            [(fb.name, idx[:, j], fb.n_bins + 1) for j, fb in enumerate(model.bins)])
        return monitoring.make_baseline(res["score"], chars, field="score")
    return monitoring.make_baseline(model.predict_pd(frame), field="pd")


@guarded("scoring.model.register")
def train_model(principal: Principal, *, name: str, dataset: Dataset, kind: str = "scorecard", folds: int = 5,
                seed: int = 0, scaling: Scaling | None = None, session: Session,
                keyring: Keyring | None = None) -> ScoringModel:
    """Cross-validate, fit on every row, freeze the monitoring baseline, write the model card and register it."""
    check_access("scoring.model.register", principal, principal.institution_id)
    cv = evaluate.cross_validate(dataset, model=kind, folds=folds, seed=seed)
    model = evaluate.fit_model(kind, dataset.features, dataset.y, dataset.numeric, dataset.categorical, seed=seed)
    if isinstance(model, Scorecard) and scaling is not None:
        model.scaling, model._tables = scaling, None
    card: dict[str, Any] = {
        "name": name, "kind": kind, "intended_use": "probability of default of credit applicants of this bank",
        "training_data": {"sha256": dataset.sha256 or frame_hash(dataset.features, dataset.y),
                          "rows": dataset.rows, "bad_rate": round(float(dataset.y.mean()), 6),
                          "label": dataset.label, "positive": dataset.positive,
                          "numeric": dataset.numeric, "categorical": dataset.categorical},
        "validation": {k: cv[k] for k in ("auc", "ks", "gini", "calibration_error", "calibration",
                                          "calibration_noise_floor")} | {"folds": folds, "seed": seed},
        "registered_by": principal.email,
        "limitations": "validated on the training population only; monitor PSI/CSI on new applications",
    }
    if isinstance(model, Scorecard):
        card["scaling"] = {"base_points": model.scaling.base_points, "base_odds": model.scaling.base_odds,
                           "pdo": model.scaling.pdo}
        card["recipe"] = model.recipe
        card["characteristics"] = [{"name": fb.name, "iv": round(fb.iv, 4), "trend": fb.trend, "bins": fb.n_bins}
                                   for fb in model.bins]
        card["points"] = model.summary_table()
    else:
        card["reason_codes"] = "none: a challenger for benchmarking; it cannot become champion"
    return register_model(principal, name=name, model=model,
                          training_data_sha256=card["training_data"]["sha256"], training_rows=dataset.rows,
                          metrics=cv, baseline=_baseline(model, dataset.features), model_card=card,
                          session=session, keyring=keyring)


@guarded("scoring.model.approve")
def approve_model(principal: Principal, model_id: int, *, session: Session) -> ScoringModel:
    """Record the approval of a model version (four eyes: not by the user who registered it)."""
    row = get_model(session, model_id)
    check_access("scoring.model.approve", principal, row)
    if row.approved_at is not None:
        raise Conflict(f"scoring model {row.id} is already approved")
    if row.created_by is not None and row.created_by == principal.user_id:
        raise Forbidden("four eyes: the user who registered a model cannot approve it")
    if principal.user_id is None:
        raise Forbidden("a model is approved by a person, not by a scheduled job")
    row.approved_by, row.approved_at = principal.user_id, utcnow()
    session.flush()
    return row


@guarded("scoring.model.promote")
def promote_model(principal: Principal, model_id: int, *, session: Session) -> ScoringModel:
    """Make an approved challenger the champion of its name; the previous champion is retired."""
    row = get_model(session, model_id)
    check_access("scoring.model.promote", principal, row)
    if row.status != "challenger":
        raise Conflict(f"scoring model {row.id} is {row.status}, not a challenger")
    if row.approved_at is None:
        raise Conflict(f"scoring model {row.id} must be approved before promotion")
    if row.kind != "scorecard":
        raise Conflict("a champion must give reason codes: only a scorecard can be promoted")
    now = utcnow()
    for old in session.scalars(select(ScoringModel).where(
            ScoringModel.institution_id == row.institution_id, ScoringModel.name == row.name,
            ScoringModel.status == "champion")):
        old.status, old.retired_at = "retired", now
    row.status, row.promoted_at = "champion", now
    session.flush()
    return row


def _card(row: ScoringModel, inst: InstitutionRef) -> CardView:
    return CardView(row.id, inst, row.name, row.version, row.kind, row.status, row.training_data_sha256,
                    row.training_rows, row.approved_at, row.promoted_at, json.loads(row.model_card_json or "{}"))


def _metrics(row: ScoringModel) -> dict[str, Any]:
    return {k: v for k, v in json.loads(row.metrics_json or "{}").items() if k in METRIC_KEYS}


def model_views(session: Session, rows: list[ScoringModel]) -> list[ModelView]:
    """ModelViews of rows the caller was allowed to read (three statements for any number of rows)."""
    insts = institutions(session, {r.institution_id for r in rows})
    people = users(session, [x for r in rows for x in (r.created_by, r.approved_by)],
                   rows[0].institution_id if rows else None)
    runs = latest_runs(session, [r.id for r in rows])
    out = []
    for r in rows:
        inst = insts[r.institution_id]
        out.append(ModelView(r.id, inst, r.name, r.version, r.kind, r.status, r.training_data_sha256,
                             r.training_rows, _metrics(r), _card(r, inst), people.get(r.created_by),
                             r.created_at, people.get(r.approved_by), r.approved_at, r.promoted_at, r.retired_at,
                             runs.get(r.id)))
    return out


def _status(status: Any) -> str | None:
    if status is None:
        return None
    text = str(getattr(status, "value", status)).strip().lower()
    if text not in MODEL_STATUSES:
        raise BadInput(f"status: {status!r} is not one of {', '.join(MODEL_STATUSES)}", field="status")
    return text


@guarded("scoring.model.read")
def models_page(principal: Principal, *, session: Session, after_id: int | None = None, limit: int | None = None,
                name: str | None = None, status: Any = None) -> list[ModelView]:
    """The bank's own model versions, newest first (keyset on id): versions, hashes, metrics, cards, approvers."""
    check_access("scoring.model.read", principal, SimpleNamespace(institution_id=principal.institution_id))
    limit, after_id = check_limit(limit), check_after(after_id)
    q = select(ScoringModel).where(ScoringModel.institution_id == principal.institution_id)
    if name:
        q = q.where(ScoringModel.name == name)
    if (wanted := _status(status)) is not None:
        q = q.where(ScoringModel.status == wanted)
    if after_id is not None:
        q = q.where(ScoringModel.id < after_id)
    rows = list(session.scalars(q.order_by(ScoringModel.id.desc()).limit(limit)))
    for r in rows:
        check_access("scoring.model.read", principal, r)
    return model_views(session, rows)


@guarded("scoring.model.read")
def get_model_view(principal: Principal, model_id: int, *, session: Session) -> ModelView:
    """One of the bank's own model versions (NOT_FOUND for a model that does not exist)."""
    row = get_model(session, model_id)
    check_access("scoring.model.read", principal, row)
    return model_views(session, [row])[0]


@guarded("scoring.model.read")
def list_models(principal: Principal, *, session: Session) -> list[dict[str, Any]]:
    """The bank's own model versions as plain dicts (CLI and tests), by name then newest version."""
    check_access("scoring.model.read", principal, SimpleNamespace(institution_id=principal.institution_id))
    rows = session.scalars(select(ScoringModel).where(ScoringModel.institution_id == principal.institution_id)
                           .order_by(ScoringModel.name, ScoringModel.version.desc())).all()
    return [{"id": r.id, "name": r.name, "version": r.version, "kind": r.kind, "status": r.status,
             "metrics": _metrics(r), "approved": r.approved_at is not None} for r in rows]


@guarded("scoring.model.card")
def model_card(principal: Principal, model_id: int, *, session: Session) -> dict[str, Any]:
    """The model card (training data, validation, characteristics) with status and approvals."""
    row = get_model(session, model_id)
    check_access("scoring.model.card", principal, row)
    return {"id": row.id, "institution_id": row.institution_id, "name": row.name, "version": row.version,
            "kind": row.kind, "status": row.status, "training_data_sha256": row.training_data_sha256,
            "approved_by": row.approved_by, "approved_at": row.approved_at and row.approved_at.isoformat(),
            "promoted_at": row.promoted_at and row.promoted_at.isoformat(), "card": json.loads(row.model_card_json)}


@guarded("scoring.model.card")
def cards_page(principal: Principal, *, session: Session, after_id: int | None = None, limit: int | None = None,
               institution_code: str | None = None) -> list[CardView]:
    """Model cards, newest first: the regulator every bank's (or one bank's by code), a bank its own."""
    decision = check_access("scoring.model.card", principal, None)
    limit, after_id = check_limit(limit), check_after(after_id)
    q = select(ScoringModel)
    if institution_code:
        inst_id = session.scalar(select(Institution.id).where(Institution.code == institution_code))
        if inst_id is None:
            raise NotFound(f"institution {institution_code!r} does not exist")
        check_access("scoring.model.card", principal, SimpleNamespace(institution_id=inst_id))
        q = q.where(ScoringModel.institution_id == inst_id)
    if decision["scope"] != "all":
        q = q.where(ScoringModel.institution_id == principal.institution_id)
    if after_id is not None:
        q = q.where(ScoringModel.id < after_id)
    rows = list(session.scalars(q.order_by(ScoringModel.id.desc()).limit(limit)))
    for r in rows:
        check_access("scoring.model.card", principal, r)
    insts = institutions(session, {r.institution_id for r in rows})
    return [_card(r, insts[r.institution_id]) for r in rows]
