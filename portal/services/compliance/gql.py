"""GraphQL of compliance: ``recordContactAttempt`` (checked against the standard BEFORE it is accepted), the
dialler's ``mayContact`` question, the standard in force, violations, and agencies' compliance reports."""

from __future__ import annotations

from typing import Any

import graphene

from portal.api.connections import connection_type, paginate
from portal.services.compliance import operations
from standards import vocabulary

Channel = graphene.Enum("Channel", [(c.upper(), c) for c in sorted(vocabulary.CHANNELS)])
Counterparty = graphene.Enum("Counterparty", [(c.upper(), c) for c in sorted(vocabulary.COUNTERPARTIES)])
Outcome = graphene.Enum("Outcome", [(c.upper(), c) for c in sorted(vocabulary.OUTCOMES)])


class RuleVerdict(graphene.ObjectType):
    """A rule of the standard that spoke about an attempt, with its explanation in Chinese and English."""

    rule = graphene.String(required=True)
    rule_version = graphene.String(required=True)
    severity = graphene.String(required=True)
    action = graphene.String(required=True, description="block (refuses a planned attempt) or flag")
    message_zh = graphene.String(required=True)
    message_en = graphene.String(required=True)


class ContactDecision(graphene.ObjectType):
    """The standard's answer to an attempt."""

    allowed = graphene.Boolean(required=True)
    standard = graphene.String(required=True)
    standard_version = graphene.String(required=True)
    refused_by = graphene.List(graphene.NonNull(graphene.String), required=True)
    verdicts = graphene.List(graphene.NonNull(RuleVerdict), required=True)

    @staticmethod
    def resolve_refused_by(result, _info):
        return result.refused_by


class ContactAttempt(graphene.ObjectType):
    """A stored contact attempt (the number only masked)."""

    id = graphene.ID(required=True)
    client_key = graphene.String(required=True)
    state = graphene.String(required=True, description="refused, planned or logged")
    channel = graphene.String(required=True)
    counterparty = graphene.String(required=True)
    number = graphene.String(required=True)
    started_at = graphene.DateTime(required=True)
    outcome = graphene.String()

    @staticmethod
    def resolve_number(row, _info):
        return row.number_masked


class ContactAttemptPayload(graphene.ObjectType):
    """What ``recordContactAttempt`` answers."""

    decision = graphene.Field(ContactDecision, required=True)
    attempt = graphene.Field(ContactAttempt, required=True)

    @staticmethod
    def resolve_decision(result, _info):
        return result

    @staticmethod
    def resolve_attempt(result, _info):
        return result.attempt


class _AttemptFields:
    debt_id = graphene.ID(required=True)
    number = graphene.String(required=True)
    counterparty = graphene.Field(Counterparty, required=True)
    channel = graphene.Field(Channel, required=True)
    started_at = graphene.DateTime(description="when the attempt is (to be) made; now by default")
    debtor_tz = graphene.String(description="IANA zone of the debtor; Asia/Shanghai by default")
    identified = graphene.Boolean()
    disclosures = graphene.List(graphene.NonNull(graphene.String))
    recorded = graphene.Boolean()
    purpose = graphene.String()


class ContactCheckInput(_AttemptFields, graphene.InputObjectType):
    """A planned attempt to check (nothing is stored)."""


class ContactAttemptInput(_AttemptFields, graphene.InputObjectType):
    """An attempt to record: without an outcome it is planned (checked first), with one it is logged."""

    client_key = graphene.String(required=True)
    outcome = graphene.Field(Outcome)
    duration_s = graphene.Int()


def _attempt_data(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k != "client_key"}
    for key in ("counterparty", "channel", "outcome"):
        if out.get(key) is not None:
            out[key] = getattr(out[key], "value", out[key])
    return out


class PublishedStandard(graphene.ObjectType):
    """A standard version the regulator published."""

    code = graphene.String(required=True)
    version = graphene.String(required=True)
    effective_from = graphene.DateTime(required=True)
    sha256 = graphene.String(required=True)


class Violation(graphene.ObjectType):
    """A rule broken by a logged attempt (or the reason a planned one was refused)."""

    id = graphene.ID(required=True)
    attempt_id = graphene.ID(required=True)
    rule = graphene.String(required=True)
    rule_version = graphene.String(required=True)
    severity = graphene.String(required=True)
    phase = graphene.String(required=True)
    message_zh = graphene.String(required=True)
    message_en = graphene.String(required=True)
    found_at = graphene.DateTime(required=True)


class ComplianceReport(graphene.ObjectType):
    """A filed compliance report: declared and computed figures, their differences, the review."""

    id = graphene.ID(required=True)
    period_start = graphene.Date(required=True)
    period_end = graphene.Date(required=True)
    due_on = graphene.Date(required=True)
    filed_at = graphene.DateTime(required=True)
    late = graphene.Boolean(required=True)
    declared = graphene.JSONString(required=True)
    computed = graphene.JSONString(required=True)
    differences = graphene.JSONString(required=True)
    status = graphene.String(required=True)
    review_comment = graphene.String()
    content_sha256 = graphene.String(required=True)
    evidence_entry_id = graphene.ID()


