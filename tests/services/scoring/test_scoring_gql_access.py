"""ACCESS.md "scores and reason codes" walked through POST /graphql for every tenant kind of the region.

bank-a owns the models and scores; bank-b (another bank) reads only the shared band with a purpose; agencies,
mediator and tracer read nothing; the regulator reads aggregates and model cards, never a single score.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.registry.models import Inquiry

NOBODY = ("agency-a", "agency-b", "mediator", "tracer")
EVERYONE = ("regulator", "bank-a", "bank-b", "bank-c", *NOBODY)

SCORE = """mutation S($input: ScoreApplicantInput!) { scoreApplicant(input: $input) {
  id subjectRef score pd band purpose scoredAt model { id name version } reasonCodes { feature bin points text } } }"""
SCORES = """query Q($ref: String) { applicantScores(subjectRef: $ref, first: 10) {
  edges { node { subjectRef score pd band reasonCodes { feature points text } } } } }"""
BAND = """query B($ref: DebtorRef!, $purpose: Purpose!, $consent: String) {
  riskBand(ref: $ref, purpose: $purpose, consentRef: $consent) { band purpose inquiryId } }"""
MODELS = """{ scoringModels(first: 10) { edges { node { id name version status champion trainingDataSha256
  trainingRows metrics { auc ks } createdBy { email } approvedBy { email } approvedAt
  card { intendedUse characteristics { name } } } } } }"""
CARDS = """query C($inst: String) { scoringModelCards(institution: $inst) { edges { node {
  modelId institution { code } name version status approved validation { auc } document } } } }"""
AGGREGATES = """query A($inst: String) { scoringAggregates(institution: $inst) { edges { node {
  modelId institution { code } scores bands { band count } meanPd stability { level psi } } } } }"""
RUNS = """query R($model: ID) { scoringMonitoringRuns(modelId: $model) { edges { node { id level psi } } } }"""
PROMOTE = "mutation P($id: ID!) { promoteScoringModel(id: $id) { model { id status } } }"
APPROVE = "mutation P($id: ID!) { approveScoringModel(id: $id) { model { id approvedBy { email } } } }"


def code_of(body: dict) -> str | None:
    """The first error's extensions.code, or None."""
    return body["errors"][0]["extensions"]["code"] if body.get("errors") else None


@pytest.fixture
def scored(gql, scoring_world):
    """bank-a scored the registry debtor (linked by debtorRef) once; returns the stored result."""
    w = scoring_world
    status, body = gql(SCORE, {"input": {"features": w.features, "debtorRef": {"idNumber": w.person},
                                         "purpose": "CREDIT_APPROVAL"}}, w.tokens["bank-a"])
    assert status == 200 and "errors" not in body, body
    return body["data"]["scoreApplicant"]


def test_bank_scores_with_its_champion_and_gets_reason_codes(scored, scoring_world):
    assert scored["model"] == {"id": str(scoring_world.champion), "name": "retail-pd", "version": 1}
    assert scored["band"] in "ABCDE" and 0 < scored["pd"] < 1 and scored["score"] > 0
    assert 1 <= len(scored["reasonCodes"]) <= 4 and scored["purpose"] == "CREDIT_APPROVAL"
    first = scored["reasonCodes"][0]
    assert first["points"] > 0 and first["feature"] in first["text"] and "points below its best bin" in first["text"]
    assert len(scored["subjectRef"]) == 64  # the keyed hash of the identity number, never the number itself
    assert scored["scoredAt"].endswith("+00:00")


def test_only_the_owning_bank_may_score_with_a_model(gql, scoring_world):
    w = scoring_world
    variables = {"input": {"modelId": str(w.champion), "features": w.features}}
    for code in ("bank-b", "bank-c", "regulator", *NOBODY):
        assert code_of(gql(SCORE, variables, w.tokens[code])[1]) == "FORBIDDEN", code
    for code in ("regulator", *NOBODY):  # without a model id: refused before any champion is looked for
        assert code_of(gql(SCORE, {"input": {"features": w.features}}, w.tokens[code])[1]) == "FORBIDDEN", code
    assert code_of(gql(SCORE, {"input": {"features": w.features}}, w.tokens["bank-b"])[1]) == "NOT_FOUND"
    assert code_of(gql(SCORE, variables)[1]) == "UNAUTHENTICATED"


def test_scores_and_reason_codes_only_for_the_owning_bank(gql, scored, scoring_world):
    w = scoring_world
    _, body = gql(SCORES, {"ref": scored["subjectRef"]}, w.tokens["bank-a"])
    node = body["data"]["applicantScores"]["edges"][0]["node"]
    assert node["score"] == scored["score"] and node["reasonCodes"][0]["feature"] == scored["reasonCodes"][0]["feature"]
    for code in ("bank-b", "bank-c"):  # another bank lists only its own scores: none of bank-a's
        _, body = gql(SCORES, {"ref": scored["subjectRef"]}, w.tokens[code])
        assert body["data"]["applicantScores"]["edges"] == [], code
    for code in ("regulator", *NOBODY):
        assert code_of(gql(SCORES, {"ref": scored["subjectRef"]}, w.tokens[code])[1]) == "FORBIDDEN", code


