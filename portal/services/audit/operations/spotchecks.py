"""Spot checks: a reproducible stratified sample of connected calls (strata: agency × risk), the auditors' review
queue (confirm or dismiss each monitor finding, add the ones it missed, notes), agreement between the monitor and the
auditors, and the compliance rate per agency and month (see docs/audit.md for the definitions)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.crypto import Keyring
from portal.core.errors import BadInput, Conflict, NotFound
from portal.core.timeutil import utcnow
from portal.services.audit import agreement as stats
from portal.services.audit import policy as _policy  # noqa: F401 - registers the policies
from portal.services.audit import sampling
from portal.services.audit.models import AuditFinding, FindingReview, ReviewItem, SpotCheck, Transcript
from portal.services.audit.operations.common import (
    RECORDED_CHANNELS,
    ident,
    institution_codes,
    institution_id,
    kind_facts,
    period_bounds,
    shanghai_month,
)
from portal.services.audit.operations.transcripts import decrypted_body
from portal.services.compliance.models import ContactAttempt

DECISIONS = ("confirmed", "dismissed")


@dataclass
class SpotCheckSpec:
    """What to sample: the period (call dates, Asia/Shanghai), an optional agency, the statistical parameters."""

    period_from: date
    period_to: date
    agency: str | None = None
    seed: int | None = None
    confidence: float = 0.95
    margin: float = 0.05
    proportion: float = 0.5
    min_per_stratum: int = 2
    title: str | None = None


def _risk(flagged: bool, scanned: bool) -> str:
    return "flagged" if flagged else "clean" if scanned else "unscanned"


@guarded("audit.spotcheck.create")
def create_spot_check(principal: Principal, spec: SpotCheckSpec, *, session: Session) -> SpotCheck:
    """Draw the sample (Cochran size with finite population correction, proportional allocation with a minimum per
    stratum, seeded) and queue its calls for review in a seeded order."""
    check_access("audit.spotcheck.create", principal)
    if not 0 <= spec.min_per_stratum <= 1000:
        raise BadInput("minPerStratum must be between 0 and 1000", field="minPerStratum")
    start, end = period_bounds(spec.period_from, spec.period_to)
    seed = spec.seed if spec.seed is not None else secrets.randbelow(2**31)
    conds = [ContactAttempt.state == "logged", ContactAttempt.outcome == "connected",
             ContactAttempt.channel.in_(RECORDED_CHANNELS), ContactAttempt.started_at >= start,
             ContactAttempt.started_at < end]
    agency_id = institution_id(session, spec.agency)
    if agency_id is not None:
        conds.append(ContactAttempt.agency_id == agency_id)
    flagged = exists().where(AuditFinding.attempt_id == ContactAttempt.id, AuditFinding.source == "monitor")
    scanned = exists().where(Transcript.attempt_id == ContactAttempt.id, Transcript.scanned_at.is_not(None))
    rows = session.execute(select(ContactAttempt.id, ContactAttempt.agency_id, ContactAttempt.creditor_id,
                                  ContactAttempt.started_at, flagged, scanned).where(*conds)).all()
    codes = institution_codes(session, {r[1] for r in rows})
    strata: dict[str, list[int]] = defaultdict(list)
    facts = {}
    for aid, agency, creditor, started, is_flagged, is_scanned in rows:
        strata[f"{codes[agency]}|{_risk(bool(is_flagged), bool(is_scanned))}"].append(aid)
        facts[aid] = (agency, creditor, started)
    plan = sampling.draw(strata, seed=seed, confidence=spec.confidence, margin=spec.margin,
                         proportion=spec.proportion, minimum=spec.min_per_stratum)
    check = SpotCheck(title=(spec.title or f"spot check {spec.period_from}..{spec.period_to}")[:200], seed=seed,
                      confidence=spec.confidence, margin=spec.margin, proportion=spec.proportion,
                      min_per_stratum=spec.min_per_stratum, period_from=spec.period_from, period_to=spec.period_to,
                      agency_id=agency_id, population=plan.population, sample_size=plan.size,
                      required_size=plan.required, strata=plan.strata, created_by=principal.user_id)
    session.add(check)
    session.flush()
    stratum_of = {aid: name for name, ids in plan.chosen.items() for aid in ids}
    for position, aid in enumerate(sampling.queue_order(stratum_of, seed), start=1):
        agency, creditor, started = facts[aid]
        session.add(ReviewItem(spot_check_id=check.id, attempt_id=aid, agency_id=agency, creditor_id=creditor,
                               stratum=stratum_of[aid], position=position, month=shanghai_month(started)))
    session.flush()
    return check


@guarded("audit.spotcheck.read")
def list_spot_checks(principal: Principal, *, after: int | None, limit: int, session: Session) -> Sequence[SpotCheck]:
    """Spot checks, oldest first (keyset by id)."""
    check_access("audit.spotcheck.read", principal)
    stmt = select(SpotCheck).order_by(SpotCheck.id).limit(limit)
    if after is not None:
        stmt = stmt.where(SpotCheck.id > int(after))
    return session.scalars(stmt).all()


@guarded("audit.spotcheck.read")
def get_spot_check(principal: Principal, spot_check_id: int, *, session: Session) -> SpotCheck:
    """One spot check."""
    check_access("audit.spotcheck.read", principal)
    found = session.get(SpotCheck, ident(principal, spot_check_id, "id"))
    if found is None:
        raise NotFound(f"spot check {spot_check_id} not found")
    return found


@guarded("audit.spotcheck.read")
def review_queue(principal: Principal, spot_check_id: int, status: str | None, *, after: int | None, limit: int,
                 session: Session) -> Sequence[ReviewItem]:
    """The review queue of a spot check in its seeded order (keyset by position)."""
    check_access("audit.spotcheck.read", principal)
    stmt = select(ReviewItem).where(ReviewItem.spot_check_id == ident(principal, spot_check_id, "id"))
    if status:
        stmt = stmt.where(ReviewItem.status == status)
    if after is not None:
        stmt = stmt.where(ReviewItem.position > int(after))
    return session.scalars(stmt.order_by(ReviewItem.position).limit(limit)).all()


@dataclass
class ItemView:
    """A queued call with every finding on it and the auditor's decisions so far."""

    item: ReviewItem
    findings: list[AuditFinding]
    decisions: dict[int, FindingReview] = field(default_factory=dict)


