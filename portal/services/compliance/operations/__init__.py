"""What the compliance service does: standards in force, contact attempts checked before contact, compliance reports."""

from portal.services.compliance.operations import reports
from portal.services.compliance.operations.attempts import (
    AttemptResult,
    check_contact,
    list_violations,
    record_case_event,
    record_contact_attempt,
)
from portal.services.compliance.operations.reports import (
    compute_figures,
    file_compliance_report,
    list_reports,
    review_report,
)
from portal.services.compliance.operations.standards import (
    list_published,
    publish_standard,
    standard_in_force,
)

__all__ = [
    "reports",
    "AttemptResult",
    "check_contact",
    "compute_figures",
    "file_compliance_report",
    "list_published",
    "list_reports",
    "list_violations",
    "publish_standard",
    "record_case_event",
    "record_contact_attempt",
    "review_report",
    "standard_in_force",
]
