"""GraphQL of the audit service: thin resolvers calling ``operations`` with the request's principal and session.

Queries: ``auditFindings``, ``auditTranscript``, ``auditRecording``, ``recordingCoverage``, ``transcriptBatch``,
``spotChecks``, ``spotCheck``, ``reviewItem``, ``auditAgreement``, ``auditComplianceRates``.
Mutations: ``submitTranscript``, ``createSpotCheck``, ``decideFinding``, ``addAuditorFinding``, ``completeReview``.
"""

from __future__ import annotations

import graphene

from portal.api.connections import connection_type, paginate
from portal.services.audit import operations
from portal.services.audit.gql_types import (
    AddAuditorFindingInput,
    AuditAgreement,
    AuditFinding,
    AuditFindingConnection,
    CompleteReviewInput,
    ComplianceRate,
    CoverageGapConnection,
    CreateSpotCheckInput,
    DecideFindingInput,
    FamilyAgreement,
    FindingFilterInput,
    Recording,
    ReviewedFinding,
    ReviewItem,
    ReviewItemConnection,
    Stratum,
    SubmitTranscriptInput,
    SubmitTranscriptPayload,
    Transcript,
    TranscriptBatch,
    TranscriptRead,
)
from portal.services.audit.operations.common import ident


def _item_findings(item, info) -> list[ReviewedFinding]:
    ctx = info.context
    loader = ctx.loaders.get("audit.item_findings",
                             lambda keys: operations.items_findings(ctx.principal, keys, session=ctx.session))
    view = loader.load(item.id)
    if view is None:
        return []
    out = []
    for f in view.findings:
        decision = view.decisions.get(f.id)
        out.append(ReviewedFinding(finding=f, decision=decision.decision if decision else None,
                                   note=decision.note if decision else None))
    return out


ReviewItem.resolve_findings = staticmethod(_item_findings)


class RecordingCoverage(graphene.ObjectType):
    """Connected calls and visits that must be recorded (CS-REC-01), how many are, and the gaps themselves."""

    connected = graphene.Int(required=True)
    recorded = graphene.Int(required=True)
    missing = graphene.Int(required=True)
    rate = graphene.Float()
    rule = graphene.String(required=True)
    kind = graphene.String(required=True)
    gaps = graphene.Field(CoverageGapConnection, required=True, first=graphene.Int(), after=graphene.String())

    @staticmethod
    def resolve_gaps(cov, info, first=None, after=None):
        ctx = info.context
        args = cov.args

        def fetch(after_key, limit):
            return operations.coverage_gaps(ctx.principal, *args, after=after_key, limit=limit,
                                            grace_hours=cov.grace_hours, session=ctx.session)

        scope = "audit.coverage:" + ":".join(str(a) for a in args)
        return paginate(ctx.cursors, scope, first, after, fetch, lambda a: a.id)


class SpotCheck(graphene.ObjectType):
    """A drawn sample: parameters, population, Cochran's required size, strata, and its review queue."""

    id = graphene.ID(required=True)
    title = graphene.String(required=True)
    seed = graphene.Float(required=True)
    confidence = graphene.Float(required=True)
    margin = graphene.Float(required=True)
    proportion = graphene.Float(required=True)
    min_per_stratum = graphene.Int(required=True)
    period_from = graphene.Date(required=True, name="from")
    period_to = graphene.Date(required=True, name="to")
    population = graphene.Int(required=True)
    required_size = graphene.Int(required=True)
    sample_size = graphene.Int(required=True)
    strata = graphene.List(graphene.NonNull(Stratum), required=True)
    created_at = graphene.DateTime(required=True)
    items = graphene.Field(ReviewItemConnection, required=True, status=graphene.String(), first=graphene.Int(),
                           after=graphene.String())

    @staticmethod
    def resolve_strata(check, _info):
        return [Stratum(name=k, population=v["population"], sample=v["sample"]) for k, v in check.strata.items()]

    @staticmethod
    def resolve_items(check, info, status=None, first=None, after=None):
        ctx = info.context

        def fetch(after_key, limit):
            rows = operations.review_queue(ctx.principal, check.id, status, after=after_key, limit=limit,
                                           session=ctx.session)
            ctx.loaders.get("audit.item_findings", lambda keys: operations.items_findings(
                ctx.principal, keys, session=ctx.session)).prime(r.id for r in rows)
            return rows

        return paginate(ctx.cursors, f"audit.queue:{check.id}:{status}", first, after, fetch, lambda r: r.position)


