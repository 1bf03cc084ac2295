"""What the audit service does (no Flask): recordings, transcripts and findings, spot checks and reviews.

Every public function takes the principal first, asks ``check_access`` first and takes ``session=``; none commits.
"""

from portal.services.audit.operations.recordings import (
    Coverage,
    RecordingStream,
    UploadResult,
    coverage,
    coverage_gaps,
    open_recording,
    recording_info,
    upload_recording,
)
from portal.services.audit.operations.reviews import InboxPage, InboxRow, review_inbox
from portal.services.audit.operations.spotchecks import (
    Agreement,
    ComplianceRate,
    ItemView,
    SpotCheckSpec,
    add_finding,
    agreement,
    complete_review,
    compliance_rates,
    create_spot_check,
    decide_finding,
    get_spot_check,
    items_findings,
    list_spot_checks,
    review_item,
    review_queue,
)
from portal.services.audit.operations.transcripts import (
    CHUNK,
    BatchResult,
    FindingFilter,
    SubmitResult,
    TranscriptView,
    get_batch,
    list_findings,
    prepare_scan,
    read_transcript,
    realtime,
    scan_transcripts,
    store_scan,
    submit_transcript,
    upload_batch,
)

__all__ = [
    "CHUNK", "Agreement", "BatchResult", "ComplianceRate", "Coverage", "FindingFilter", "InboxPage", "InboxRow",
    "ItemView", "RecordingStream", "SpotCheckSpec", "SubmitResult", "TranscriptView", "UploadResult", "add_finding",
    "agreement", "complete_review", "compliance_rates", "coverage", "coverage_gaps", "create_spot_check",
    "decide_finding", "get_batch", "get_spot_check", "items_findings", "list_findings", "list_spot_checks",
    "open_recording", "prepare_scan", "read_transcript", "realtime", "recording_info", "review_inbox", "review_item",
    "review_queue", "scan_transcripts", "store_scan", "submit_transcript", "upload_batch", "upload_recording",
]