def _item(session: Session, item_id: object, principal: Principal) -> ReviewItem:
    item = session.get(ReviewItem, ident(principal, item_id, "itemId"))
    if item is None:
        raise NotFound(f"review item {item_id} not found")
    return item


def _view(session: Session, item: ReviewItem) -> ItemView:
    found = session.scalars(select(AuditFinding).where(AuditFinding.attempt_id == item.attempt_id)
                            .order_by(AuditFinding.id)).all()
    reviews = session.scalars(select(FindingReview).where(FindingReview.item_id == item.id)).all()
    return ItemView(item, list(found), {r.finding_id: r for r in reviews})


@guarded("audit.spotcheck.read")
def review_item(principal: Principal, item_id: int, *, session: Session) -> ItemView:
    """One queued call with its findings and decisions (the audio and turns come from the recording and transcript
    operations, which log each access)."""
    check_access("audit.spotcheck.read", principal)
    return _view(session, _item(session, item_id, principal))


def _open_item(session: Session, item_id: object, principal: Principal) -> ReviewItem:
    item = _item(session, item_id, principal)
    if item.status == "reviewed":
        raise Conflict(f"review item {item.id} is already completed")
    return item


@guarded("audit.review.write")
def decide_finding(principal: Principal, item_id: int, finding_id: int, decision: str, note: str | None = None, *,
                   session: Session) -> ItemView:
    """Confirm or dismiss one monitor finding of a queued call (a later decision replaces an earlier one)."""
    item = _item(session, item_id, principal)
    check_access("audit.review.write", principal, item)
    item = _open_item(session, item_id, principal)
    if decision not in DECISIONS:
        raise BadInput(f"decision {decision!r} must be confirmed or dismissed", field="decision")
    finding = session.get(AuditFinding, ident(principal, finding_id, "findingId"))
    if finding is None or finding.attempt_id != item.attempt_id or finding.source != "monitor":
        raise NotFound(f"finding {finding_id} is not a monitor finding of this call", field="findingId")
    review = session.scalar(select(FindingReview).where(FindingReview.item_id == item.id,
                                                        FindingReview.finding_id == finding.id))
    if review is None:
        review = FindingReview(item_id=item.id, finding_id=finding.id, decision=decision)
        session.add(review)
    review.decision, review.note = decision, note
    review.reviewer_id, review.reviewed_at = principal.user_id, utcnow()
    session.flush()
    return _view(session, item)