SpotCheckConnection = connection_type(SpotCheck)


class _Coverage:
    def __init__(self, cov, args, grace_hours):
        self.__dict__.update(connected=cov.connected, recorded=cov.recorded, missing=cov.missing, rate=cov.rate,
                             rule=cov.rule, kind=cov.kind)
        self.args, self.grace_hours = args, grace_hours


class Query(graphene.ObjectType):
    """Audit's root fields."""

    audit_findings = graphene.Field(AuditFindingConnection, required=True, filter=FindingFilterInput(),
                                    first=graphene.Int(), after=graphene.String())
    audit_transcript = graphene.Field(TranscriptRead, attempt_id=graphene.ID(required=True))
    audit_recording = graphene.Field(Recording, attempt_id=graphene.ID(required=True))
    recording_coverage = graphene.Field(RecordingCoverage, required=True,
                                        period_from=graphene.Date(required=True, name="from"),
                                        period_to=graphene.Date(required=True, name="to"), agency=graphene.String(),
                                        grace_hours=graphene.Int())
    transcript_batch = graphene.Field(TranscriptBatch, id=graphene.ID(required=True))
    spot_checks = graphene.Field(SpotCheckConnection, required=True, first=graphene.Int(), after=graphene.String())
    spot_check = graphene.Field(SpotCheck, id=graphene.ID(required=True))
    review_item = graphene.Field(ReviewItem, id=graphene.ID(required=True))
    audit_agreement = graphene.Field(AuditAgreement, required=True,
                                     period_from=graphene.Date(required=True, name="from"),
                                     period_to=graphene.Date(required=True, name="to"), agency=graphene.String())
    audit_compliance_rates = graphene.List(graphene.NonNull(ComplianceRate), required=True,
                                           period_from=graphene.Date(required=True, name="from"),
                                           period_to=graphene.Date(required=True, name="to"),
                                           agency=graphene.String())

    @staticmethod
    def resolve_audit_findings(_root, info, filter=None, first=None, after=None):  # noqa: A002 - GraphQL name
        ctx = info.context
        f = filter or {}
        flt = operations.FindingFilter(agency=f.get("agency"), kind=f.get("kind"), source=f.get("source"),
                                       period_from=f.get("period_from"), period_to=f.get("period_to"),
                                       attempt_id=f["attempt_id"] if f.get("attempt_id") else None)
        scope = "audit.findings:" + repr(sorted((k, str(v)) for k, v in f.items()))
        return paginate(ctx.cursors, scope, first, after, lambda k, n: operations.list_findings(
            ctx.principal, flt, after=k, limit=n, session=ctx.session), lambda r: r.id)

    @staticmethod
    def resolve_audit_transcript(_root, info, attempt_id):
        ctx = info.context
        return operations.read_transcript(ctx.principal, attempt_id, keyring=ctx.keyring,
                                          session=ctx.session)

    @staticmethod
    def resolve_audit_recording(_root, info, attempt_id):
        ctx = info.context
        return operations.recording_info(ctx.principal, attempt_id=attempt_id, session=ctx.session)

    @staticmethod
    def resolve_recording_coverage(_root, info, period_from, period_to, agency=None, grace_hours=24):
        ctx = info.context
        cov = operations.coverage(ctx.principal, period_from, period_to, agency, grace_hours=grace_hours,
                                  session=ctx.session)
        return _Coverage(cov, (period_from, period_to, agency), grace_hours)

    @staticmethod
    def resolve_transcript_batch(_root, info, id):  # noqa: A002 - GraphQL name
        ctx = info.context
        return operations.get_batch(ctx.principal, id, session=ctx.session)

    @staticmethod
    def resolve_spot_checks(_root, info, first=None, after=None):
        ctx = info.context
        return paginate(ctx.cursors, "audit.spotchecks", first, after, lambda k, n: operations.list_spot_checks(
            ctx.principal, after=k, limit=n, session=ctx.session), lambda r: r.id)

    @staticmethod
    def resolve_spot_check(_root, info, id):  # noqa: A002 - GraphQL name
        ctx = info.context
        return operations.get_spot_check(ctx.principal, id, session=ctx.session)

    @staticmethod
    def resolve_review_item(_root, info, id):  # noqa: A002 - GraphQL name
        ctx = info.context
        return operations.review_item(ctx.principal, id, session=ctx.session).item

    @staticmethod
    def resolve_audit_agreement(_root, info, period_from, period_to, agency=None):
        ctx = info.context
        result = operations.agreement(ctx.principal, period_from, period_to, agency, session=ctx.session)
        result.families = [FamilyAgreement(family=f.family, tp=f.tp, fp=f.fp, fn=f.fn, precision=f.precision,
                                           recall=f.recall) for f in result.families]
        return result

    @staticmethod
    def resolve_audit_compliance_rates(_root, info, period_from, period_to, agency=None):
        ctx = info.context
        return operations.compliance_rates(ctx.principal, period_from, period_to, agency, session=ctx.session)


