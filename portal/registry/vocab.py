"""The registry's vocabulary: kinds, statuses, purposes, relations, and the pure date rules (no database, no Flask).

Days past due and the 5-year retention rule are computed *as of a date*, here in Python and mirrored in SQL
(``scoping.not_retained``, ``rls.SUMMARY_FUNCTION``); a test checks both agree.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from portal.core.errors import BadInput
from portal.core.timeutil import SHANGHAI, utcnow

RETENTION_YEARS = 5
DISPUTE_ANSWER_DAYS = 20
MAX_PAGE = 100
DEFAULT_PAGE = 20


class _Parsable(enum.StrEnum):
    """A string enum that parses its value or its name, case-insensitively, with a BadInput naming the value."""

    @classmethod
    def parse(cls, value: object, field: str | None = None):  # noqa: ANN206 - returns cls
        """The member for ``value`` (a member, its value or its name); BadInput naming the value otherwise."""
        if isinstance(value, cls):
            return value
        if isinstance(value, enum.Enum):
            value = value.name
        text = str(value or "").strip()
        for member in cls:
            if text.lower() in (member.value.lower(), member.name.lower()):
                return member
        label = field or cls.__name__
        choices = ", ".join(m.name for m in cls)
        raise BadInput(f"{label}: {value!r} is not one of {choices}", field=field)


class DebtorKind(_Parsable):
    """A natural person (resident identity number) or an enterprise (unified social credit code)."""

    PERSON = "person"
    ENTERPRISE = "enterprise"


class DebtStatus(_Parsable):
    """The status a creditor reports for a debt."""

    CURRENT = "current"
    OVERDUE = "overdue"
    WRITTEN_OFF = "written_off"
    SETTLED = "settled"
    IN_LITIGATION = "in_litigation"


ARREARS = frozenset({DebtStatus.OVERDUE, DebtStatus.WRITTEN_OFF, DebtStatus.IN_LITIGATION})
"""Adverse statuses: days past due run, and a debt once in one of them is an adverse record for retention."""


class Purpose(_Parsable):
    """Why a debtor is looked up (CONTRACT.md ``Purpose``)."""

    CREDIT_APPROVAL = "credit_approval"
    POST_LOAN_MANAGEMENT = "post_loan_management"
    COLLECTION = "collection"
    LITIGATION = "litigation"
    SUPERVISION = "supervision"
    DATA_SUBJECT_REQUEST = "data_subject_request"


class DisputeOutcome(_Parsable):
    """The creditor's answer to an objection."""

    UPHELD = "upheld"
    CORRECTED = "corrected"
    REJECTED = "rejected"


class Relation(enum.StrEnum):
    """How an institution stands to a debt or a debtor; the columns of ACCESS.md."""

    CREDITOR = "creditor"  # the bank that reported the debt
    ASSIGNED_AGENCY = "assigned_agency"  # an agency with an active assignment
    CASE_MEDIATOR = "case_mediator"  # a mediator whose case holds the debt
    REQUEST_TRACER = "request_tracer"  # a tracer with a tracing request on the debt
    REGULATOR = "regulator"
    NONE = "none"  # any other institution (other bank, other agency...)


class IdentityView(enum.StrEnum):
    """How much of a debtor's identifier a viewer sees."""

    WHOLE = "whole"
    MASKED = "masked"
    HIDDEN = "hidden"


def shanghai_today(now: datetime | None = None) -> date:
    """Today's date in Asia/Shanghai (the region's calendar for due dates and retention)."""
    return (now or utcnow()).astimezone(SHANGHAI).date()


def years_before(day: date, years: int) -> date:
    """``day`` moved back ``years`` calendar years (29 February becomes 28 February), as PostgreSQL does."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def retention_cutoff(as_of: date) -> date:
    """Adverse records settled on or before this date are no longer shown to anyone but the regulator."""
    return years_before(as_of, RETENTION_YEARS)


def is_retained(adverse: bool, settled_on: date | None, as_of: date) -> bool:
    """True when the 5-year rule hides the record (an adverse record settled 5 or more years before ``as_of``)."""
    return bool(adverse) and settled_on is not None and settled_on <= retention_cutoff(as_of)


def days_past_due(status: str, due_on: date, as_of: date) -> int:
    """Days past due as of ``as_of``: from the due date of the oldest unpaid amount, for debts in arrears only."""
    if DebtStatus(status) not in ARREARS:
        return 0
    return max(0, (as_of - due_on).days)


def answer_due_on(opened_at: datetime) -> date:
    """The date by which the creditor must answer a dispute opened at ``opened_at`` (20 calendar days, Shanghai)."""
    return shanghai_today(opened_at) + timedelta(days=DISPUTE_ANSWER_DAYS)


def check_limit(limit: int | None) -> int:
    """A page size between 1 and 100 (default 20); BadInput naming the value otherwise — never all rows."""
    if limit is None:
        return DEFAULT_PAGE
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise BadInput(f"first: {limit!r} must be between 1 and {MAX_PAGE}", field="first")
    return limit
