"""Stability monitoring against a model's training baseline: PSI of the score, CSI per characteristic.

Runs come from three places, each stored as a ``MonitoringRun`` with its ``source``:
- ``applications``: :func:`monitor_model` on a frame of new applications (PSI and CSI);
- ``batch``: a finished batch, from the counts its chunks kept (PSI and CSI), see ``batches``;
- ``scores``: the scheduled job, :func:`monitor_recent_scores`, on the scores the model stored in the last
  ``WINDOW_DAYS`` days (PSI only: single scoring keeps no inputs, so no CSI).
Levels: stable below 0.10, warn from 0.10, alert from 0.25 (``metrics.stability_level``).
"""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.crypto import Keyring
from portal.core.errors import BadInput
from portal.core.timeutil import utcnow
from portal.services.scoring import monitoring
from portal.services.scoring.models import MonitoringRun, Score, ScoringModel
from portal.services.scoring.operations.common import check_after, check_limit, get_model, load_model
from portal.services.scoring.scorecard import Scorecard
from portal.services.scoring.views import RunView

WINDOW_DAYS = 30
MIN_ROWS = 100
MAX_ROWS = 200_000
LEVELS = ("stable", "warn", "alert")


def store_run(session: Session, row: ScoringModel, report: dict[str, Any], source: str,
              batch_id: int | None = None) -> MonitoringRun:
    """Write one monitoring run of ``row`` (flushed, so it has its id)."""
    body = {**report, "source": source, **({"batch_id": batch_id} if batch_id is not None else {})}
    run = MonitoringRun(institution_id=row.institution_id, model_id=row.id, rows=report["rows"], psi=report["psi"],
                        level=report["level"], report_json=json.dumps(body))
    session.add(run)
    session.flush()
    return run


@guarded("scoring.score.compute")
def monitor_model(principal: Principal, model_id: int, frame: pd.DataFrame, *, session: Session,
                  keyring: Keyring | None = None) -> dict[str, Any]:
    """PSI of the scores and CSI of each characteristic of new applications against the training baseline."""
    row = get_model(session, model_id)
    check_access("scoring.score.compute", principal, row)
    if len(frame) == 0:
        raise BadInput("no applications to monitor")
    model = load_model(row, keyring)
    baseline = json.loads(row.baseline_json)
    if isinstance(model, Scorecard):
        idx = model.bin_indices(frame)
        values = model.points(idx).sum(axis=1)
        chars = {fb.name: idx[:, j] for j, fb in enumerate(model.bins)}
    else:
        values, chars = model.predict_pd(frame), {}
    report = monitoring.stability_report(baseline, values, chars)
    run = store_run(session, row, report, "applications")
    return {"run_id": run.id, **report}


@guarded("scoring.score.compute")
def monitor_recent_scores(principal: Principal, model_id: int, *, session: Session, days: int = WINDOW_DAYS,
                          min_rows: int = MIN_ROWS) -> dict[str, Any] | None:
    """PSI of the scores ``model_id`` stored in the last ``days`` days; None when fewer than ``min_rows``."""
    row = get_model(session, model_id)
    check_access("scoring.score.compute", principal, row)
    baseline = json.loads(row.baseline_json or "{}")
    if baseline.get("edges") is None:
        return None
    column = Score.pd if baseline.get("field") == "pd" else Score.score
    since = utcnow() - timedelta(days=days)
    values = session.scalars(select(column).where(Score.model_id == row.id, Score.scored_at >= since,
                                                  column.is_not(None))
                             .order_by(Score.id.desc()).limit(MAX_ROWS)).all()
    if len(values) < min_rows:
        return None
    report = monitoring.stability_report(baseline, np.asarray(values, dtype=np.float64))
    run = store_run(session, row, report, "scores")
    return {"run_id": run.id, **report}


@guarded("scoring.monitoring.schedule")
def models_to_monitor(principal: Principal, *, session: Session) -> list[tuple[int, str, str, int]]:
    """(institution id, code, kind, model id) of every champion, for the scheduled job to visit bank by bank."""
    from portal.tenancy.models import Institution

    check_access("scoring.monitoring.schedule", principal)
    rows = session.execute(select(Institution.id, Institution.code, Institution.kind, ScoringModel.id)
                           .join(ScoringModel, ScoringModel.institution_id == Institution.id)
                           .where(ScoringModel.status == "champion").order_by(ScoringModel.id)).all()
    return [tuple(r) for r in rows]


def _min_level(level: Any) -> tuple[str, ...]:
    if level is None:
        return LEVELS
    text = str(getattr(level, "value", level)).strip().lower()
    if text not in LEVELS:
        raise BadInput(f"minLevel: {level!r} is not one of STABLE, WARN, ALERT", field="minLevel")
    return LEVELS[LEVELS.index(text):]


@guarded("scoring.model.read")
def runs_page(principal: Principal, *, session: Session, model_id: int | None = None, min_level: Any = None,
              after_id: int | None = None, limit: int | None = None) -> list[RunView]:
    """The bank's own monitoring runs, newest first; ``min_level`` WARN lists the warnings and alerts."""
    if model_id is not None:
        check_access("scoring.model.read", principal, get_model(session, model_id))
    else:
        check_access("scoring.model.read", principal, SimpleNamespace(institution_id=principal.institution_id))
    limit, after_id = check_limit(limit), check_after(after_id)
    q = select(MonitoringRun).where(MonitoringRun.institution_id == principal.institution_id,
                                    MonitoringRun.level.in_(_min_level(min_level)))
    if model_id is not None:
        q = q.where(MonitoringRun.model_id == model_id)
    if after_id is not None:
        q = q.where(MonitoringRun.id < after_id)
    runs = list(session.scalars(q.order_by(MonitoringRun.id.desc()).limit(limit)))
    for r in runs:
        check_access("scoring.model.read", principal, r)
    return [RunView.of(r) for r in runs]