class SubmitTranscript(graphene.Mutation):
    """Store a call's transcript (speaker turns) and scan it with the monitor."""

    class Arguments:
        input = SubmitTranscriptInput(required=True)

    Output = SubmitTranscriptPayload

    @staticmethod
    def mutate(_root, info, input):  # noqa: A002 - GraphQL name
        ctx = info.context
        ref = input.get("attempt_key")
        if not ref and input.get("attempt_id"):
            ref = ident(ctx.principal, input["attempt_id"], "attemptId")  # an id, never read as a client key
        turns = [{"speaker": t["speaker"], "text": t["text"]} for t in input["turns"]]
        result = operations.submit_transcript(ctx.principal, ref, input["language"], turns, keyring=ctx.keyring,
                                              session=ctx.session)
        return SubmitTranscriptPayload(transcript=result.transcript, created=result.created, findings=result.findings)


class CreateSpotCheck(graphene.Mutation):
    """Draw a reproducible stratified sample of connected calls and queue it for review (regulator auditors)."""

    class Arguments:
        input = CreateSpotCheckInput(required=True)

    Output = SpotCheck

    @staticmethod
    def mutate(_root, info, input):  # noqa: A002 - GraphQL name
        ctx = info.context
        spec = operations.SpotCheckSpec(period_from=input["period_from"], period_to=input["period_to"],
                                        **{k: input[k] for k in ("agency", "seed", "confidence", "margin",
                                                                 "proportion", "min_per_stratum", "title")
                                           if input.get(k) is not None})
        return operations.create_spot_check(ctx.principal, spec, session=ctx.session)


class DecideFinding(graphene.Mutation):
    """Confirm or dismiss a monitor finding of a queued call."""

    class Arguments:
        input = DecideFindingInput(required=True)

    Output = ReviewItem

    @staticmethod
    def mutate(_root, info, input):  # noqa: A002 - GraphQL name
        ctx = info.context
        view = operations.decide_finding(ctx.principal, input["item_id"],
                                         input["finding_id"], str(input["decision"]).lower(),
                                         input.get("note"), session=ctx.session)
        return view.item


class AddAuditorFinding(graphene.Mutation):
    """Add a violation the monitor missed to a queued call."""

    class Arguments:
        input = AddAuditorFindingInput(required=True)

    Output = AuditFinding

    @staticmethod
    def mutate(_root, info, input):  # noqa: A002 - GraphQL name
        ctx = info.context
        return operations.add_finding(ctx.principal, input["item_id"], input["kind"],
                                      turn=input.get("turn"), start=input.get("start"), end=input.get("end"),
                                      note=input.get("note"), keyring=ctx.keyring, session=ctx.session)


class CompleteReview(graphene.Mutation):
    """Close a queued call once every monitor finding on it is decided."""

    class Arguments:
        input = CompleteReviewInput(required=True)

    Output = ReviewItem

    @staticmethod
    def mutate(_root, info, input):  # noqa: A002 - GraphQL name
        ctx = info.context
        return operations.complete_review(ctx.principal, input["item_id"], input.get("notes"),
                                          session=ctx.session).item


class Mutation(graphene.ObjectType):
    """Audit's mutations."""

    submit_transcript = SubmitTranscript.Field()
    create_spot_check = CreateSpotCheck.Field()
    decide_finding = DecideFinding.Field()
    add_auditor_finding = AddAuditorFinding.Field()
    complete_review = CompleteReview.Field()


TYPES = [Transcript]
