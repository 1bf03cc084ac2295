"""The audit rows of ACCESS.md ("contact attempts, recordings, transcripts" and "violations found in calls"), one
policy per action; operations ask them through ``check_access``.

Content (a recording's audio, a transcript's turns) is shown to: the creditor bank of the attempt's debt; the agency
that made the attempt *while it still works the debt* (its assignment is active); the regulator's auditors (spot
checks). Never to another bank, another agency, a mediator or a tracer. Findings and coverage lists are scoped the
same way (an agency keeps seeing its own findings after the assignment ended). Writes (upload, transcripts, the live
monitor) are the assigned agency's operators'. Spot checks and reviews are the regulator's auditors'.

Targets are duck-typed rows with ``agency_id`` and ``creditor_id`` (attempts, recordings, transcripts, findings);
``working`` (the agency's assignment of the debt is active) is computed by the operation and passed in.
"""

from __future__ import annotations

from typing import Any

from portal.access import Decision, Kind, Principal, Role, policy

READ_ROLES = frozenset({Role.ANALYST, Role.OPERATOR, Role.AUDITOR})
WRITE_ROLES = frozenset({Role.OPERATOR})
AUDITOR = frozenset({Role.AUDITOR})
REGULATOR_READ = frozenset({Role.AUDITOR, Role.ANALYST})


def _roles(principal: Principal, roles: frozenset[Role]) -> Decision | None:
    if principal.kind is None or principal.institution_id is None:
        return Decision.deny("audit data is shown to member institutions only")
    if not roles & principal.roles:
        return Decision.deny("this needs the " + " or ".join(sorted(r.value for r in roles)) + " role")
    return None


def _content(principal: Principal, row: Any, working: bool, what: str) -> Decision:
    """Creditor bank, the agency that made the attempt while it works the debt, the regulator's auditors."""
    kind = principal.kind
    if kind is Kind.REGULATOR:
        return _roles(principal, AUDITOR) or Decision.allow(scope="all")
    refusal = _roles(principal, READ_ROLES)
    if refusal:
        return refusal
    if kind is Kind.BANK and row.creditor_id == principal.institution_id:
        return Decision.allow(scope="creditor")
    if kind is Kind.AGENCY and row.agency_id == principal.institution_id:
        if working:
            return Decision.allow(scope="agency")
        return Decision.deny(f"the {what} belongs to a debt the agency no longer works")
    return Decision.deny(f"this {what} belongs to another institution")


def _agency_write(principal: Principal, attempt: Any, working: bool, what: str) -> Decision:
    refusal = _roles(principal, WRITE_ROLES)
    if refusal:
        return refusal
    if principal.kind is not Kind.AGENCY or attempt.agency_id != principal.institution_id:
        return Decision.deny(f"only the agency that made the contact attempt may {what}")
    if not working:
        return Decision.deny(f"the agency may {what} only while the debt is assigned to it")
    return Decision.allow()


@policy("audit.recording.upload")
def recording_upload(principal: Principal, attempt: Any, *, working: bool = False, **_: Any) -> Decision:
    """Upload a call's recording: the agency that made the attempt, while the debt is assigned to it."""
    return _agency_write(principal, attempt, working, "upload its recording")


@policy("audit.recording.read")
def recording_read(principal: Principal, recording: Any, *, working: bool = False, **_: Any) -> Decision:
    """Stream a recording (or read its details): creditor bank, the working agency, the regulator's auditors."""
    return _content(principal, recording, working, "recording")


@policy("audit.transcript.submit")
def transcript_submit(principal: Principal, attempt: Any, *, working: bool = False, **_: Any) -> Decision:
    """Submit a call's transcript: the agency that made the attempt, while the debt is assigned to it."""
    return _agency_write(principal, attempt, working, "submit its transcript")


@policy("audit.transcript.read")
def transcript_read(principal: Principal, transcript: Any, *, working: bool = False, **_: Any) -> Decision:
    """Read a transcript's turns: creditor bank, the working agency, the regulator's auditors."""
    return _content(principal, transcript, working, "transcript")


