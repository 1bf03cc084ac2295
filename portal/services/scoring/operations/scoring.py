"""Scoring applicants with the bank's own models: one with reason codes, or a chunk of a batch (vectorised)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.crypto import Keyring
from portal.core.errors import BadInput
from portal.core.timeutil import utcnow
from portal.services.scoring.gbm import GbmModel
from portal.services.scoring.models import Score, ScoringModel
from portal.services.scoring.operations.common import (
    check_record,
    get_model,
    load_model,
    resolve_model,
    score_purpose,
)
from portal.services.scoring.scorecard import Scorecard, risk_band


def reason_text(feature: str, label: str | None, points: float) -> str:
    """One sentence for a reason code, e.g. ``duration_in_month in (24, 36] costs 14.2 points``."""
    if label is None:
        where = feature
    elif label == "missing or unseen":
        where = f"{feature} is missing or unseen"
    elif label.startswith(("<=", ">")):
        where = f"{feature} {label}"
    elif label.startswith("("):
        where = f"{feature} in {label}"
    elif ", " in label:
        where = f"{feature} is one of {label}"
    else:
        where = f"{feature} is {label}"
    return f"{where}: {points:.1f} points below its best bin"


def reasons_with_text(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored reasons ({code, bin?, points_lost}) with the sentence added."""
    return [{**r, "text": reason_text(r["code"], r.get("bin"), float(r["points_lost"]))} for r in reasons]


def _debtor_link(session: Session, keyring: Keyring | None, debtor_ref: Any) -> tuple[int | None, str]:
    """(registry debtor id or None, the keyed hash of the identifier) of a DebtorRef, without revealing which."""
    from portal.registry.inputs import debtor_ref as parse_ref
    from portal.registry.parties import debtor_hash, find_debtor

    if keyring is None:
        raise BadInput("a keyring is needed to link a score to a debtor")
    kind, number = parse_ref(debtor_ref)
    debtor = find_debtor(session, keyring, kind, number)
    return (debtor.id if debtor is not None else None), debtor_hash(keyring, number)


@guarded("scoring.score.compute")
def score_applicant(principal: Principal, record: dict[str, Any], *, model_id: int | None = None,
                    name: str | None = None, subject_ref: str | None = None, debtor_id: int | None = None,
                    debtor_ref: Any = None, purpose: Any = None, store: bool = True, session: Session,
                    keyring: Keyring | None = None) -> dict[str, Any]:
    """Score one applicant with the bank's model (``model_id``, else the champion of ``name``, else the bank's only
    champion), with reason codes. Inputs are validated (unknown names, text in numeric inputs). When stored, the
    score is linked to the registry's debtor given by ``debtor_ref`` (so another bank's band read leaves an
    Inquiry), and ``subject_ref`` defaults to the keyed hash of its identifier, else a random reference."""
    if model_id is None:  # "may it score with its own models at all?" before looking for its champion
        check_access("scoring.score.compute", principal, SimpleNamespace(institution_id=principal.institution_id))
    row = resolve_model(session, principal.institution_id, model_id, name)
    check_access("scoring.score.compute", principal, row)
    model = load_model(row, keyring)
    record = check_record(row, model, record)
    purpose_name = score_purpose(purpose)
    if subject_ref is not None and not (isinstance(subject_ref, str) and 0 < len(subject_ref.strip()) <= 64):
        raise BadInput(f"subjectRef: {subject_ref!r} must be 1-64 characters", field="subjectRef")
    if isinstance(model, Scorecard):
        res = model.score_one(record)
    else:
        pdv = float(model.predict_pd(pd.DataFrame([record]))[0])
        res = {"score": None, "pd": pdv, "band": risk_band(pdv), "reasons": []}
    out = {"model_id": row.id, "model": row.name, "version": row.version, "score_id": None, **res,
           "reasons": reasons_with_text(res["reasons"]), "purpose": purpose_name, "scored_at": utcnow()}
    if out["score"] is not None:
        out["score"] = round(float(out["score"]), 2)
    if store:
        if debtor_ref is not None:
            debtor_id, hashed = _debtor_link(session, keyring, debtor_ref)
            subject_ref = subject_ref or hashed
        subject_ref = (subject_ref or "").strip() or f"anon-{uuid.uuid4().hex}"
        score = Score(institution_id=row.institution_id, model_id=row.id, subject_ref=subject_ref,
                      debtor_id=debtor_id, score=out["score"], pd=out["pd"], band=out["band"], purpose=purpose_name,
                      reasons_json=json.dumps(res["reasons"]), scored_at=out["scored_at"])
        session.add(score)
        session.flush()
        out["score_id"] = score.id
    out["subject_ref"] = subject_ref
    return out


