"""GraphQL object and input types of the scoring service; they only show the read models of ``views.py``.

``Purpose`` and ``DebtorRef`` are the registry's own types (one ``Purpose`` in the schema), ``Institution`` and
``User`` tenancy's.
"""

from __future__ import annotations

import graphene

from portal.api.connections import connection_type
from portal.registry.gql import DebtorRef, Purpose
from portal.registry.vocab import Purpose as PurposeValue
from portal.tenancy.gql import Institution, User

ScoringModelStatus = graphene.Enum("ScoringModelStatus", [("CHALLENGER", "challenger"), ("CHAMPION", "champion"),
                                                          ("RETIRED", "retired")])
ScoringModelKind = graphene.Enum("ScoringModelKind", [("SCORECARD", "scorecard"), ("GBM", "gbm")])
RiskBand = graphene.Enum("RiskBand", [(b, b) for b in "ABCDE"],
                         description="A PD < 2 %, B < 5 %, C < 10 %, D < 20 %, E ≥ 20 %")
StabilityLevel = graphene.Enum("StabilityLevel", [("STABLE", "stable"), ("WARN", "warn"), ("ALERT", "alert")],
                               description="stable below 0.10, WARN from 0.10, ALERT from 0.25 (PSI or any CSI)")
ScoringBatchStatus = graphene.Enum("ScoringBatchStatus", [("QUEUED", "queued"), ("RUNNING", "running"),
                                                          ("DONE", "done"), ("FAILED", "failed")])


def purpose_value(name: str | None) -> PurposeValue | None:
    """The registry's Purpose member of a purpose name (what the Purpose enum type serialises)."""
    return PurposeValue[name] if name else None


class ScoringMetrics(graphene.ObjectType):
    """Cross-validated discrimination and calibration (means over the folds)."""

    auc = graphene.Float()
    ks = graphene.Float()
    gini = graphene.Float()
    calibration_error = graphene.Float()


def _metrics(values: dict | None) -> ScoringMetrics | None:
    if not isinstance(values, dict):
        return None
    return ScoringMetrics(**{k: values.get(k) for k in ("auc", "ks", "gini", "calibration_error")})


class ScoringCharacteristic(graphene.ObjectType):
    """One characteristic of a scorecard: information value, trend of its bad rate, number of bins."""

    name = graphene.String(required=True)
    iv = graphene.Float()
    trend = graphene.String()
    bins = graphene.Int()


class ScoringModelCard(graphene.ObjectType):
    """A model card: the owning bank and the regulator read these."""

    model_id = graphene.ID(required=True)
    institution = graphene.Field(Institution, required=True)
    name = graphene.String(required=True)
    version = graphene.Int(required=True)
    kind = graphene.Field(ScoringModelKind, required=True)
    status = graphene.Field(ScoringModelStatus, required=True)
    training_data_sha256 = graphene.String(required=True)
    training_rows = graphene.Int(required=True)
    approved = graphene.Boolean(required=True)
    approved_at = graphene.DateTime()
    promoted_at = graphene.DateTime()
    intended_use = graphene.String()
    limitations = graphene.String()
    validation = graphene.Field(ScoringMetrics)
    characteristics = graphene.List(graphene.NonNull(ScoringCharacteristic), required=True)
    document = graphene.JSONString(required=True, description="the whole card as JSON (points table included)")

    @staticmethod
    def resolve_approved(card, _info):
        return card.approved_at is not None

    @staticmethod
    def resolve_intended_use(card, _info):
        return card.document.get("intended_use")

    @staticmethod
    def resolve_limitations(card, _info):
        return card.document.get("limitations")

    @staticmethod
    def resolve_validation(card, _info):
        return _metrics(card.document.get("validation"))

    @staticmethod
    def resolve_characteristics(card, _info):
        chars = card.document.get("characteristics") or []
        return [ScoringCharacteristic(name=c["name"], iv=c.get("iv"), trend=c.get("trend"), bins=c.get("bins"))
                if isinstance(c, dict) else ScoringCharacteristic(name=str(c)) for c in chars]


class CharacteristicStability(graphene.ObjectType):
    """The characteristic stability index (CSI) of one characteristic in a monitoring run."""

    characteristic = graphene.String(required=True)
    value = graphene.Float(required=True)
    level = graphene.Field(StabilityLevel, required=True)

    @staticmethod
    def resolve_characteristic(item, _info):
        return item.name


class ScoringMonitoringRun(graphene.ObjectType):
    """A stability check against the training baseline: PSI of the score, CSI per characteristic, alerts."""

    id = graphene.ID(required=True)
    model_id = graphene.ID(required=True)
    computed_at = graphene.DateTime(required=True)
    rows = graphene.Int(required=True)
    psi = graphene.Float(required=True)
    psi_level = graphene.Field(StabilityLevel, required=True)
    level = graphene.Field(StabilityLevel, required=True, description="the worst of the PSI and every CSI")
    csi = graphene.List(graphene.NonNull(CharacteristicStability), required=True)
    alerts = graphene.List(graphene.NonNull(graphene.String), required=True,
                           description="'score' and the characteristics at WARN or ALERT")
    source = graphene.String(required=True, description="applications, batch or scores (scheduled, PSI only)")
    batch_id = graphene.ID()


