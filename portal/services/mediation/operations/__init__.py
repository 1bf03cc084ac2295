"""What the mediation service does: referral by the creditor bank, the mediator's steps to agreement and judicial
confirmation, the bank's withdrawal, reads scoped by the one policy, and the daily deadline sweep."""

from portal.services.mediation import policy as _policy  # noqa: F401 - registers the policies before any operation runs
from portal.services.mediation.operations.cases import (
    get_case,
    is_open,
    linked_to_mediator,
    list_cases,
    refer_to_mediation,
)
from portal.services.mediation.operations.progress import (
    accept_case,
    apply_for_confirmation,
    decline_case,
    fail_case,
    flag_overdue_confirmations,
    record_agreement,
    record_invitation,
    record_ruling,
    record_session,
    withdraw_case,
)

__all__ = [
    "accept_case",
    "apply_for_confirmation",
    "decline_case",
    "fail_case",
    "flag_overdue_confirmations",
    "get_case",
    "is_open",
    "linked_to_mediator",
    "list_cases",
    "record_agreement",
    "record_invitation",
    "record_ruling",
    "record_session",
    "refer_to_mediation",
    "withdraw_case",
]
