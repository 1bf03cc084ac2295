"""Spot checks end to end: a reproducible stratified sample, the auditors' queue (confirm, dismiss, add, complete),
agreement (kappa, per-family precision/recall) and compliance rates, each refused to whoever ACCESS.md excludes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from audit_samples import CLEAN_ZH, VIOLATING_ZH

from portal.access import Role
from portal.core.errors import BadInput, Forbidden
from portal.core.timeutil import utcnow
from portal.services.audit import operations as ops


@pytest.fixture
def calls(app, world):
    """12 connected calls of agency-a (4 flagged by the monitor) and 8 of agency-b (2 flagged), all transcribed."""
    kr = app.extensions["keyring"]
    plan = [(agency, debt, f"{agency}-{i}", i < bad)
            for agency, debt, n, bad in (("agency-a", "A", 12, 4), ("agency-b", "B", 8, 2)) for i in range(n)]
    for agency, debt, key, _bad in plan:
        world.add_attempt(key, agency, debt, started=utcnow() - timedelta(days=3))
    with app.extensions["db"].unit_of_work() as s:
        for agency, _debt, key, bad in plan:
            ops.submit_transcript(world.principal(agency), key, "zh",
                                  [{"speaker": "agent", "text": VIOLATING_ZH if bad else CLEAN_ZH}], keyring=kr,
                                  session=s)
    return world


def _spec(**kw):
    today = utcnow().date()
    return ops.SpotCheckSpec(period_from=today - timedelta(days=30), period_to=today, **kw)


def test_sample_is_reproducible_stratified_and_regulator_only(app, calls):
    auditor = calls.principal("regulator")
    with app.extensions["db"].unit_of_work() as s:
        one = ops.create_spot_check(auditor, _spec(seed=7, margin=0.2, min_per_stratum=2), session=s)
        two = ops.create_spot_check(auditor, _spec(seed=7, margin=0.2, min_per_stratum=2), session=s)
        first = [i.attempt_id for i in ops.review_queue(auditor, one.id, None, after=None, limit=100, session=s)]
        second = [i.attempt_id for i in ops.review_queue(auditor, two.id, None, after=None, limit=100, session=s)]
        assert first == second and len(first) == one.sample_size
        # 22 connected calls (a1, b1 untranscribed); Cochran at ±20 %: n0 = 24.01 -> 24.01/(1 + 23.01/22) = 11.7 -> 12
        assert one.population == 22 and one.required_size == 12
        assert set(one.strata) == {"agency-a|flagged", "agency-a|clean", "agency-a|unscanned",
                                   "agency-b|flagged", "agency-b|clean", "agency-b|unscanned"}
        assert one.strata["agency-a|flagged"] == {"population": 4, "sample": 2}
        assert all(v["sample"] >= min(2, v["population"]) for v in one.strata.values())
        other = ops.create_spot_check(auditor, _spec(seed=8, margin=0.2), session=s)
        assert [i.attempt_id for i in ops.review_queue(auditor, other.id, None, after=None, limit=100,
                                                       session=s)] != first
        for code in ("agency-a", "bank-a"):
            with pytest.raises(Forbidden):
                ops.create_spot_check(calls.principal(code), _spec(seed=1), session=s)
        with pytest.raises(Forbidden):
            ops.create_spot_check(calls.principal("regulator", {Role.ANALYST}), _spec(seed=1), session=s)


def test_review_agreement_and_compliance_rates(app, calls):
    auditor = calls.principal("regulator")
    with app.extensions["db"].unit_of_work() as s:
        check = ops.create_spot_check(auditor, _spec(seed=3, margin=0.01), session=s)  # the whole population
        items = ops.review_queue(auditor, check.id, None, after=None, limit=100, session=s)
        assert len(items) == 22
        flagged = [i for i in items if i.stratum.endswith("flagged")]
        clean = [i for i in items if not i.stratum.endswith("flagged")]
        # agency-a: confirm 3 flagged calls, dismiss both findings of the 4th; add a missed finding to one clean call
        with pytest.raises(BadInput, match="undecided"):
            ops.complete_review(auditor, flagged[0].id, session=s)
        for n, item in enumerate(sorted(flagged, key=lambda i: i.attempt_id)):
            view = ops.review_item(auditor, item.id, session=s)
            decision = "dismissed" if n == 3 else "confirmed"
            for f in view.findings:
                ops.decide_finding(auditor, item.id, f.id, decision, "heard it", session=s)
            with pytest.raises(BadInput):
                ops.decide_finding(auditor, item.id, view.findings[0].id, "maybe", session=s)
        missed = next(i for i in clean if i.stratum.startswith("agency-b"))
        ops.add_finding(auditor, missed.id, "VS-F03-02", turn=0, start=0, end=2, note="老赖 said aloud", session=s)
        with pytest.raises(BadInput, match="unknown violation kind"):
            ops.add_finding(auditor, missed.id, "VS-NOPE", session=s)
        for item in items:
            ops.complete_review(auditor, item.id, "ok", session=s)
        agreement = ops.agreement(auditor, _spec().period_from, _spec().period_to, session=s)
        # calls: monitor flagged 6; auditors found violations on 5 of them plus 1 clean call
        assert agreement.calls == 22
        assert agreement.table == {"both": 5, "monitor_only": 1, "auditor_only": 1, "neither": 15}
        po = 20 / 22
        pe = (6 / 22) * (6 / 22) + (16 / 22) * (16 / 22)
        assert agreement.kappa == pytest.approx((po - pe) / (1 - pe))
        fam = {f.family: f for f in agreement.families}
        assert (fam["threat_of_violence"].tp, fam["threat_of_violence"].fp) == (5, 1)
        assert fam["insult_abuse"].recall == 0.0
        rates = {(r.agency, r.month): r for r in ops.compliance_rates(auditor, _spec().period_from,
                                                                      _spec().period_to, session=s)}
        a = next(r for (code, _m), r in rates.items() if code == "agency-a")
        b = next(r for (code, _m), r in rates.items() if code == "agency-b")
        # agency-a: 13 reviewed calls (12 + a1), 3 violating; agency-b: 9 reviewed, 2 confirmed + 1 added
        assert (a.reviewed, a.violating, a.rate) == (13, 3, pytest.approx(10 / 13))
        assert (b.reviewed, b.violating) == (9, 3)
        own = ops.compliance_rates(calls.principal("agency-a"), _spec().period_from, _spec().period_to,
                                   agency="agency-b", session=s)
        assert [r.agency for r in own] == ["agency-a"]
        with pytest.raises(Forbidden):
            ops.compliance_rates(calls.principal("bank-a"), _spec().period_from, _spec().period_to, session=s)
        with pytest.raises(Forbidden):
            ops.agreement(calls.principal("agency-a"), _spec().period_from, _spec().period_to, session=s)
