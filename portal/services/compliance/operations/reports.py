"""Agencies' compliance reports: the figures an agency declares, the same figures computed from what it logged,
the differences, deadlines and late flags, the regulator's review — and the filed report kept unchanged, anchored in
the evidence log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.access import Kind, Principal, check_access, guarded
from portal.core.crypto import Keyring
from portal.core.errors import BadInput, Conflict, NotFound
from portal.core.ids import parse_id
from portal.core.timeutil import SHANGHAI, utcnow
from portal.services.compliance.models import AttemptViolation, ComplianceReport, ContactAttempt
from portal.services.evidence import operations as evidence
from portal.tenancy.models import Institution

# Days after the period's end by which a report is due.
DUE_AFTER_DAYS = 10
# The figures an agency declares; each is a non-negative number (coverage as a share between 0 and 1).
DECLARED_FIELDS: dict[str, str] = {
    "attempts": "count",
    "connected_calls": "count",
    "complaints": "count",
    "recording_coverage": "share",
    "violations_found_by_qa": "count",
}
# Other services add figures they know (e.g. audit: recording coverage): fn(session, agency_id, start, end) -> dict.
FIGURE_CONTRIBUTORS: list[Callable[[Session, int, date, date], dict[str, Any]]] = []


def _bounds(start: date, end: date) -> tuple[Any, Any]:
    """UTC instants of the Shanghai days [start, end]."""
    from datetime import datetime, time

    lo = datetime.combine(start, time.min, SHANGHAI)
    hi = datetime.combine(end + timedelta(days=1), time.min, SHANGHAI)
    return lo, hi


def compute_figures(session: Session, agency_id: int, start: date, end: date) -> dict[str, Any]:
    """The figures of a period computed from what the agency logged (set-based, a few statements)."""
    lo, hi = _bounds(start, end)
    in_period = (ContactAttempt.agency_id == agency_id, ContactAttempt.started_at >= lo, ContactAttempt.started_at < hi)
    counts = dict(
        session.execute(
            select(ContactAttempt.state, func.count()).where(*in_period).group_by(ContactAttempt.state)
        ).all()
    )
    connected = (
        session.scalar(
            select(func.count()).where(
                *in_period, ContactAttempt.state == "logged", ContactAttempt.outcome == "connected"
            )
        )
        or 0
    )
    violations = dict(
        session.execute(
            select(AttemptViolation.severity, func.count())
            .join(ContactAttempt, ContactAttempt.id == AttemptViolation.attempt_id)
            .where(*in_period, AttemptViolation.phase == "logged")
            .group_by(AttemptViolation.severity)
        ).all()
    )
    figures: dict[str, Any] = {
        "attempts": counts.get("logged", 0),
        "connected_calls": connected,
        "refused_before_contact": counts.get("refused", 0),
        "standard_violations": sum(violations.values()),
        "standard_violations_by_severity": violations,
    }
    for contribute in FIGURE_CONTRIBUTORS:
        figures.update(contribute(session, agency_id, start, end))
    return figures


def read_declared(values: dict[str, Any], source: str = "report") -> dict[str, Any]:
    """Validate declared figures; BadInput naming the source, field and value of the first bad one."""
    unknown = sorted(set(values) - set(DECLARED_FIELDS))
    if unknown:
        raise BadInput(
            f"{source}: unknown figure {unknown[0]!r}; expected {', '.join(DECLARED_FIELDS)}", field=unknown[0]
        )
    out: dict[str, Any] = {}
    for name, kind in DECLARED_FIELDS.items():
        if name not in values or values[name] in (None, ""):
            raise BadInput(f"{source}: figure {name!r} is missing", field=name)
        try:
            number = Decimal(str(values[name]).strip())
        except InvalidOperation as exc:
            raise BadInput(f"{source}: {name} = {values[name]!r} is not a number", field=name) from exc
        if number < 0 or (kind == "count" and number != number.to_integral_value()) or (kind == "share" and number > 1):
            what = "a whole number ≥ 0" if kind == "count" else "a share between 0 and 1"
            raise BadInput(f"{source}: {name} = {values[name]!r} must be {what}", field=name)
        out[name] = int(number) if kind == "count" else str(number)
    return out


def differences(declared: dict[str, Any], computed: dict[str, Any]) -> dict[str, Any]:
    """Declared against computed, for every figure the portal can compute."""
    out = {}
    for name, value in declared.items():
        if name not in computed or computed[name] is None:
            continue
        d, c = Decimal(str(value)), Decimal(str(computed[name]))
        if d != c:
            out[name] = {"declared": value, "computed": computed[name], "difference": str(d - c)}
    return out


@guarded("compliance.report.file")
def file_compliance_report(
    principal: Principal,
    client_key: str,
    period_start: date,
    period_end: date,
    declared: dict[str, Any],
    *,
    session: Session,
    keyring: Keyring,
) -> ComplianceReport:
    """File a report for a period; idempotent per client key; anchored in the evidence log; kept unchanged."""
    check_access("compliance.report.file", principal)
    if period_end < period_start:
        raise BadInput(f"periodEnd {period_end} is before periodStart {period_start}", field="periodEnd")
    if period_end >= utcnow().astimezone(SHANGHAI).date():
        raise BadInput(f"periodEnd {period_end} has not ended yet", field="periodEnd")
    values = read_declared(declared)
    existing = session.scalar(
        select(ComplianceReport).where(
            ComplianceReport.agency_id == principal.institution_id, ComplianceReport.client_key == client_key
        )
    )
    if existing is not None:
        if (existing.period_start, existing.period_end, existing.declared) != (period_start, period_end, values):
            raise Conflict(f"clientKey {client_key!r} was already used for a different report")
        return existing
    computed = compute_figures(session, principal.institution_id, period_start, period_end)
    filed_at = utcnow()
    due_on = period_end + timedelta(days=DUE_AFTER_DAYS)
    document = {
        "agency": principal.institution_code,
        "period": [str(period_start), str(period_end)],
        "declared": values,
        "computed": computed,
        "filed_at": filed_at.isoformat(),
    }
    content = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    regulators = list(session.scalars(select(Institution.code).where(Institution.kind == Kind.REGULATOR.value)))
    stored = evidence.store_evidence(
        principal,
        [("compliance-report.json", content)],
        "compliance-report",
        regulators,
        session=session,
        keyring=keyring,
    )
    report = ComplianceReport(
        agency_id=principal.institution_id,
        client_key=client_key,
        period_start=period_start,
        period_end=period_end,
        due_on=due_on,
        filed_at=filed_at,
        filed_by=principal.user_id,
        late=filed_at.astimezone(SHANGHAI).date() > due_on,
        declared=values,
        computed=json.loads(json.dumps(computed, default=str)),
        differences=differences(values, computed),
        content_sha256=hashlib.sha256(content).hexdigest(),
        evidence_entry_id=stored.entry_id,
    )
    session.add(report)
    session.flush()
    return report


@guarded("compliance.report.review")
def review_report(
    principal: Principal, report_id: int, accept: bool, comment: str | None, *, session: Session
) -> ComplianceReport:
    """The regulator accepts or returns (with comments) a filed report; the filing itself never changes."""
    report = session.get(ComplianceReport, parse_id(report_id, "reportId"))
    if report is None:
        raise NotFound(f"no compliance report with id {report_id}")
    check_access("compliance.report.review", principal, report)
    if report.status != "filed":
        raise Conflict(f"report {report_id} was already {report.status}")
    if not accept and not (comment or "").strip():
        raise BadInput("returning a report needs a comment saying what to correct", field="comment")
    report.status = "accepted" if accept else "returned"
    report.review_comment = comment
    report.reviewed_by = principal.user_id
    report.reviewed_at = utcnow()
    return report


@guarded("compliance.report.read")
def list_reports(
    principal: Principal, *, after_id: int | None, limit: int, session: Session, status: str | None = None
) -> list[ComplianceReport]:
    """Reports the principal may read (its own, or all for the regulator), by id."""
    decision = check_access("compliance.report.read", principal)
    stmt = select(ComplianceReport).order_by(ComplianceReport.id).limit(limit)
    if decision["scope"] == "own":
        stmt = stmt.where(ComplianceReport.agency_id == principal.institution_id)
    if status:
        stmt = stmt.where(ComplianceReport.status == status)
    if after_id is not None:
        stmt = stmt.where(ComplianceReport.id > after_id)
    return list(session.scalars(stmt))
