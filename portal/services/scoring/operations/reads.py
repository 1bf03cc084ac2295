"""Reading scores: the bank's own in full, another bank's as the shared risk band (with its Inquiry), aggregates.

The shared risk band of a debtor is the riskiest of the other banks' latest bands, counting only scores of approved
models from the last ``BAND_MAX_AGE_DAYS`` days: no bank named, no count, no score or reason. It is read only with a
purpose as for the registry's shared summary, and an ``Inquiry`` row is flushed before any score is read (no
inquiry, no read) unless the caller already wrote the inquiry of this read in the same transaction (the registry's
``DebtorReport``, passing its ``inquiry_id``).
"""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.activity import record_activity
from portal.core.crypto import Keyring
from portal.core.errors import BadInput, NotFound
from portal.core.identifiers import mask_id_number
from portal.core.timeutil import utcnow
from portal.registry.models import Debtor, Inquiry
from portal.registry.vocab import Purpose, Relation, shanghai_today
from portal.services.scoring import policy as _policy
from portal.services.scoring.models import Score, ScoringModel
from portal.services.scoring.operations.common import check_after, check_limit, institutions, latest_runs
from portal.services.scoring.operations.scoring import reason_text
from portal.services.scoring.views import AggregateView, BandView, ReasonView, ScoreView
from portal.tenancy.models import Institution

BAND_MAX_AGE_DAYS = 365


@guarded("scoring.score.read")
def read_subject_scores(principal: Principal, subject_ref: str, *, purpose: Any = None,
                        consent_ref: str | None = None, subject_is_person: bool = True, own_customer: bool = False,
                        session: Session) -> dict[str, Any]:
    """The bank's own scores of a subject in full; with a purpose, other banks' scores as one shared band."""
    ctx = {"purpose": purpose, "consent_ref": consent_ref, "subject_is_person": subject_is_person,
           "own_customer": own_customer}
    if purpose is None:
        check_access("scoring.score.read", principal, SimpleNamespace(institution_id=principal.institution_id))
    else:
        check_access("scoring.score.read", principal, None, **ctx)
    rows = session.scalars(select(Score).where(Score.subject_ref == subject_ref)
                           .order_by(Score.scored_at.desc(), Score.id.desc()).limit(500)).all()
    own = []
    for s in rows:
        if s.institution_id == principal.institution_id:
            check_access("scoring.score.read", principal, s, **ctx)
            own.append({"model_id": s.model_id, "score": s.score, "pd": s.pd, "band": s.band,
                        "reasons": json.loads(s.reasons_json), "scored_at": s.scored_at.isoformat()})
    others = [s for s in rows if s.institution_id != principal.institution_id] if purpose is not None else []
    if not others:
        return {"own": own, "shared": None}
    _log_band_read(session, principal, subject_ref, others, _policy.purpose_name(purpose), consent_ref)
    latest: dict[int, str] = {}
    for s in others:
        if s.institution_id not in latest and check_access("scoring.score.read", principal, s, **ctx).get(
                "view") == "band":
            latest[s.institution_id] = s.band
    # one band for all other banks: the riskiest of their latest bands (no bank named, no count given)
    return {"own": own, "shared": {"band": max(latest.values())} if latest else None}


def _log_band_read(session: Session, principal: Principal, subject_ref: str, others: list[Score], purpose: str,
                   consent_ref: str | None) -> None:
    """No inquiry, no read: an Inquiry row for a registry debtor, else an activity-log row; flushed first."""
    debtor_id = next((s.debtor_id for s in others if s.debtor_id is not None), None)
    if debtor_id is not None:
        session.add(Inquiry(user_id=principal.user_id, institution_id=principal.institution_id, debtor_id=debtor_id,
                            purpose=Purpose[purpose].value, consent_ref=consent_ref))
    else:
        record_activity(session, principal, "scoring.band.read", object_type="score_subject",
                        object_id=subject_ref[:64], detail=json.dumps({"purpose": purpose}))
    session.flush()


def _own_customer(session: Session, principal: Principal, debtor_id: int) -> bool:
    from portal.registry.scoping import relation_to_debtor

    return relation_to_debtor(session, principal, debtor_id, as_of=shanghai_today()) is Relation.CREDITOR


