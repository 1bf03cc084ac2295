"""GraphQL of the scoring service: thin resolvers calling ``operations`` with the principal first (the policy decides).

Queries: ``scoringModels`` (the bank's model registry), ``scoringModel``, ``scoringModelCards`` (regulator: every
bank's), ``scoringMonitoringRuns`` (PSI/CSI runs; ``minLevel: WARN`` lists the alerts), ``scoringAggregates``
(regulator: every bank's), ``applicantScores`` (the bank's own scores with reason codes), ``scoringBatch``,
``riskBand`` (another bank's shared band of a debtor, with a purpose; writes an inquiry).
Type extension: ``DebtorReport.riskBand`` — the same band inside the registry's report, under the report's own
inquiry (one look-up, one inquiry); null where the policy shows no band (agencies, the regulator, …).
Mutations: ``scoreApplicant`` (one score with reason codes, stored), ``scoreBatch`` (chunked Celery tasks),
``approveScoringModel`` (four eyes), ``promoteScoringModel``.
"""

from __future__ import annotations

import json
from typing import Any

import graphene

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode
from portal.api.connections import paginate
from portal.core.errors import BadInput, QueryTooComplex
from portal.core.ids import parse_id
from portal.registry.gql import DebtorRef, Purpose
from portal.registry.gql_types import DebtorReport
from portal.services.scoring import operations, tasks
from portal.services.scoring.gql_types import (
    ApplicantScore,
    ApplicantScoreConnection,
    ReasonCode,
    ScoreApplicantInput,
    ScoreBatchInput,
    ScoredBy,
    ScoringAggregateConnection,
    ScoringBatch,
    ScoringModel,
    ScoringModelCardConnection,
    ScoringModelConnection,
    ScoringModelPayload,
    ScoringModelStatus,
    ScoringMonitoringRunConnection,
    SharedRiskBand,
    StabilityLevel,
    purpose_value,
)

LOOKUP_FIELDS = frozenset({"debtor", "riskBand"})


def _optional_id(value: Any, field: str) -> int | None:
    return None if value is None else parse_id(value, field)