class ScoringModel(graphene.ObjectType):
    """One version of the bank's own model: governance, validation, its card and latest stability."""

    id = graphene.ID(required=True)
    institution = graphene.Field(Institution, required=True)
    name = graphene.String(required=True)
    version = graphene.Int(required=True)
    kind = graphene.Field(ScoringModelKind, required=True)
    status = graphene.Field(ScoringModelStatus, required=True)
    champion = graphene.Boolean(required=True)
    training_data_sha256 = graphene.String(required=True)
    training_rows = graphene.Int(required=True)
    metrics = graphene.Field(ScoringMetrics)
    card = graphene.Field(ScoringModelCard, required=True)
    created_by = graphene.Field(User)
    created_at = graphene.DateTime(required=True)
    approved_by = graphene.Field(User)
    approved_at = graphene.DateTime()
    promoted_at = graphene.DateTime()
    retired_at = graphene.DateTime()
    stability = graphene.Field(ScoringMonitoringRun, description="the latest monitoring run")

    @staticmethod
    def resolve_champion(model, _info):
        return model.status == "champion"

    @staticmethod
    def resolve_metrics(model, _info):
        return _metrics(model.metrics)

    @staticmethod
    def resolve_stability(model, _info):
        return model.latest_run


class ReasonCode(graphene.ObjectType):
    """Why the score is not higher: a characteristic, its bin, and the points lost against its best bin."""

    feature = graphene.String(required=True)
    bin = graphene.String()
    points = graphene.Float(required=True, description="points lost against the characteristic's best bin")
    text = graphene.String(required=True)


class ScoredBy(graphene.ObjectType):
    """The model version that gave a score."""

    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    version = graphene.Int(required=True)


class ApplicantScore(graphene.ObjectType):
    """A score of the bank's own model with its reason codes (null ``score`` for a challenger without points)."""

    id = graphene.ID(description="the stored score")
    subject_ref = graphene.String(required=True)
    score = graphene.Float()
    pd = graphene.Float(required=True)
    band = graphene.Field(RiskBand, required=True)
    reason_codes = graphene.List(graphene.NonNull(ReasonCode), required=True)
    model = graphene.Field(ScoredBy, required=True)
    purpose = graphene.Field(Purpose)
    batch_id = graphene.ID()
    scored_at = graphene.DateTime(required=True)


class BandCount(graphene.ObjectType):
    """How many scores fell in one band."""

    band = graphene.Field(RiskBand, required=True)
    count = graphene.Int(required=True)


class ScoringAggregate(graphene.ObjectType):
    """One model's scores in aggregate (no single score): by band, mean PD, latest stability."""

    model_id = graphene.ID(required=True)
    institution = graphene.Field(Institution, required=True)
    name = graphene.String(required=True)
    version = graphene.Int(required=True)
    status = graphene.Field(ScoringModelStatus, required=True)
    scores = graphene.Int(required=True)
    bands = graphene.List(graphene.NonNull(BandCount), required=True)
    mean_pd = graphene.Float()
    stability = graphene.Field(ScoringMonitoringRun)

    @staticmethod
    def resolve_bands(agg, _info):
        return [BandCount(band=b, count=n) for b, n in agg.bands.items()]

    @staticmethod
    def resolve_stability(agg, _info):
        return agg.latest_run


class SharedRiskBand(graphene.ObjectType):
    """Another bank's view of a debtor's scores: the riskiest of the other banks' latest bands, nothing else."""

    band = graphene.Field(RiskBand, description="null when no other bank scored the debtor in the last year")
    purpose = graphene.Field(Purpose, required=True)
    inquiry_id = graphene.ID(description="the inquiry this read was recorded under")

    @staticmethod
    def resolve_purpose(view, _info):
        return purpose_value(view.purpose)


class ScoringBatch(graphene.ObjectType):
    """A batch scoring job: progress, and its stability run once done."""

    id = graphene.ID(required=True)
    model_id = graphene.ID(required=True)
    status = graphene.Field(ScoringBatchStatus, required=True)
    purpose = graphene.Field(Purpose)
    rows_total = graphene.Int(required=True)
    rows_scored = graphene.Int(required=True)
    chunks_total = graphene.Int(required=True)
    chunks_done = graphene.Int(required=True)
    created_at = graphene.DateTime(required=True)
    finished_at = graphene.DateTime()
    error = graphene.String()
    monitoring = graphene.Field(ScoringMonitoringRun)

    @staticmethod
    def resolve_purpose(batch, _info):
        return purpose_value(batch.purpose)


class ScoringModelPayload(graphene.ObjectType):
    """The model version after the change."""

    model = graphene.Field(ScoringModel)


class FeatureValueInput(graphene.InputObjectType):
    """One input of an applicant; ``value`` null is a missing value. Numbers are given as text ("36", "0.5")."""

    name = graphene.String(required=True)
    value = graphene.String()


class ScoreApplicantInput(graphene.InputObjectType):
    """One applicant: ``features`` or ``featuresJson`` (a JSON object of name → number, text or null)."""

    model_id = graphene.ID(description="default: the bank's champion (of modelName when it has several)")
    model_name = graphene.String()
    features = graphene.List(graphene.NonNull(FeatureValueInput))
    features_json = graphene.String()
    debtor_ref = DebtorRef(description="links the stored score to the registry's debtor (for the shared band)")
    subject_ref = graphene.String(description="the bank's reference (application number); default: keyed hash")
    purpose = Purpose()


class ScoreBatchInput(graphene.InputObjectType):
    """A batch: ``rowsJson`` is a JSON list of objects, each with ``subject_ref`` and the model's inputs."""

    model_id = graphene.ID(required=True)
    rows_json = graphene.String(required=True)
    chunk_size = graphene.Int()
    purpose = Purpose()


ScoringModelConnection = connection_type(ScoringModel)
ScoringModelCardConnection = connection_type(ScoringModelCard)
ScoringMonitoringRunConnection = connection_type(ScoringMonitoringRun)
ScoringAggregateConnection = connection_type(ScoringAggregate)
ApplicantScoreConnection = connection_type(ApplicantScore)
