"""The batch scan fans out one task per chunk on a real in-process Celery worker; the last chunk closes the batch."""

from __future__ import annotations

import time

from audit_samples import CLEAN_ZH, VIOLATING_ZH, transcript_line
from celery.contrib.testing.worker import start_worker
from sqlalchemy import func, select

from portal.services.audit import operations
from portal.services.audit.models import AuditFinding, TranscriptBatch
from portal.services.audit.operations import transcripts
from portal.services.audit.tasks import dispatch_scan


def test_batch_scan_fans_out_on_a_real_worker(app, world, monkeypatch):
    monkeypatch.setattr(transcripts, "CHUNK", 4)
    keys = [f"k{i}" for i in range(10)]
    for k in keys:
        world.add_attempt(k, "agency-a", "A")
    lines = [transcript_line(k, agent=VIOLATING_ZH if i % 2 else CLEAN_ZH) for i, k in enumerate(keys)]
    principal = world.principal("agency-a")
    with app.extensions["db"].unit_of_work() as s:
        result = operations.upload_batch(principal, lines, filename="x.jsonl", keyring=app.extensions["keyring"],
                                         session=s)
        batch_id, chunks = result.batch.id, result.chunks(4)
    assert [len(c) for c in chunks] == [4, 4, 2]
    celery = app.extensions["celery"]
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert dispatch_scan(principal.institution_id, batch_id, chunks, principal.user_id) == 3
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with app.extensions["db"].unit_of_work() as s:
                batch = s.get(TranscriptBatch, batch_id)
                if batch.status == "scanned":
                    break
            time.sleep(0.2)
    with app.extensions["db"].unit_of_work() as s:
        batch = s.get(TranscriptBatch, batch_id)
        assert (batch.status, batch.chunks_done, batch.chunks_total) == ("scanned", 3, 3)
        assert s.scalar(select(func.count()).select_from(AuditFinding)) == 10  # 5 violating calls x 2 kinds
        # a redelivered chunk changes nothing
        with app.app_context():
            assert operations.scan_transcripts(principal, batch_id, chunks[0], keyring=app.extensions["keyring"],
                                               session=s) == 0