class ComplianceReportInput(graphene.InputObjectType):
    """A report an agency files for a period: the figures it declares."""

    client_key = graphene.String(required=True)
    period_start = graphene.Date(required=True)
    period_end = graphene.Date(required=True)
    attempts = graphene.Int(required=True)
    connected_calls = graphene.Int(required=True)
    complaints = graphene.Int(required=True)
    recording_coverage = graphene.String(required=True, description="a share between 0 and 1, e.g. \"0.985\"")
    violations_found_by_qa = graphene.Int(required=True)


class ComplianceReportPayload(graphene.ObjectType):
    """What ``fileComplianceReport`` answers."""

    report = graphene.Field(ComplianceReport, required=True)


ViolationConnection = connection_type(Violation)
ComplianceReportConnection = connection_type(ComplianceReport)


class Query(graphene.ObjectType):
    """Compliance's root fields."""

    may_contact = graphene.Field(ContactDecision, required=True, input=ContactCheckInput(required=True))
    standard_in_force = graphene.Field(PublishedStandard, required=True)
    contact_violations = graphene.Field(ViolationConnection, required=True, first=graphene.Int(),
                                        after=graphene.String())
    compliance_reports = graphene.Field(ComplianceReportConnection, required=True, first=graphene.Int(),
                                        after=graphene.String(), status=graphene.String())

    @staticmethod
    def resolve_may_contact(_root, info, input):
        ctx = info.context
        return operations.check_contact(ctx.principal, _attempt_data(dict(input)), session=ctx.session,
                                        keyring=ctx.keyring)

    @staticmethod
    def resolve_standard_in_force(_root, info):
        ctx = info.context
        return operations.standard_in_force(ctx.principal, session=ctx.session)

    @staticmethod
    def resolve_contact_violations(_root, info, first=None, after=None):
        ctx = info.context

        def fetch(after_id, limit):
            return operations.list_violations(ctx.principal, after_id=after_id, limit=limit, session=ctx.session)

        return paginate(ctx.cursors, "contactViolations", first, after, fetch, lambda row: row.id)

    @staticmethod
    def resolve_compliance_reports(_root, info, first=None, after=None, status=None):
        ctx = info.context

        def fetch(after_id, limit):
            return operations.list_reports(ctx.principal, after_id=after_id, limit=limit, session=ctx.session,
                                           status=status)

        return paginate(ctx.cursors, "complianceReports", first, after, fetch, lambda row: row.id)


class RecordContactAttempt(graphene.Mutation):
    """An agency logs a call/SMS/visit; checked against the standard in force."""

    class Arguments:
        input = ContactAttemptInput(required=True)

    Output = ContactAttemptPayload

    @staticmethod
    def mutate(_root, info, input):
        ctx = info.context
        data = dict(input)
        return operations.record_contact_attempt(ctx.principal, data.get("client_key"), _attempt_data(data),
                                                 session=ctx.session, keyring=ctx.keyring)


class FileComplianceReport(graphene.Mutation):
    """An agency files its periodic compliance report; the portal computes the same figures and the differences."""

    class Arguments:
        input = ComplianceReportInput(required=True)

    Output = ComplianceReportPayload

    @staticmethod
    def mutate(_root, info, input):
        ctx = info.context
        data = dict(input)
        declared = {k: data[k] for k in operations.reports.DECLARED_FIELDS}
        report = operations.file_compliance_report(ctx.principal, data["client_key"], data["period_start"],
                                                   data["period_end"], declared, session=ctx.session,
                                                   keyring=ctx.keyring)
        return ComplianceReportPayload(report=report)


class ReviewComplianceReport(graphene.Mutation):
    """The regulator accepts a report or returns it with comments."""

    class Arguments:
        report_id = graphene.ID(required=True)
        accept = graphene.Boolean(required=True)
        comment = graphene.String()

    Output = ComplianceReportPayload

    @staticmethod
    def mutate(_root, info, report_id, accept, comment=None):
        ctx = info.context
        report = operations.review_report(ctx.principal, report_id, accept, comment, session=ctx.session)
        return ComplianceReportPayload(report=report)


class PublishStandard(graphene.Mutation):
    """The regulator publishes a standard version (TOML text) in force from ``effectiveFrom``."""

    class Arguments:
        source = graphene.String(required=True, description="the standard version as TOML")
        effective_from = graphene.DateTime(description="defaults to the version's own effective_from")

    Output = PublishedStandard

    @staticmethod
    def mutate(_root, info, source, effective_from=None):
        ctx = info.context
        return operations.publish_standard(ctx.principal, source, effective_from=effective_from, session=ctx.session)


class Mutation(graphene.ObjectType):
    """Compliance's mutations."""

    publish_standard = PublishStandard.Field(required=True)
    record_contact_attempt = RecordContactAttempt.Field(required=True)
    file_compliance_report = FileComplianceReport.Field(required=True)
    review_compliance_report = ReviewComplianceReport.Field(required=True)
