"""The thin Celery task: rebuilds the user's principal in its own unit of work and scores one chunk."""

from __future__ import annotations

import pytest

from portal.access import Kind, allowed_roles
from portal.core.errors import NotFound
from portal.services.scoring import operations as ops
from portal.services.scoring import tasks
from portal.services.scoring.models import Score
from portal.tenancy.models import Institution, User, UserRole


def test_score_chunk_task(app, german, german_card):
    db = app.extensions["db"]
    with db.unit_of_work() as s:
        inst = Institution(code="bank-t", kind="bank", name="T")
        s.add(inst)
        s.flush()
        user = User(institution_id=inst.id, email="ops@bank-t.test")
        user.roles = [UserRole(role=r.value) for r in allowed_roles(Kind.BANK)]
        s.add(user)
        s.flush()
        row = ops.register_model(user.principal(), name="pd", model=german_card, training_data_sha256="0" * 64,
                                 training_rows=german.rows, metrics={}, baseline={}, model_card={}, session=s)
        user_id, model_id = user.id, row.id
    frame = german.features.iloc[:30].copy()
    frame["subject_ref"] = [f"t{i}" for i in range(30)]
    chunk = next(ops.iter_chunks(frame, size=30))
    with app.app_context():
        assert tasks.score_chunk(user_id, model_id, chunk, "batch-t") == 30
        with pytest.raises(NotFound):
            tasks.score_chunk(user_id + 999, model_id, chunk, "batch-t")
    with db.unit_of_work() as s:
        assert s.query(Score).filter_by(batch_id="batch-t").count() == 30