@guarded("scoring.score.read")
def shared_risk_band(principal: Principal, debtor_id: int, purpose: Any, consent_ref: str | None = None, *,
                     session: Session, inquiry_id: int | None = None) -> BandView:
    """The shared risk band of registry debtor ``debtor_id`` for another bank (see the module docstring).

    For the registry's ``DebtorReport``: pass ``inquiry_id`` = the report's own inquiry (same debtor, same
    institution, same transaction) and no second inquiry is written.
    """
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        raise NotFound(f"debtor {debtor_id} does not exist")
    consent_ref = (consent_ref or "").strip() or None
    if consent_ref is not None and len(consent_ref) > 120:
        raise BadInput("consentRef must be at most 120 characters", field="consentRef")
    inquiry = None
    if inquiry_id is not None:  # the caller's inquiry of this read: same institution, debtor and purpose
        inquiry = session.get(Inquiry, inquiry_id)
        if inquiry is None or (inquiry.debtor_id, inquiry.institution_id) != (debtor_id, principal.institution_id) \
                or Purpose(inquiry.purpose).name != _policy.purpose_name(purpose):
            raise BadInput(f"inquiry {inquiry_id} is not this institution's inquiry about this debtor for this purpose")
        consent_ref = consent_ref or inquiry.consent_ref
    ctx = {"purpose": purpose, "consent_ref": consent_ref, "subject_is_person": debtor.kind == "person",
           "own_customer": _own_customer(session, principal, debtor_id)}
    check_access("scoring.score.read", principal, None, **ctx)
    name = _policy.purpose_name(purpose)
    if inquiry is None:
        inquiry = Inquiry(user_id=principal.user_id, institution_id=principal.institution_id, debtor_id=debtor_id,
                          purpose=Purpose[name].value, consent_ref=consent_ref)
        session.add(inquiry)
        session.flush()  # no inquiry, no read: a failure here propagates before any score is read
    since = utcnow() - timedelta(days=BAND_MAX_AGE_DAYS)
    newest = (select(func.max(Score.id)).join(ScoringModel, ScoringModel.id == Score.model_id)
              .where(Score.debtor_id == debtor_id, Score.institution_id != principal.institution_id,
                     Score.scored_at >= since, ScoringModel.approved_at.is_not(None))
              .group_by(Score.institution_id))
    latest = session.execute(select(Score.id, Score.institution_id, Score.band).where(Score.id.in_(newest))).all()
    bands = [band for sid, inst, band in latest
             if check_access("scoring.score.read", principal, SimpleNamespace(id=sid, institution_id=inst),
                             **ctx).get("view") == "band"]
    return BandView(max(bands) if bands else None, name, inquiry.id)


@guarded("scoring.band.show")
def band_for_report(principal: Principal, debtor_id: int, purpose: Any, consent_ref: str | None = None, *,
                    session: Session, inquiry_id: int) -> BandView | None:
    """The band for the registry's ``DebtorReport``: None where the policy does not show bands (agencies, mediators,
    tracers, the regulator, purposes without one), else :func:`shared_risk_band` under the report's own inquiry."""
    if not check_access("scoring.band.show", principal, None, purpose=purpose)["shown"]:
        return None
    return shared_risk_band(principal, debtor_id, purpose, consent_ref, session=session, inquiry_id=inquiry_id)


@guarded("scoring.score.read")
def risk_band_for_ref(principal: Principal, ref: Any, purpose: Any, consent_ref: str | None = None, *,
                      session: Session, keyring: Keyring) -> BandView:
    """:func:`shared_risk_band` of the debtor with identifier ``ref`` ({id_number} or {uscc}); the policy is asked
    before the registry is searched, so a refused caller learns nothing about the debtor's existence."""
    from portal.registry.inputs import debtor_ref
    from portal.registry.parties import find_debtor

    kind, number = debtor_ref(ref)
    consent = (consent_ref or "").strip() or None
    check_access("scoring.score.read", principal, None, purpose=purpose, consent_ref=consent,
                 subject_is_person=kind.value == "person", own_customer=True)
    debtor = find_debtor(session, keyring, kind, number)
    if debtor is None:
        # not in the registry, so not the bank's customer either: POST_LOAN_MANAGEMENT is refused, not answered
        check_access("scoring.score.read", principal, None, purpose=purpose, consent_ref=consent,
                     subject_is_person=kind.value == "person", own_customer=False)
        raise NotFound(f"no debtor with identifier {mask_id_number(number)!r} in the registry")
    return shared_risk_band(principal, debtor.id, purpose, consent, session=session)


