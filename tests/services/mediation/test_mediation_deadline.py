"""The 30-day judicial-confirmation rule: applying on the last day works, on day 31 it is refused naming the date;
the daily task flags agreed cases whose deadline passed; the beat schedule lists it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.core.errors import BadInput, Forbidden
from portal.core.timeutil import utcnow
from portal.registry.vocab import shanghai_today
from portal.services.mediation import operations as ops
from portal.services.mediation.models import MediationCase
from tests.services.mediation.test_mediation_journey import CASE, ok
from tests.services.mediation.test_mediation_refusals import agree, refer, step


def _agreed_days_ago(world, uow, key, debt, days):
    cid = refer(world, uow, key=key, debts=(debt,))
    with uow() as s:
        s.get(MediationCase, cid).referred_at = utcnow() - timedelta(days=days + 5)
    step(world, uow, ops.accept_case, "mediator", cid)
    agree(world, uow, cid, signed_on=shanghai_today() - timedelta(days=days), amount="8000.00")
    return cid


def test_apply_on_day_30_is_allowed_and_on_day_31_refused(world, uow, gql, api_token):
    today = shanghai_today()
    on_time = _agreed_days_ago(world, uow, "a", "zhang-2", 30)
    late = _agreed_days_ago(world, uow, "b", "li", 31)
    _s, body = gql(CASE, {"id": str(on_time)}, token=api_token("mediator"))
    assert ok(body, "mediationCase")["confirmationDaysLeft"] == 0
    _s, body = gql(CASE, {"id": str(late)}, token=api_token("bank-a"))
    assert ok(body, "mediationCase")["confirmationDaysLeft"] == -1
    assert step(world, uow, ops.apply_for_confirmation, "mediator", on_time, "越城区人民法院", today).status == \
        "confirmation_applied"
    due = (today - timedelta(days=1)).isoformat()
    with pytest.raises(BadInput, match=f"after the judicial-confirmation deadline {due}"):
        step(world, uow, ops.apply_for_confirmation, "mediator", late, "越城区人民法院", today)
    with pytest.raises(BadInput, match="before the agreement was signed"):
        step(world, uow, ops.apply_for_confirmation, "mediator", late, "越城区人民法院", today - timedelta(days=40))
    with uow() as s:
        assert s.get(MediationCase, late).status == "agreed" and s.get(MediationCase, late).filed_on is None
    # over GraphQL the refusal is BAD_USER_INPUT naming the date
    apply = """mutation($c: ID!, $on: Date!) { applyForJudicialConfirmation(caseId: $c, court: "c", filedOn: $on) {
               case { status } } }"""
    _s, body = gql(apply, {"c": str(late), "on": today.isoformat()}, token=api_token("mediator"))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and due in body["errors"][0]["message"]


def test_daily_task_flags_overdue_cases_once(world, uow, app):
    from portal.services.mediation import tasks

    due_today = _agreed_days_ago(world, uow, "a", "zhang-2", 30)
    late = _agreed_days_ago(world, uow, "b", "li", 31)
    assert tasks.flag_overdue_confirmations.apply().get() == 1
    assert tasks.flag_overdue_confirmations.apply().get() == 0
    with uow() as s:
        assert s.get(MediationCase, late).confirmation_overdue is True
        assert s.get(MediationCase, due_today).confirmation_overdue is False
        assert ops.progress.overdue_case_ids(s) == [late]
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["mediation-flag-overdue-confirmations"]["task"] == "mediation.flag_overdue_confirmations"


def test_only_the_portal_runs_the_sweep(world, uow):
    for who in ("mediator", "regulator", "bank-a"):
        with pytest.raises(Forbidden):
            step(world, uow, ops.flag_overdue_confirmations, who)
