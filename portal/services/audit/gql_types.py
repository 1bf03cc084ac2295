"""GraphQL object and input types of the audit service (thin wrappers over operation results)."""

from __future__ import annotations

import graphene

from portal.api.connections import connection_type


class AuditFinding(graphene.ObjectType):
    """A violation found in a call: by the monitor in a transcript, or added by an auditor."""

    id = graphene.ID(required=True)
    attempt_id = graphene.ID(required=True)
    transcript_id = graphene.ID()
    agency_id = graphene.ID(required=True)
    source = graphene.String(required=True, description="monitor | auditor")
    kind = graphene.String(required=True)
    family = graphene.String(required=True)
    turn = graphene.Int()
    start = graphene.Int()
    end = graphene.Int()
    severity = graphene.String(required=True)
    confidence = graphene.Float()
    rule_ids = graphene.List(graphene.NonNull(graphene.String), required=True)
    rule_refs = graphene.List(graphene.NonNull(graphene.String), required=True)
    note = graphene.String()
    created_at = graphene.DateTime(required=True)

    resolve_start = staticmethod(lambda f, _i: f.span_start)
    resolve_end = staticmethod(lambda f, _i: f.span_end)


class Turn(graphene.ObjectType):
    """One speaker turn of a transcript."""

    speaker = graphene.String(required=True)
    text = graphene.String(required=True)


class Transcript(graphene.ObjectType):
    """A call's transcript; ``turns`` only where the transcript was read (``auditTranscript``)."""

    id = graphene.ID(required=True)
    attempt_id = graphene.ID(required=True)
    language = graphene.String(required=True)
    turn_count = graphene.Int(required=True)
    source = graphene.String(required=True)
    submitted_at = graphene.DateTime(required=True)
    scanned_at = graphene.DateTime()
    finding_count = graphene.Int(required=True)


class TranscriptRead(graphene.ObjectType):
    """A transcript with its turns and every finding on the call."""

    transcript = graphene.Field(Transcript, required=True)
    turns = graphene.List(graphene.NonNull(Turn), required=True)
    findings = graphene.List(graphene.NonNull(AuditFinding), required=True)

    resolve_turns = staticmethod(lambda v, _i: [Turn(speaker=t["speaker"], text=t["text"]) for t in v.turns])


class TurnInput(graphene.InputObjectType):
    """One speaker turn (speaker: agent | debtor | third_party)."""

    speaker = graphene.String(required=True)
    text = graphene.String(required=True)


class SubmitTranscriptInput(graphene.InputObjectType):
    """A transcript from the agency's speech-to-text: the attempt by id or by the agency's client key."""

    attempt_id = graphene.ID()
    attempt_key = graphene.String()
    language = graphene.String(required=True)
    turns = graphene.List(graphene.NonNull(TurnInput), required=True)


class SubmitTranscriptPayload(graphene.ObjectType):
    """The stored transcript, whether this call created it (false: identical content was already stored), findings."""

    transcript = graphene.Field(Transcript, required=True)
    created = graphene.Boolean(required=True)
    findings = graphene.List(graphene.NonNull(AuditFinding), required=True)


class Recording(graphene.ObjectType):
    """A call recording's details; the audio streams from ``audioUrl`` (logged on every access)."""

    id = graphene.ID(required=True)
    attempt_id = graphene.ID(required=True)
    format = graphene.String(required=True)
    mime = graphene.String(required=True)
    codec = graphene.String(required=True)
    channels = graphene.Int(required=True)
    sample_rate = graphene.Int(required=True)
    duration_ms = graphene.Int()
    size_bytes = graphene.Int(required=True)
    sha256 = graphene.String(required=True)
    uploaded_at = graphene.DateTime(required=True)
    audio_url = graphene.String(required=True)

    resolve_audio_url = staticmethod(lambda r, _i: f"/audit/recordings/{r.id}/audio")


class CoverageGap(graphene.ObjectType):
    """A connected attempt without a recording: a finding of kind AUDIT-REC-MISSING under rule CS-REC-01."""

    attempt_id = graphene.ID(required=True)
    agency_id = graphene.ID(required=True)
    creditor_id = graphene.ID(required=True)
    channel = graphene.String(required=True)
    started_at = graphene.DateTime(required=True)
    kind = graphene.String(required=True)
    rule = graphene.String(required=True)

    resolve_attempt_id = staticmethod(lambda a, _i: a.id)
    resolve_kind = staticmethod(lambda _a, _i: "AUDIT-REC-MISSING")
    resolve_rule = staticmethod(lambda _a, _i: "CS-REC-01")


CoverageGapConnection = connection_type(CoverageGap)
AuditFindingConnection = connection_type(AuditFinding)


class BatchError(graphene.ObjectType):
    """A refused line of a batch."""

    line = graphene.Int(required=True)
    reason = graphene.String(required=True)