def _dict(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {k: v for k, v in dict(obj).items() if v is not None}


def _features(data: dict[str, Any]) -> dict[str, Any]:
    """The applicant record from ``features`` or ``featuresJson`` (exactly one)."""
    listed, text = data.get("features"), data.get("features_json")
    if (listed is None) == (text is None):
        raise BadInput("give exactly one of features or featuresJson", field="features")
    if text is not None:
        try:
            record = json.loads(text)
        except ValueError as exc:
            raise BadInput(f"featuresJson is not valid JSON: {exc.msg} at position {exc.pos}",
                           field="featuresJson") from None
        if not isinstance(record, dict):
            raise BadInput("featuresJson must be a JSON object of feature names and values", field="featuresJson")
        return record
    record: dict[str, Any] = {}
    for item in listed:
        if item["name"] in record:
            raise BadInput(f"features: {item['name']!r} is given twice", field="features")
        record[item["name"]] = item.get("value")
    return record


def _score(out: Any) -> ApplicantScore:
    """An ApplicantScore from ``score_applicant``'s dict or a ScoreView."""
    if isinstance(out, dict):
        reasons = [ReasonCode(feature=r["code"], bin=r.get("bin"), points=r["points_lost"], text=r["text"])
                   for r in out["reasons"]]
        return ApplicantScore(id=out["score_id"], subject_ref=out["subject_ref"], score=out["score"], pd=out["pd"],
                              band=out["band"], reason_codes=reasons, purpose=purpose_value(out["purpose"]),
                              model=ScoredBy(id=out["model_id"], name=out["model"], version=out["version"]),
                              scored_at=out["scored_at"])
    reasons = [ReasonCode(feature=r.feature, bin=r.bin, points=r.points, text=r.text) for r in out.reasons]
    return ApplicantScore(id=out.id, subject_ref=out.subject_ref, score=out.score, pd=out.pd, band=out.band,
                          reason_codes=reasons, purpose=purpose_value(out.purpose), batch_id=out.batch_id,
                          model=ScoredBy(id=out.model_id, name=out.model_name, version=out.model_version),
                          scored_at=out.scored_at)


def _root_lookups(info: Any) -> int:
    """How many ``debtor``/``riskBand`` look-ups the operation makes at its root (fragments included)."""
    fragments = info.fragments

    def count(selection_set: Any, seen: frozenset[str]) -> int:
        total = 0
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                total += node.name.value in LOOKUP_FIELDS
            elif isinstance(node, InlineFragmentNode):
                total += count(node.selection_set, seen)
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen and node.name.value in fragments:
                total += count(fragments[node.name.value].selection_set, seen | {node.name.value})
        return total

    return count(info.operation.selection_set, frozenset())


def _page(info: Any, scope: str, first: int | None, after: str | None, op: Any, **kwargs: Any) -> Any:
    ctx = info.context
    return paginate(ctx.cursors, scope, first, after,
                    lambda after_key, n: op(ctx.principal, session=ctx.session, after_id=after_key, limit=n,
                                            **kwargs),
                    lambda row: getattr(row, "id", None) or row.model_id)


class Query(graphene.ObjectType):
    """Scoring's root fields."""

    scoring_models = graphene.Field(ScoringModelConnection, required=True, first=graphene.Int(),
                                    after=graphene.String(), name=graphene.String(), status=ScoringModelStatus())
    scoring_model = graphene.Field(ScoringModel, id=graphene.ID(required=True))
    scoring_model_cards = graphene.Field(ScoringModelCardConnection, required=True, institution=graphene.String(),
                                         first=graphene.Int(), after=graphene.String())
    scoring_monitoring_runs = graphene.Field(ScoringMonitoringRunConnection, required=True, model_id=graphene.ID(),
                                             min_level=StabilityLevel(), first=graphene.Int(),
                                             after=graphene.String())
    scoring_aggregates = graphene.Field(ScoringAggregateConnection, required=True, institution=graphene.String(),
                                        first=graphene.Int(), after=graphene.String())
    applicant_scores = graphene.Field(ApplicantScoreConnection, required=True, subject_ref=graphene.String(),
                                      model_id=graphene.ID(), batch_id=graphene.ID(), first=graphene.Int(),
                                      after=graphene.String())
    scoring_batch = graphene.Field(ScoringBatch, id=graphene.ID(required=True))
    risk_band = graphene.Field(SharedRiskBand, required=True, ref=DebtorRef(required=True),
                               purpose=Purpose(required=True), consent_ref=graphene.String(),
                               description="another bank's shared risk band of a debtor; one look-up per operation")

    @staticmethod
    def resolve_scoring_models(_root, info, first=None, after=None, name=None, status=None):
        return _page(info, "scoring.models", first, after, operations.models_page, name=name, status=status)

    @staticmethod
    def resolve_scoring_model(_root, info, id):  # noqa: A002 - GraphQL's name
        ctx = info.context
        return operations.get_model_view(ctx.principal, parse_id(id, "id"), session=ctx.session)

    @staticmethod
    def resolve_scoring_model_cards(_root, info, institution=None, first=None, after=None):
        return _page(info, "scoring.cards", first, after, operations.cards_page, institution_code=institution)

    @staticmethod
    def resolve_scoring_monitoring_runs(_root, info, model_id=None, min_level=None, first=None, after=None):
        return _page(info, "scoring.runs", first, after, operations.runs_page,
                     model_id=_optional_id(model_id, "modelId"), min_level=min_level)

    @staticmethod
    def resolve_scoring_aggregates(_root, info, institution=None, first=None, after=None):
        return _page(info, "scoring.aggregates", first, after, operations.aggregates_page,
                     institution_code=institution)

    @staticmethod
    def resolve_applicant_scores(_root, info, subject_ref=None, model_id=None, batch_id=None, first=None,
                                 after=None):
        page = _page(info, "scoring.scores", first, after, operations.scores_page, subject_ref=subject_ref,
                     model_id=_optional_id(model_id, "modelId"), batch_id=_optional_id(batch_id, "batchId"))
        page.edges = [(_score(view), cursor) for view, cursor in page.edges]
        return page

    @staticmethod
    def resolve_scoring_batch(_root, info, id):  # noqa: A002
        ctx = info.context
        return operations.get_batch(ctx.principal, parse_id(id, "id"), session=ctx.session)

    @staticmethod
    def resolve_risk_band(_root, info, ref, purpose, consent_ref=None):
        if _root_lookups(info) > 1:
            raise QueryTooComplex("one debtor or riskBand look-up per operation")
        ctx = info.context
        return operations.risk_band_for_ref(ctx.principal, _dict(ref), purpose, consent_ref, session=ctx.session,
                                            keyring=ctx.keyring)


class ScoreApplicant(graphene.Mutation):
    """Score one applicant with the bank's own model; the score and its reason codes are stored."""

    class Arguments:
        input = ScoreApplicantInput(required=True)

    Output = ApplicantScore

    @staticmethod
    def mutate(_root, info, input):  # noqa: A002
        ctx, data = info.context, dict(input)
        out = operations.score_applicant(
            ctx.principal, _features(data), model_id=_optional_id(data.get("model_id"), "modelId"),
            name=data.get("model_name"), subject_ref=data.get("subject_ref"), debtor_ref=_dict(data.get("debtor_ref")),
            purpose=data.get("purpose"), session=ctx.session, keyring=ctx.keyring)
        return _score(out)


class ScoreBatch(graphene.Mutation):
    """Store a batch of applicants and score it in chunks on the workers (poll ``scoringBatch``)."""

    class Arguments:
        input = ScoreBatchInput(required=True)

    Output = ScoringBatch

    @staticmethod
    def mutate(_root, info, input):  # noqa: A002
        ctx, data = info.context, dict(input)
        try:
            rows = json.loads(data["rows_json"])
        except ValueError as exc:
            raise BadInput(f"rowsJson is not valid JSON: {exc.msg} at position {exc.pos}", field="rowsJson") from None
        extra = {"chunk_size": data["chunk_size"]} if data.get("chunk_size") is not None else {}
        batch = operations.create_batch(ctx.principal, parse_id(data["model_id"], "modelId"), rows,
                                        session=ctx.session, keyring=ctx.keyring, purpose=data.get("purpose"),
                                        **extra)
        tasks.dispatch_after_commit(ctx.session, ctx.principal.institution_id, batch.id, batch.chunk_ids,
                                    ctx.principal.user_id)
        return batch


class ApproveScoringModel(graphene.Mutation):
    """Approve a model version of the bank (an admin who did not register it)."""

    class Arguments:
        id = graphene.ID(required=True)

    Output = ScoringModelPayload

    @staticmethod
    def mutate(_root, info, id):  # noqa: A002
        ctx = info.context
        row = operations.approve_model(ctx.principal, parse_id(id, "id"), session=ctx.session)
        return ScoringModelPayload(model=operations.get_model_view(ctx.principal, row.id, session=ctx.session))


class PromoteScoringModel(graphene.Mutation):
    """Make an approved challenger the champion of its name (the previous champion is retired)."""

    class Arguments:
        id = graphene.ID(required=True)

    Output = ScoringModelPayload

    @staticmethod
    def mutate(_root, info, id):  # noqa: A002
        ctx = info.context
        row = operations.promote_model(ctx.principal, parse_id(id, "id"), session=ctx.session)
        return ScoringModelPayload(model=operations.get_model_view(ctx.principal, row.id, session=ctx.session))


class Mutation(graphene.ObjectType):
    """Scoring's mutations."""

    score_applicant = ScoreApplicant.Field(required=True)
    score_batch = ScoreBatch.Field(required=True)
    approve_scoring_model = ApproveScoringModel.Field(required=True)
    promote_scoring_model = PromoteScoringModel.Field(required=True)


def _report_band(report, info):
    """``DebtorReport.riskBand``: the band under the report's own inquiry, or None where bands are not shown."""
    ctx = info.context
    return operations.band_for_report(ctx.principal, report.debtor.id, report.purpose, session=ctx.session,
                                      inquiry_id=report.inquiry_id)


TYPE_EXTENSIONS = (
    (DebtorReport, "risk_band", graphene.Field(
        SharedRiskBand, resolver=_report_band,
        description="the other banks' coarse risk band (banks with a purpose that shows it; null otherwise)")),
)