def _inquiries(app) -> int:
    with app.extensions["db"].unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(Inquiry))


def test_other_bank_gets_only_the_band_with_a_purpose(app, gql, scored, scoring_world):
    w = scoring_world
    ref = {"idNumber": w.person}
    before = _inquiries(app)
    _, body = gql(BAND, {"ref": ref, "purpose": "COLLECTION"}, w.tokens["bank-b"])
    assert body["data"]["riskBand"]["band"] == scored["band"] and body["data"]["riskBand"]["inquiryId"]
    _, body = gql(BAND, {"ref": ref, "purpose": "CREDIT_APPROVAL", "consent": "C-2024-17"}, w.tokens["bank-c"])
    assert body["data"]["riskBand"] == {"band": scored["band"], "purpose": "CREDIT_APPROVAL",
                                        "inquiryId": body["data"]["riskBand"]["inquiryId"]}
    assert _inquiries(app) == before + 2  # every band read is an inquiry about the debtor
    _, body = gql(BAND, {"ref": ref, "purpose": "CREDIT_APPROVAL"}, w.tokens["bank-b"])
    assert code_of(body) == "BAD_USER_INPUT" and "consentRef" in body["errors"][0]["message"]
    for purpose in ("POST_LOAN_MANAGEMENT", "SUPERVISION", "DATA_SUBJECT_REQUEST"):
        assert code_of(gql(BAND, {"ref": ref, "purpose": purpose}, w.tokens["bank-b"])[1]) == "FORBIDDEN", purpose
    for code in ("regulator", *NOBODY):
        assert code_of(gql(BAND, {"ref": ref, "purpose": "COLLECTION"}, w.tokens[code])[1]) == "FORBIDDEN", code
    assert _inquiries(app) == before + 2  # refused reads leave no inquiry
    # the band is all there is: no score, PD or reason on the type
    _, body = gql("query($r: DebtorRef!) { riskBand(ref: $r, purpose: COLLECTION) { band score } }", {"r": ref},
                  w.tokens["bank-b"])
    assert code_of(body) == "BAD_USER_INPUT" and "score" in body["errors"][0]["message"]
    # bank-a's own scores are not "shared": it reads them in full through applicantScores
    _, body = gql(BAND, {"ref": ref, "purpose": "POST_LOAN_MANAGEMENT"}, w.tokens["bank-a"])
    assert body["data"]["riskBand"]["band"] is None


def test_one_debtor_lookup_per_operation(gql, scoring_world):
    w = scoring_world
    query = """query($r: DebtorRef!) { a: riskBand(ref: $r, purpose: COLLECTION) { band }
                                       b: riskBand(ref: $r, purpose: LITIGATION) { band } }"""
    _, body = gql(query, {"r": {"idNumber": w.person}}, w.tokens["bank-b"])
    assert code_of(body) == "QUERY_TOO_COMPLEX"


def test_unknown_debtor_is_not_found_only_for_those_allowed_to_ask(gql, scoring_world):
    w = scoring_world
    ref = {"idNumber": "110101199003070011"}
    assert code_of(gql(BAND, {"ref": ref, "purpose": "COLLECTION"}, w.tokens["bank-b"])[1]) == "NOT_FOUND"
    for code, purpose in (("agency-a", "COLLECTION"), ("bank-b", "POST_LOAN_MANAGEMENT")):
        assert code_of(gql(BAND, {"ref": ref, "purpose": purpose}, w.tokens[code])[1]) == "FORBIDDEN", code


def test_model_registry_is_the_banks_own(gql, scoring_world, region):
    w = scoring_world
    _, body = gql(MODELS, token=w.tokens["bank-a"])
    nodes = [e["node"] for e in body["data"]["scoringModels"]["edges"]]
    assert [(n["version"], n["status"], n["champion"]) for n in nodes] == [(2, "CHALLENGER", False),
                                                                           (1, "CHAMPION", True)]
    champ = nodes[1]
    assert len(champ["trainingDataSha256"]) == 64 and champ["trainingRows"] == 1000 and champ["metrics"]["auc"]
    assert champ["createdBy"] is None and champ["approvedBy"] == {"email": region["bank-a"]["email"]}
    assert champ["card"]["intendedUse"] and champ["card"]["characteristics"]
    for code in ("bank-b", "bank-c"):
        _, body = gql(MODELS, token=w.tokens[code])
        assert body["data"]["scoringModels"]["edges"] == [], code
    for code in ("regulator", *NOBODY):
        assert code_of(gql(MODELS, token=w.tokens[code])[1]) == "FORBIDDEN", code
    for code in ("bank-b", "regulator", *NOBODY):
        q = f'{{ scoringModel(id: "{w.champion}") {{ id }} }}'
        assert code_of(gql(q, token=w.tokens[code])[1]) == "FORBIDDEN", code