def score_frame(model: Scorecard | GbmModel, frame: pd.DataFrame,
                baseline: dict[str, Any] | None = None) -> dict[str, Any]:
    """Vectorised scores, PDs, bands and reasons (JSON text per row) of a frame, and, given the model's monitoring
    baseline, the counts a stability run needs (score bins, and bins per characteristic)."""
    chars: dict[str, list[int]] = {}
    if isinstance(model, Scorecard):
        idx = model.bin_indices(frame)
        pts = model.points(idx)
        total = pts.sum(axis=1)
        pds = model.score_to_pd(total)
        order, lost = model.reason_indices(pts)
        names = [fb.name for fb in model.bins] + [None]
        reasons = [json.dumps([{"code": names[j], "points_lost": round(float(v), 2)}
                               for j, v in zip(o_row, l_row, strict=True) if names[j]])
                   for o_row, l_row in zip(order, lost, strict=True)]
        scores: list[float | None] = [round(float(v), 2) for v in total]
        values = total
        if baseline and baseline.get("characteristics"):
            chars = {fb.name: np.bincount(idx[:, j], minlength=fb.n_bins + 1).astype(int).tolist()
                     for j, fb in enumerate(model.bins)}
    else:
        pds = model.predict_pd(frame)
        scores, reasons, values = [None] * len(frame), ["[]"] * len(frame), pds
    counts = None
    if baseline and baseline.get("edges") is not None:
        field = baseline.get("field", "score")
        counts = {"score": _bin_counts(pds if field == "pd" else values, baseline["edges"]), "characteristics": chars}
    return {"scores": scores, "pds": np.asarray(pds, dtype=np.float64), "bands": risk_band(np.asarray(pds)),
            "reasons": reasons, "counts": counts}


def _bin_counts(values: np.ndarray, edges: list[float]) -> list[int]:
    from portal.services.scoring.monitoring import bin_counts

    return bin_counts(np.asarray(values, dtype=np.float64), edges)


def insert_scores(session: Session, row: ScoringModel, refs: list[str], debtor_ids: list[int | None],
                  result: dict[str, Any], *, batch_id: str | None, purpose: str | None) -> int:
    """Bulk-insert the scores of :func:`score_frame` (one statement)."""
    now = utcnow()
    session.execute(insert(Score), [
        {"institution_id": row.institution_id, "model_id": row.id, "subject_ref": refs[i],
         "debtor_id": debtor_ids[i], "score": result["scores"][i], "pd": float(result["pds"][i]),
         "band": str(result["bands"][i]), "reasons_json": result["reasons"][i], "batch_id": batch_id,
         "purpose": purpose, "scored_at": now}
        for i in range(len(refs))])
    return len(refs)


@guarded("scoring.score.compute")
def score_chunk(principal: Principal, model_id: int, rows: list[dict[str, Any]], *, session: Session,
                batch_id: str | None = None, keyring: Keyring | None = None) -> int:
    """Score one chunk of records (vectorised) and store every score with its reason codes; returns the count."""
    row = get_model(session, model_id)
    check_access("scoring.score.compute", principal, row)
    if not rows:
        return 0
    refs = [str(r.get("subject_ref") or "") for r in rows]
    if not all(refs):
        raise BadInput(f"row {refs.index('') + 1} of the chunk has no subject_ref")
    model = load_model(row, keyring)
    result = score_frame(model, pd.DataFrame(rows))
    return insert_scores(session, row, refs, [r.get("debtor_id") for r in rows], result, batch_id=batch_id,
                         purpose=None)


def iter_chunks(frame: pd.DataFrame, size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    """Split a batch into row chunks (lists of dicts) for :func:`score_chunk` or a stored batch."""
    if size < 1:
        raise BadInput("chunk size must be positive")
    for start in range(0, len(frame), size):
        part = frame.iloc[start:start + size]
        yield part.astype(object).where(part.notna(), None).to_dict(orient="records")
