"""The tracing part of the demo on the tracing fixture's registry: requests, signals and alerts appear."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.demo import DemoContext
from portal.services.tracing import demo
from portal.services.tracing.models import TracingAlert, TracingRequest, TracingSignal


class _Bar:
    def update(self, _n):
        return None


def test_demo_seed_creates_requests_signals_and_alerts(app, world, region):
    with app.app_context(), app.extensions["db"].unit_of_work() as s:
        ctx = DemoContext(s, "small", 10_000, 7, app.extensions["keyring"], lambda _l, _n: _Bar(),
                          {code: r["id"] for code, r in region.items()})
        demo.seed(ctx)
    with app.extensions["db"].unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(TracingRequest)) == 1  # bank-a's overdue enterprise
        assert s.scalar(select(func.count()).select_from(TracingSignal)) >= 2
        assert s.scalar(select(func.count()).select_from(TracingSignal)
                        .where(TracingSignal.status == "unresolved")) == 1
        assert s.scalar(select(func.count()).select_from(TracingAlert)) >= 0