def test_regulator_reads_model_cards_and_aggregates_only(gql, scored, scoring_world):
    w = scoring_world
    _, body = gql(CARDS, {}, w.tokens["regulator"])
    cards = [e["node"] for e in body["data"]["scoringModelCards"]["edges"]]
    assert {c["institution"]["code"] for c in cards} == {"bank-a"} and len(cards) == 2
    assert cards[1]["approved"] and cards[1]["validation"]["auc"] == 0.79 and '"training_data"' in cards[1]["document"]
    _, body = gql(CARDS, {"inst": "bank-a"}, w.tokens["regulator"])
    assert len(body["data"]["scoringModelCards"]["edges"]) == 2
    _, body = gql(CARDS, {}, w.tokens["bank-a"])
    assert len(body["data"]["scoringModelCards"]["edges"]) == 2
    _, body = gql(CARDS, {}, w.tokens["bank-b"])
    assert body["data"]["scoringModelCards"]["edges"] == []
    assert code_of(gql(CARDS, {"inst": "bank-a"}, w.tokens["bank-b"])[1]) == "FORBIDDEN"
    for code in NOBODY:
        assert code_of(gql(CARDS, {}, w.tokens[code])[1]) == "FORBIDDEN", code

    _, body = gql(AGGREGATES, {}, w.tokens["regulator"])
    aggs = {a["modelId"]: a for a in (e["node"] for e in body["data"]["scoringAggregates"]["edges"])}
    assert aggs[str(w.champion)]["scores"] == 1 and aggs[str(w.champion)]["institution"]["code"] == "bank-a"
    assert aggs[str(w.champion)]["bands"] == [{"band": scored["band"], "count": 1}]
    assert aggs[str(w.challenger)]["scores"] == 0
    _, body = gql(AGGREGATES, {}, w.tokens["bank-a"])
    assert len(body["data"]["scoringAggregates"]["edges"]) == 2
    _, body = gql(AGGREGATES, {}, w.tokens["bank-b"])
    assert body["data"]["scoringAggregates"]["edges"] == []
    assert code_of(gql(AGGREGATES, {"inst": "bank-a"}, w.tokens["bank-b"])[1]) == "FORBIDDEN"
    for code in NOBODY:
        assert code_of(gql(AGGREGATES, {}, w.tokens[code])[1]) == "FORBIDDEN", code


def test_monitoring_runs_are_the_owning_banks(gql, scoring_world):
    w = scoring_world
    _, body = gql(RUNS, {"model": str(w.champion)}, w.tokens["bank-a"])
    assert body["data"]["scoringMonitoringRuns"]["edges"] == []
    for code in ("bank-b", "regulator", *NOBODY):
        assert code_of(gql(RUNS, {"model": str(w.champion)}, w.tokens[code])[1]) == "FORBIDDEN", code
    for code in ("regulator", *NOBODY):
        assert code_of(gql(RUNS, {}, w.tokens[code])[1]) == "FORBIDDEN", code


def test_approve_and_promote_by_the_owning_bank_only(gql, scoring_world, region):
    w = scoring_world
    for code in ("bank-b", "regulator", *NOBODY):
        assert code_of(gql(APPROVE, {"id": str(w.challenger)}, w.tokens[code])[1]) == "FORBIDDEN", code
        assert code_of(gql(PROMOTE, {"id": str(w.challenger)}, w.tokens[code])[1]) == "FORBIDDEN", code
    assert code_of(gql(PROMOTE, {"id": str(w.challenger)}, w.tokens["bank-a"])[1]) == "CONFLICT"  # not approved
    _, body = gql(APPROVE, {"id": str(w.challenger)}, w.tokens["bank-a"])
    assert body["data"]["approveScoringModel"]["model"]["approvedBy"] == {"email": region["bank-a"]["email"]}
    _, body = gql(PROMOTE, {"id": str(w.challenger)}, w.tokens["bank-a"])
    assert body["data"]["promoteScoringModel"]["model"]["status"] == "CHAMPION"
    _, body = gql(MODELS, token=w.tokens["bank-a"])
    assert [e["node"]["status"] for e in body["data"]["scoringModels"]["edges"]] == ["CHAMPION", "RETIRED"]
    assert code_of(gql(PROMOTE, {"id": str(w.champion)}, w.tokens["bank-a"])[1]) == "CONFLICT"  # retired
    assert code_of(gql(PROMOTE, {"id": "999999"}, w.tokens["bank-a"])[1]) == "NOT_FOUND"