@guarded("scoring.score.read")
def scores_page(principal: Principal, *, session: Session, after_id: int | None = None, limit: int | None = None,
                subject_ref: str | None = None, model_id: int | None = None,
                batch_id: int | None = None) -> list[ScoreView]:
    """The bank's own scores with reason codes, newest first (never another bank's rows)."""
    check_access("scoring.score.read", principal, SimpleNamespace(institution_id=principal.institution_id))
    limit, after_id = check_limit(limit), check_after(after_id)
    q = (select(Score, ScoringModel.name, ScoringModel.version).join(ScoringModel, ScoringModel.id == Score.model_id)
         .where(Score.institution_id == principal.institution_id))
    if subject_ref:
        q = q.where(Score.subject_ref == subject_ref)
    if model_id is not None:
        q = q.where(Score.model_id == model_id)
    if batch_id is not None:
        q = q.where(Score.batch_id == str(batch_id))
    if after_id is not None:
        q = q.where(Score.id < after_id)
    out = []
    for s, name, version in session.execute(q.order_by(Score.id.desc()).limit(limit)).tuples():
        check_access("scoring.score.read", principal, s)
        reasons = tuple(ReasonView(r["code"], r.get("bin"), float(r["points_lost"]),
                                   reason_text(r["code"], r.get("bin"), float(r["points_lost"])))
                        for r in json.loads(s.reasons_json or "[]"))
        out.append(ScoreView(s.id, s.model_id, name, version, s.subject_ref, s.score, s.pd, s.band, reasons,
                             s.purpose, s.batch_id, s.scored_at))
    return out


@guarded("scoring.aggregate.read")
def aggregates_page(principal: Principal, *, session: Session, after_id: int | None = None,
                    limit: int | None = None, institution_code: str | None = None) -> list[AggregateView]:
    """Per model, newest first: scores by band, mean PD, latest stability run (regulator: every bank's; a bank: its
    own). Four statements whatever the page size."""
    decision = check_access("scoring.aggregate.read", principal, None)
    inst_id = None
    if institution_code:
        inst_id = session.scalar(select(Institution.id).where(Institution.code == institution_code))
        if inst_id is None:
            raise NotFound(f"institution {institution_code!r} does not exist")
        decision = check_access("scoring.aggregate.read", principal, inst_id)
    scope = inst_id if decision["scope"] == "all" else principal.institution_id
    limit, after_id = check_limit(limit), check_after(after_id)
    q = select(ScoringModel)
    if scope is not None:
        q = q.where(ScoringModel.institution_id == scope)
    if after_id is not None:
        q = q.where(ScoringModel.id < after_id)
    models = list(session.scalars(q.order_by(ScoringModel.id.desc()).limit(limit)))
    ids = [m.id for m in models]
    counts: dict[int, dict[str, tuple[int, float]]] = {}
    if ids:
        stmt = (select(Score.model_id, Score.band, func.count(), func.avg(Score.pd))
                .where(Score.model_id.in_(ids)).group_by(Score.model_id, Score.band))
        for model_id, band, count, mean_pd in session.execute(stmt):
            counts.setdefault(model_id, {})[band] = (int(count), float(mean_pd))
    insts = institutions(session, {m.institution_id for m in models})
    runs = latest_runs(session, ids)
    out = []
    for m in models:
        by_band = counts.get(m.id, {})
        total = sum(n for n, _ in by_band.values())
        mean = round(sum(n * p for n, p in by_band.values()) / total, 6) if total else None
        out.append(AggregateView(m.id, insts[m.institution_id], m.name, m.version, m.status, total,
                                 {b: n for b, (n, _) in sorted(by_band.items())}, mean, runs.get(m.id)))
    return out


@guarded("scoring.aggregate.read")
def score_aggregates(principal: Principal, *, institution_id: int | None = None,
                     session: Session) -> list[dict[str, Any]]:
    """Per model with scores, as plain dicts (CLI and tests): the first 100 of :func:`aggregates_page`."""
    check_access("scoring.aggregate.read", principal, institution_id)
    code = None
    if institution_id is not None:
        code = session.scalar(select(Institution.code).where(Institution.id == institution_id))
    rows = aggregates_page(principal, session=session, limit=100, institution_code=code)
    return [{"model_id": a.model_id, "institution_id": a.institution.id, "name": a.name, "version": a.version,
             "scores": a.scores, "bands": a.bands, "mean_pd": a.mean_pd,
             "stability": a.latest_run.level if a.latest_run else None}
            for a in sorted(rows, key=lambda a: a.model_id) if a.scores]
