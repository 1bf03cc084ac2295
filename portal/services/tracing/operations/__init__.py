"""What the tracing service does: requests, signals (single and JSONL batches) with entity resolution, warning
scores and alerts."""

from portal.services.tracing.operations.alerts import (
    AlertFilter,
    acknowledge_alert,
    acknowledgements,
    debtors_to_rescore,
    list_alerts,
    rescore_debtors,
)
from portal.services.tracing.operations.requests import close_request, get_request, list_requests, request_tracing
from portal.services.tracing.operations.signals import (
    CHUNK,
    BatchResult,
    batch_lines,
    link_signal,
    list_unresolved,
    parse_signal,
    post_batch,
    post_signal,
)

__all__ = [
    "CHUNK",
    "AlertFilter",
    "BatchResult",
    "acknowledge_alert",
    "acknowledgements",
    "batch_lines",
    "close_request",
    "debtors_to_rescore",
    "get_request",
    "link_signal",
    "list_alerts",
    "list_requests",
    "list_unresolved",
    "parse_signal",
    "post_batch",
    "post_signal",
    "request_tracing",
    "rescore_debtors",
]