@policy("audit.transcript.scan")
def transcript_scan(principal: Principal, batch: Any = None, **_: Any) -> Decision:
    """Scan stored transcripts of a batch (a worker acting for the uploading agency)."""
    refusal = _roles(principal, WRITE_ROLES)
    if refusal:
        return refusal
    if batch is not None and batch.agency_id != principal.institution_id:
        return Decision.deny("a batch is scanned for the agency that uploaded it")
    return Decision.allow()


@policy("audit.batch.upload")
def batch_upload(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Upload a JSONL batch of transcripts: an agency's operators (each line is then checked on its attempt)."""
    refusal = _roles(principal, WRITE_ROLES)
    if refusal:
        return refusal
    if principal.kind is not Kind.AGENCY:
        return Decision.deny("transcripts are uploaded by the agency that made the calls")
    return Decision.allow()


@policy("audit.batch.read")
def batch_read(principal: Principal, batch: Any, **_: Any) -> Decision:
    """A batch's report (counts, refused lines): the uploading agency and the regulator."""
    refusal = _roles(principal, READ_ROLES)
    if refusal:
        return refusal
    if principal.kind is Kind.REGULATOR or batch.agency_id == principal.institution_id:
        return Decision.allow()
    return Decision.deny("this batch belongs to another institution")


@policy("audit.realtime.scan")
def realtime_scan(principal: Principal, attempt: Any, *, working: bool = False, **_: Any) -> Decision:
    """Scan one utterance of a live call: the agency making the call (any working role), while it works the debt."""
    refusal = _roles(principal, READ_ROLES)
    if refusal:
        return refusal
    if principal.kind is not Kind.AGENCY or attempt.agency_id != principal.institution_id:
        return Decision.deny("the live monitor serves the agency making the call")
    if not working:
        return Decision.deny("the debt of this call is not assigned to the agency")
    return Decision.allow()


@policy("audit.finding.list")
def finding_list(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Violations found in calls: the creditor bank of its debts, the agency its own, the regulator all."""
    if principal.kind is Kind.REGULATOR:
        return _roles(principal, REGULATOR_READ) or Decision.allow()
    refusal = _roles(principal, READ_ROLES)
    if refusal:
        return refusal
    if principal.kind in (Kind.BANK, Kind.AGENCY):
        return Decision.allow()
    return Decision.deny("violations found in calls are shown to the creditor, the agency and the regulator")


@policy("audit.coverage.read")
def coverage_read(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Recording coverage (connected attempts without a recording): scoped like the attempts themselves."""
    return finding_list(principal, None)


@policy("audit.spotcheck.create")
def spotcheck_create(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Draw a spot-check sample: the regulator's auditors."""
    if principal.kind is not Kind.REGULATOR:
        return Decision.deny("spot checks are the regulator's")
    return _roles(principal, AUDITOR) or Decision.allow()


@policy("audit.spotcheck.read")
def spotcheck_read(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Spot checks and their review queues: the regulator's auditors and analysts."""
    if principal.kind is not Kind.REGULATOR:
        return Decision.deny("spot checks are the regulator's")
    return _roles(principal, REGULATOR_READ) or Decision.allow()


@policy("audit.review.write")
def review_write(principal: Principal, _item: Any = None, **_: Any) -> Decision:
    """Confirm or dismiss findings, add missed ones, complete a review: the regulator's auditors."""
    return spotcheck_create(principal)


@policy("audit.agreement.read")
def agreement_read(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Agreement between the monitor and the auditors: the regulator."""
    return spotcheck_read(principal)


@policy("audit.compliance.read")
def compliance_read(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Compliance rate from reviewed calls: the regulator all agencies, an agency its own (ACCESS.md 'compliance
    reports' row; banks do not see agencies' rates)."""
    if principal.kind is Kind.REGULATOR:
        return _roles(principal, REGULATOR_READ) or Decision.allow(agency=None)
    refusal = _roles(principal, READ_ROLES)
    if refusal:
        return refusal
    if principal.kind is Kind.AGENCY:
        return Decision.allow(agency=principal.institution_id)
    return Decision.deny("compliance rates are shown to the agency itself and the regulator")
