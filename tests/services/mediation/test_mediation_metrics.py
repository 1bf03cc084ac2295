"""Region metrics of mediation outcomes: the regulator reads the region's cohort, others only their own figures
(the regional cell is suppressed below 5 banks, 5 mediation centres or 10 debtors)."""

from __future__ import annotations

from datetime import timedelta

from portal.registry.vocab import shanghai_today
from portal.services.mediation import operations as ops
from tests.services.mediation.test_mediation_journey import ok
from tests.services.mediation.test_mediation_refusals import agree, refer, step

METRICS = """query($from: Date!, $to: Date!) { regionMetrics(from: $from, to: $to) { mediation {
  region { suppressed referred concluded agreed resolvedRate medianDaysToAgreement ruled confirmed confirmationRate }
  own { referred agreed confirmed } } } }"""


def test_outcomes_for_the_regulator_and_own_figures_for_the_others(world, uow, gql, api_token):
    today = shanghai_today()
    confirmed = refer(world, uow, key="ok", debts=("zhang-1",))
    step(world, uow, ops.accept_case, "mediator", confirmed)
    agree(world, uow, confirmed)
    step(world, uow, ops.apply_for_confirmation, "mediator", confirmed, "court", today)
    step(world, uow, ops.record_ruling, "mediator", confirmed, True, today)
    declined = refer(world, uow, key="no", debts=("li",))
    step(world, uow, ops.decline_case, "mediator", declined, "out of scope")
    refer(world, uow, key="open", debts=("zhang-2",))
    period = {"from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()}

    _s, body = gql(METRICS, period, token=api_token("regulator"))
    region = ok(body, "regionMetrics")["mediation"]["region"]
    assert region == {"suppressed": False, "referred": 3, "concluded": 2, "agreed": 1, "resolvedRate": 0.5,
                      "medianDaysToAgreement": 0.0, "ruled": 1, "confirmed": 1, "confirmationRate": 1.0}

    _s, body = gql(METRICS, period, token=api_token("bank-a"))
    mediation = ok(body, "regionMetrics")["mediation"]
    assert mediation["region"]["suppressed"] is True and mediation["region"]["referred"] is None
    assert mediation["own"] == {"referred": 3, "agreed": 1, "confirmed": 1}
    _s, body = gql(METRICS, period, token=api_token("mediator-2"))
    assert ok(body, "regionMetrics")["mediation"]["own"] == {"referred": 0, "agreed": 0, "confirmed": 0}
    _s, body = gql(METRICS, period, token=api_token("agency-a"))
    mediation = ok(body, "regionMetrics")["mediation"]
    assert mediation["region"]["suppressed"] is True and mediation["own"] is None
