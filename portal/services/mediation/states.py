"""The status machine of a mediation case and the 30-day judicial-confirmation rule (pure: no database, no Flask).

REFERRED ──accept──▶ IN_MEDIATION ──agreement──▶ AGREED ──apply (≤ 30 days)──▶ CONFIRMATION_APPLIED ──ruling──▶
CONFIRMED | CONFIRMATION_REJECTED; REFERRED ──decline──▶ DECLINED; IN_MEDIATION or AGREED ──fail──▶ FAILED
(litigation advised); REFERRED, IN_MEDIATION or AGREED ──withdraw (the bank)──▶ WITHDRAWN.

A case is *open* from referral until it reaches a final status: while open, the mediator reads its debts in full
and the standards' mediation hold stops collection contact on them.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta

from portal.core.errors import BadInput, Conflict

# Civil Procedure Law: the parties apply for judicial confirmation within 30 days of the agreement taking effect.
CONFIRMATION_DAYS = 30


class Status(enum.StrEnum):
    """Where a case stands."""

    REFERRED = "referred"
    IN_MEDIATION = "in_mediation"
    AGREED = "agreed"
    CONFIRMATION_APPLIED = "confirmation_applied"
    CONFIRMED = "confirmed"
    CONFIRMATION_REJECTED = "confirmation_rejected"
    DECLINED = "declined"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


OPEN = frozenset({Status.REFERRED, Status.IN_MEDIATION, Status.AGREED, Status.CONFIRMATION_APPLIED})
FINAL = frozenset(Status) - OPEN

# step name -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status | None]] = {
    "accept": (frozenset({Status.REFERRED}), Status.IN_MEDIATION),
    "decline": (frozenset({Status.REFERRED}), Status.DECLINED),
    "invite": (frozenset({Status.IN_MEDIATION}), None),
    "session": (frozenset({Status.IN_MEDIATION}), None),
    "agreement": (frozenset({Status.IN_MEDIATION}), Status.AGREED),
    "apply": (frozenset({Status.AGREED}), Status.CONFIRMATION_APPLIED),
    "ruling": (frozenset({Status.CONFIRMATION_APPLIED}), None),  # CONFIRMED or CONFIRMATION_REJECTED
    "fail": (frozenset({Status.IN_MEDIATION, Status.AGREED}), Status.FAILED),
    "withdraw": (frozenset({Status.REFERRED, Status.IN_MEDIATION, Status.AGREED}), Status.WITHDRAWN),
}

_STEP_WORDS = {
    "accept": "accepted",
    "decline": "declined",
    "invite": "given invitations",
    "session": "given sessions",
    "agreement": "given an agreement",
    "apply": "applied for judicial confirmation",
    "ruling": "given a ruling",
    "fail": "closed as failed",
    "withdraw": "withdrawn",
}


def require_step(case_id: int, current: str, step: str) -> Status | None:
    """The status ``step`` leads to from ``current``; Conflict naming both when the step is not allowed there."""
    starts, target = TRANSITIONS[step]
    status = Status(current)
    if status not in starts:
        allowed = ", ".join(sorted(s.name for s in starts))
        raise Conflict(
            f"mediation case {case_id} is {status.name}; it can be {_STEP_WORDS[step]} only when {allowed}"
        )
    return target


def parse_status(value: str | None, field: str = "status") -> Status | None:
    """A status from its name or value (``IN_MEDIATION`` / ``in_mediation``); BadInput naming an unknown one."""
    if value is None or value == "":
        return None
    text = str(getattr(value, "value", value)).strip().lower()
    try:
        return Status(text)
    except ValueError:
        names = ", ".join(s.name for s in Status)
        raise BadInput(f"{field}: {value!r} is not a mediation status; expected one of {names}", field=field) from None


def confirmation_due_on(signed_on: date) -> date:
    """The last day to apply to a court for judicial confirmation: 30 days after the agreement was signed."""
    return signed_on + timedelta(days=CONFIRMATION_DAYS)


def days_left(due_on: date | None, today: date) -> int | None:
    """Days from ``today`` to the deadline (0 on the last day, negative once past); None without a deadline."""
    return None if due_on is None else (due_on - today).days