def _check_location(session: Session, keyring: Keyring | None, transcript: Transcript | None, turn: int | None,
                    start: int | None, end: int | None) -> None:
    """BadInput naming the value when the turn is not in the transcript or the span not within the turn's text (the
    text is only decrypted, never shown or logged, and only when a keyring is given)."""
    if (start is None) != (end is None) or (start is not None and not 0 <= start < end):
        raise BadInput(f"a span needs 0 <= start < end (got start={start}, end={end})", field="start")
    if turn is None:
        if start is not None:
            raise BadInput("a span (start, end) needs the turn it is in", field="turn")
        return
    if turn < 0:
        raise BadInput(f"turn {turn} must not be negative", field="turn")
    if transcript is None:
        return  # no transcript: a turn heard on the recording cannot be checked
    if turn >= transcript.turn_count:
        raise BadInput(f"turn {turn} is not in the transcript (turns 0–{transcript.turn_count - 1})", field="turn")
    if start is not None and keyring is not None:
        length = len(decrypted_body(session, keyring, transcript)["turns"][turn]["text"])
        if end > length:
            raise BadInput(f"span {start}–{end} is outside turn {turn}, which has {length} characters", field="end")


@guarded("audit.review.write")
def add_finding(principal: Principal, item_id: int, kind: str, *, turn: int | None = None, start: int | None = None,
                end: int | None = None, note: str | None = None, keyring: Keyring | None = None,
                session: Session) -> AuditFinding:
    """Add a violation the monitor missed (heard on the recording or read in the transcript). The turn must be one of
    the transcript's, and with a ``keyring`` the span (character offsets, end exclusive) must lie within its text."""
    item = _item(session, item_id, principal)
    check_access("audit.review.write", principal, item)
    item = _open_item(session, item_id, principal)
    family, severity = kind_facts(kind)
    transcript = session.scalar(select(Transcript).where(Transcript.attempt_id == item.attempt_id))
    _check_location(session, keyring, transcript, turn, start, end)
    transcript_id = transcript.id if transcript is not None else None
    row = AuditFinding(attempt_id=item.attempt_id, transcript_id=transcript_id, agency_id=item.agency_id,
                       creditor_id=item.creditor_id, source="auditor", kind=kind, family=family, turn=turn,
                       span_start=start, span_end=end, severity=severity, confidence=None,
                       rule_ids=list(_rules(kind)), rule_refs=[], review_item_id=item.id, note=note,
                       created_by=principal.user_id)
    session.add(row)
    session.flush()
    return row


def _rules(kind: str) -> list[str]:
    from portal.services.audit.operations.common import catalogue

    return list(catalogue()[kind].get("standard_rule_ids", ()))


@guarded("audit.review.write")
def complete_review(principal: Principal, item_id: int, notes: str | None = None, *, session: Session) -> ItemView:
    """Close a queued call: every monitor finding on it must be confirmed or dismissed first."""
    item = _item(session, item_id, principal)
    check_access("audit.review.write", principal, item)
    item = _open_item(session, item_id, principal)
    view = _view(session, item)
    undecided = [f.id for f in view.findings if f.source == "monitor" and f.id not in view.decisions]
    if undecided:
        raise BadInput(f"decide every monitor finding first (undecided: {', '.join(map(str, undecided))})")
    item.status, item.notes = "reviewed", notes
    item.reviewer_id, item.reviewed_at = principal.user_id, utcnow()
    session.flush()
    return view


# -- agreement and compliance rates -----------------------------------------------------------------------------------
def _reviewed(session: Session, month_from: str, month_to: str, agency_id: int | None) -> list[ItemView]:
    stmt = select(ReviewItem).where(ReviewItem.status == "reviewed", ReviewItem.month >= month_from,
                                    ReviewItem.month <= month_to)
    if agency_id is not None:
        stmt = stmt.where(ReviewItem.agency_id == agency_id)
    items = session.scalars(stmt.order_by(ReviewItem.id)).all()
    if not items:
        return []
    attempts = {i.attempt_id for i in items}
    found = session.scalars(select(AuditFinding).where(AuditFinding.attempt_id.in_(attempts))).all()
    reviews = session.scalars(select(FindingReview).where(FindingReview.item_id.in_([i.id for i in items]))).all()
    by_attempt: dict[int, list[AuditFinding]] = defaultdict(list)
    for f in found:
        by_attempt[f.attempt_id].append(f)
    by_item: dict[int, dict[int, FindingReview]] = defaultdict(dict)
    for r in reviews:
        by_item[r.item_id][r.finding_id] = r
    return [ItemView(i, [f for f in by_attempt[i.attempt_id] if f.source == "monitor" or f.review_item_id == i.id],
                     by_item[i.id]) for i in items]