def test_every_tenant_signs_in(gql, scoring_world):
    """Sanity of the fixture: every institution's token works (the walks above rely on it)."""
    for code in EVERYONE:
        _, body = gql("{ me { institution { code } } }", token=scoring_world.tokens[code])
        assert body["data"]["me"]["institution"]["code"] == code


def test_band_for_the_registry_debtor_report(app, scored, scoring_world, region):
    """``operations.band_for_report``: what a ``DebtorReport.riskBand`` field calls, under the report's inquiry."""
    from portal.core.errors import BadInput
    from portal.registry import operations as registry
    from portal.services.scoring import operations as ops
    from portal.tenancy.models import User

    w, keyring = scoring_world, app.extensions["keyring"]
    with app.extensions["db"].unit_of_work() as s:
        def principal(code):
            return s.get(User, region[code]["user_id"]).principal()

        bank_b = principal("bank-b")
        report = registry.debtor_report(bank_b, {"id_number": w.person}, "COLLECTION", session=s, keyring=keyring)
        before = s.scalar(select(func.count()).select_from(Inquiry))
        band = ops.band_for_report(bank_b, report.debtor.id, "COLLECTION", session=s, inquiry_id=report.inquiry_id)
        assert (band.band, band.inquiry_id) == (scored["band"], report.inquiry_id)
        assert s.scalar(select(func.count()).select_from(Inquiry)) == before  # the report's inquiry, not a second
        regulator = principal("regulator")
        seen = registry.debtor_report(regulator, {"id_number": w.person}, "SUPERVISION", session=s, keyring=keyring)
        assert ops.band_for_report(regulator, seen.debtor.id, "SUPERVISION", session=s,
                                   inquiry_id=seen.inquiry_id) is None
        for code in NOBODY:
            assert ops.band_for_report(principal(code), report.debtor.id, "COLLECTION", session=s,
                                       inquiry_id=report.inquiry_id) is None, code
        consented = registry.debtor_report(bank_b, {"id_number": w.person}, "CREDIT_APPROVAL", "C-77", session=s,
                                           keyring=keyring)  # the consent comes from the report's inquiry
        assert ops.band_for_report(bank_b, report.debtor.id, "CREDIT_APPROVAL", session=s,
                                   inquiry_id=consented.inquiry_id).band == scored["band"]
        with pytest.raises(BadInput, match="purpose"):  # an inquiry for another purpose does not cover this one
            ops.band_for_report(bank_b, report.debtor.id, "LITIGATION", session=s, inquiry_id=report.inquiry_id)
        with pytest.raises(BadInput, match="inquiry"):  # bank-b's inquiry does not cover bank-c's read
            ops.band_for_report(principal("bank-c"), report.debtor.id, "COLLECTION", session=s,
                                inquiry_id=report.inquiry_id)


REPORT_WITH_BAND = """query R($ref: DebtorRef!, $purpose: Purpose!, $consent: String) {
  debtor(ref: $ref, purpose: $purpose, consentRef: $consent) { shared { debtCount } riskBand { band inquiryId } } }"""


def test_debtor_report_carries_the_band_under_its_own_inquiry(app, gql, scored, scoring_world):
    """The credit officer's journey: one look-up shows the shared summary and the coarse band; one inquiry."""
    w, ref = scoring_world, {"idNumber": scoring_world.person}
    before = _inquiries(app)
    _, body = gql(REPORT_WITH_BAND, {"ref": ref, "purpose": "CREDIT_APPROVAL", "consent": "C-2026-9"},
                  w.tokens["bank-b"])
    assert "errors" not in body, body
    report = body["data"]["debtor"]
    assert report["riskBand"]["band"] == scored["band"] and report["shared"]["debtCount"] >= 1
    assert _inquiries(app) == before + 1  # the band read is the report's inquiry, not a second one
    # the regulator and the non-banks get the report they may see, and no band
    for code, purpose in (("regulator", "SUPERVISION"), ("agency-a", "COLLECTION")):
        _, body = gql(REPORT_WITH_BAND, {"ref": ref, "purpose": purpose}, w.tokens[code])
        if body.get("errors"):
            assert code_of(body) == "FORBIDDEN", (code, body)
        else:
            assert body["data"]["debtor"]["riskBand"] is None, code
    # still one look-up per operation: a report and a root riskBand together are refused
    both = """query($r: DebtorRef!) { debtor(ref: $r, purpose: COLLECTION) { riskBand { band } }
                                     riskBand(ref: $r, purpose: COLLECTION) { band } }"""
    assert code_of(gql(both, {"r": ref}, w.tokens["bank-b"])[1]) == "QUERY_TOO_COMPLEX"
