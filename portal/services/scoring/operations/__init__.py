"""Scoring operations: the model registry per bank, promotion, single and batch scoring, monitoring, reading.

Every public function takes the acting :class:`Principal` first, asks ``check_access`` before touching data it
returns or changes, receives the session as ``session=`` and never commits (the edge owns the transaction).

- models: :func:`register_model`, :func:`train_model`, :func:`approve_model`, :func:`promote_model`,
  :func:`models_page`, :func:`get_model_view`, :func:`list_models`, :func:`model_card`, :func:`cards_page`
- scoring: :func:`score_applicant`, :func:`score_chunk`, :func:`iter_chunks`
- batches: :func:`create_batch`, :func:`score_batch_chunk`, :func:`fail_chunk`, :func:`finish_batch`,
  :func:`get_batch`
- monitoring: :func:`monitor_model`, :func:`monitor_recent_scores`, :func:`models_to_monitor`, :func:`runs_page`
- reading: :func:`read_subject_scores`, :func:`shared_risk_band`, :func:`band_for_report` (the registry's
  ``DebtorReport``), :func:`risk_band_for_ref`, :func:`scores_page`, :func:`aggregates_page`, :func:`score_aggregates`
"""

from portal.services.scoring import policy as _policy  # noqa: F401  (registers the scoring policies)
from portal.services.scoring.operations.batches import (
    create_batch,
    fail_chunk,
    finish_batch,
    get_batch,
    score_batch_chunk,
)
from portal.services.scoring.operations.common import model_signing_key
from portal.services.scoring.operations.governance import (
    _baseline,
    approve_model,
    cards_page,
    get_model_view,
    list_models,
    model_card,
    models_page,
    promote_model,
    register_model,
    train_model,
)
from portal.services.scoring.operations.monitor import (
    models_to_monitor,
    monitor_model,
    monitor_recent_scores,
    runs_page,
)
from portal.services.scoring.operations.reads import (
    aggregates_page,
    band_for_report,
    read_subject_scores,
    risk_band_for_ref,
    score_aggregates,
    scores_page,
    shared_risk_band,
)
from portal.services.scoring.operations.scoring import iter_chunks, score_applicant, score_chunk

__all__ = [
    "_baseline",
    "aggregates_page",
    "approve_model",
    "band_for_report",
    "cards_page",
    "create_batch",
    "fail_chunk",
    "finish_batch",
    "get_batch",
    "get_model_view",
    "iter_chunks",
    "list_models",
    "model_card",
    "model_signing_key",
    "models_page",
    "models_to_monitor",
    "monitor_model",
    "monitor_recent_scores",
    "promote_model",
    "read_subject_scores",
    "register_model",
    "risk_band_for_ref",
    "runs_page",
    "score_aggregates",
    "score_applicant",
    "score_batch_chunk",
    "score_chunk",
    "scores_page",
    "shared_risk_band",
    "train_model",
]