def _violating(view: ItemView) -> bool:
    return any((f.source == "auditor") or (view.decisions.get(f.id) and view.decisions[f.id].decision == "confirmed")
               for f in view.findings)


@dataclass
class Agreement:
    """Monitor against auditors over reviewed calls: call-level kappa, the 2×2 table, per-family precision/recall."""

    calls: int
    kappa: float | None
    table: dict[str, int]
    families: list[stats.FamilyScore]


def _months(period_from: date, period_to: date) -> tuple[str, str]:
    if period_to < period_from:
        raise BadInput(f"to ({period_to}) is before from ({period_from})", field="to")
    return period_from.strftime("%Y-%m"), period_to.strftime("%Y-%m")


@guarded("audit.agreement.read")
def agreement(principal: Principal, period_from: date, period_to: date, agency: str | None = None, *,
              session: Session) -> Agreement:
    """Agreement over the calls reviewed in the months of the period (call months, Asia/Shanghai)."""
    check_access("audit.agreement.read", principal)
    views = _reviewed(session, *_months(period_from, period_to), institution_id(session, agency))
    pairs, decisions = [], []
    for v in views:
        monitor = any(f.source == "monitor" for f in v.findings)
        pairs.append((monitor, _violating(v)))
        for f in v.findings:
            if f.source == "auditor":
                decisions.append((f.family, "added"))
            elif f.id in v.decisions:
                decisions.append((f.family, v.decisions[f.id].decision))
    table = {"both": sum(a and b for a, b in pairs), "monitor_only": sum(a and not b for a, b in pairs),
             "auditor_only": sum(b and not a for a, b in pairs), "neither": sum(not a and not b for a, b in pairs)}
    return Agreement(len(pairs), stats.cohen_kappa(pairs), table, stats.precision_recall(decisions))


@dataclass(frozen=True)
class ComplianceRate:
    """Reviewed calls of one agency in one month and the share without a confirmed violation."""

    agency_id: int
    agency: str
    month: str
    reviewed: int
    violating: int
    interval: tuple[float, float] | None

    @property
    def rate(self) -> float | None:
        """(reviewed − violating) / reviewed."""
        return (self.reviewed - self.violating) / self.reviewed if self.reviewed else None


@guarded("audit.compliance.read")
def compliance_rates(principal: Principal, period_from: date, period_to: date, agency: str | None = None, *,
                     session: Session) -> list[ComplianceRate]:
    """Compliance rate per agency and call month from reviewed spot-check calls (an agency sees its own)."""
    decision = check_access("audit.compliance.read", principal)
    own = decision.get("agency")
    wanted = institution_id(session, agency)
    if own is not None:
        wanted = own
    views = _reviewed(session, *_months(period_from, period_to), wanted)
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for v in views:
        cell = counts[(v.item.agency_id, v.item.month)]
        cell[0] += 1
        cell[1] += _violating(v)
    codes = institution_codes(session, {a for a, _m in counts})
    return [ComplianceRate(a, codes[a], m, n, bad, stats.wilson(n - bad, n))
            for (a, m), (n, bad) in sorted(counts.items(), key=lambda kv: (codes[kv[0][0]], kv[0][1]))]


@guarded("audit.spotcheck.read")
def items_findings(principal: Principal, item_ids: Sequence[int], *, session: Session) -> dict[int, ItemView]:
    """Findings and decisions of many queued calls at once (two statements, for a page of the queue)."""
    check_access("audit.spotcheck.read", principal)
    items = session.scalars(select(ReviewItem).where(ReviewItem.id.in_(list(item_ids)))).all()
    if not items:
        return {}
    found = session.scalars(select(AuditFinding).where(AuditFinding.attempt_id.in_({i.attempt_id for i in items}))
                            .order_by(AuditFinding.id)).all()
    reviews = session.scalars(select(FindingReview).where(FindingReview.item_id.in_([i.id for i in items]))).all()
    out = {}
    for i in items:
        shown = [f for f in found
                 if f.attempt_id == i.attempt_id and (f.source == "monitor" or f.review_item_id == i.id)]
        out[i.id] = ItemView(i, shown, {r.finding_id: r for r in reviews if r.item_id == i.id})
    return out
