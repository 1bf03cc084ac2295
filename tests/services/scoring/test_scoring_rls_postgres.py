"""The shared risk band behind PostgreSQL row-level security: the registry's RLS installed, the portal connected as a
non-owner role; another bank finds the debtor, writes its inquiry and reads the band through the wall.

Runs only when DATABASE_URL points at PostgreSQL (row-level security exists only there).
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import func, select, text

from portal.access import Kind
from portal.core.db import Database
from portal.registry import operations as registry
from portal.registry import policy as _registry_policy  # noqa: F401  (registers the registry policies)
from portal.registry import rls
from portal.registry.inputs import DebtInput, MoneyInput, PartyInput
from portal.registry.models import Inquiry
from portal.registry.vocab import shanghai_today
from portal.services.scoring import operations as ops
from tests.services.scoring.conftest import german_record, person_number, register_german, system_principal

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                       reason="needs DATABASE_URL=postgresql+psycopg://… (row-level security exists only there)"),
]
SCORING_TABLES = "scoring_models, scoring_scores, scoring_monitoring_runs, scoring_batches, scoring_batch_chunks"


@pytest.fixture
def app_role(db, tenants, session):
    """RLS installed as the owner; yields a factory of app-role sessions for an institution id."""
    session.commit()
    role = "app_" + uuid.uuid4().hex[:10]
    with db.engine.begin() as conn:
        for statement in rls.upgrade_statements():
            conn.execute(text(statement))
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
        for statement in rls.app_grants(role):
            conn.execute(text(statement))
        conn.execute(text(f"GRANT SELECT ON institutions, users, user_roles TO {role}"))
        conn.execute(text(f"GRANT SELECT, INSERT ON data_keys, activity_log TO {role}"))
        conn.execute(text(f"GRANT SELECT, INSERT, UPDATE ON {SCORING_TABLES} TO {role}"))
    walled = Database(db.url.replace("://postgres@", f"://{role}@"))
    yield lambda institution_id: walled.session(institution_id)
    walled.dispose()
    session.rollback()  # release the owner session's locks before the policies are dropped
    session.close()
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP OWNED BY {role}"))
        conn.execute(text(f"DROP ROLE {role}"))
        for statement in rls.downgrade_statements():  # the session's shared database must leave unwalled
            conn.execute(text(statement))


def test_band_read_through_row_level_security(app_role, tenants, german, german_card, keyring):
    a, b = tenants["bank-a"], tenants["bank-b"]
    number = person_number(77)
    with app_role(a.institution_id) as s:
        job = system_principal(a.institution_id, "bank-a", Kind.BANK)
        row = register_german(s, job, german, german_card)
        ops.approve_model(a, row.id, session=s)
        ops.promote_model(a, row.id, session=s)
        today = shanghai_today()
        registry.report_debt(a, DebtInput(client_key="A-9", debtor=PartyInput(kind="PERSON", name="王芳",
                                                                               id_number=number),
                                          principal=MoneyInput("500.00"), outstanding=MoneyInput("500.00"),
                                          opened_on=today, due_on=today, status="CURRENT"),
                             session=s, keyring=keyring)
        out = ops.score_applicant(a, german_record(german), debtor_ref={"id_number": number}, session=s,
                                  keyring=keyring)
        s.commit()
    with app_role(b.institution_id) as s:
        band = ops.risk_band_for_ref(b, {"id_number": number}, "COLLECTION", session=s, keyring=keyring)
        assert band.band == out["band"] and band.inquiry_id
        s.commit()
    with app_role(b.institution_id) as s:
        assert s.scalar(select(func.count()).select_from(Inquiry)) == 1  # its own inquiry, visible to it