class TranscriptBatch(graphene.ObjectType):
    """An uploaded JSONL batch: counts, refused lines, scan progress (received | scanning | scanned)."""

    id = graphene.ID(required=True)
    status = graphene.String(required=True)
    filename = graphene.String()
    lines_total = graphene.Int(required=True)
    lines_stored = graphene.Int(required=True)
    lines_unchanged = graphene.Int(required=True)
    lines_bad = graphene.Int(required=True)
    refused = graphene.List(graphene.NonNull(BatchError), required=True)
    chunks_total = graphene.Int(required=True)
    chunks_done = graphene.Int(required=True)
    uploaded_at = graphene.DateTime(required=True)
    scanned_at = graphene.DateTime()

    resolve_refused = staticmethod(lambda b, _i: [BatchError(line=e["line"], reason=e["reason"]) for e in b.errors])


class Stratum(graphene.ObjectType):
    """One stratum of a spot check (agency|risk): its population and how many calls were drawn."""

    name = graphene.String(required=True)
    population = graphene.Int(required=True)
    sample = graphene.Int(required=True)


class ReviewedFinding(graphene.ObjectType):
    """A finding on a queued call with the auditor's decision (null until decided; auditor-added ones have none)."""

    finding = graphene.Field(AuditFinding, required=True)
    decision = graphene.String()
    note = graphene.String()


class ReviewItem(graphene.ObjectType):
    """A sampled call in the auditors' queue."""

    id = graphene.ID(required=True)
    spot_check_id = graphene.ID(required=True)
    attempt_id = graphene.ID(required=True)
    agency_id = graphene.ID(required=True)
    stratum = graphene.String(required=True)
    position = graphene.Int(required=True)
    month = graphene.String(required=True)
    status = graphene.String(required=True)
    notes = graphene.String()
    reviewed_at = graphene.DateTime()
    recording_url = graphene.String(required=True)
    findings = graphene.List(graphene.NonNull(ReviewedFinding), required=True)

    resolve_recording_url = staticmethod(lambda i, _i: f"/audit/attempts/{i.attempt_id}/recording")


ReviewItemConnection = connection_type(ReviewItem)


class FamilyAgreement(graphene.ObjectType):
    """Monitor against auditors for one family: confirmed (tp), dismissed (fp), added by auditors (fn)."""

    family = graphene.String(required=True)
    tp = graphene.Int(required=True)
    fp = graphene.Int(required=True)
    fn = graphene.Int(required=True)
    precision = graphene.Float()
    recall = graphene.Float()


class AuditAgreement(graphene.ObjectType):
    """Call-level Cohen's kappa (monitor flagged vs auditor found a violation) and per-family precision/recall."""

    calls = graphene.Int(required=True)
    kappa = graphene.Float()
    both = graphene.Int(required=True)
    monitor_only = graphene.Int(required=True)
    auditor_only = graphene.Int(required=True)
    neither = graphene.Int(required=True)
    families = graphene.List(graphene.NonNull(FamilyAgreement), required=True)

    resolve_both = staticmethod(lambda a, _i: a.table["both"])
    resolve_monitor_only = staticmethod(lambda a, _i: a.table["monitor_only"])
    resolve_auditor_only = staticmethod(lambda a, _i: a.table["auditor_only"])
    resolve_neither = staticmethod(lambda a, _i: a.table["neither"])


class ComplianceRate(graphene.ObjectType):
    """Share of an agency's reviewed calls in a month without a confirmed violation, with its Wilson 95 % interval."""

    agency = graphene.String(required=True)
    month = graphene.String(required=True)
    reviewed = graphene.Int(required=True)
    violating = graphene.Int(required=True)
    rate = graphene.Float()
    low = graphene.Float()
    high = graphene.Float()

    resolve_low = staticmethod(lambda r, _i: r.interval[0] if r.interval else None)
    resolve_high = staticmethod(lambda r, _i: r.interval[1] if r.interval else None)


class CreateSpotCheckInput(graphene.InputObjectType):
    """A spot check: call dates, optional agency code, seed (drawn when absent), confidence, margin, expected rate."""

    period_from = graphene.Date(required=True, name="from")
    period_to = graphene.Date(required=True, name="to")
    agency = graphene.String()
    seed = graphene.Int()
    confidence = graphene.Float()
    margin = graphene.Float()
    proportion = graphene.Float()
    min_per_stratum = graphene.Int()
    title = graphene.String()


class DecideFindingInput(graphene.InputObjectType):
    """An auditor's decision on a monitor finding: CONFIRMED or DISMISSED."""

    item_id = graphene.ID(required=True)
    finding_id = graphene.ID(required=True)
    decision = graphene.String(required=True)
    note = graphene.String()


class AddAuditorFindingInput(graphene.InputObjectType):
    """A violation the monitor missed, by catalogue kind, optionally located (turn, start, end)."""

    item_id = graphene.ID(required=True)
    kind = graphene.String(required=True)
    turn = graphene.Int()
    start = graphene.Int()
    end = graphene.Int()
    note = graphene.String()


class CompleteReviewInput(graphene.InputObjectType):
    """Close a queued call with the auditor's notes."""

    item_id = graphene.ID(required=True)
    notes = graphene.String()


class FindingFilterInput(graphene.InputObjectType):
    """Filters of ``auditFindings`` (period on the finding's creation, Asia/Shanghai dates)."""

    agency = graphene.String()
    kind = graphene.String()
    source = graphene.String()
    attempt_id = graphene.ID()
    period_from = graphene.Date(name="from")
    period_to = graphene.Date(name="to")
