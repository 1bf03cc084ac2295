"""The demo seeder on a minimal fixture of logged calls (the compliance seeder's attempts are not written yet)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.core.timeutil import utcnow
from portal.demo import DemoContext
from portal.services.audit import demo
from portal.services.audit.models import AuditFinding, Recording, ReviewItem, Transcript


class _Bar:
    def update(self, _n):
        return None


def test_demo_seed_creates_recordings_transcripts_findings_and_reviews(app, world, region):
    for i in range(40):
        world.add_attempt(f"d{i}", "agency-a" if i % 2 else "agency-b", "A" if i % 2 else "B",
                          started=utcnow() - timedelta(days=1 + i % 5))
    world.add_attempt("visit", "agency-a", "A", channel="visit")
    with app.app_context(), app.extensions["db"].unit_of_work() as s:
        ctx = DemoContext(s, "small", 10_000, 7, app.extensions["keyring"], lambda _l, _n: _Bar(),
                          {code: r["id"] for code, r in region.items()})
        demo.seed(ctx)
    with app.extensions["db"].unit_of_work() as s:
        recordings = s.scalar(select(func.count()).select_from(Recording))
        assert s.scalar(select(func.count()).select_from(Transcript)) == 42  # a1, b1 and the 40 calls
        assert 36 <= recordings < 42  # about 5 % left without a recording
        assert s.scalar(select(func.count()).select_from(ReviewItem).where(ReviewItem.status == "reviewed")) > 0
        assert s.scalar(select(func.count()).select_from(AuditFinding)) >= 0
    assert demo.tone_wav(1.0)[:4] == b"RIFF"
