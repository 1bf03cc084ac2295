"""Alembic: one head, empty → head → base → head on this database, and the models agree with the migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from portal.core.db import Base
from portal.core.migrate import downgrade, heads, upgrade
from portal.models import import_all


def test_single_head():
    assert len(heads()) == 1


def test_upgrade_downgrade_upgrade_and_no_drift(database_url):
    import_all()
    upgrade(database_url)
    downgrade(database_url, "base")
    engine = create_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(database_url)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
    finally:
        engine.dispose()


def test_unknown_revision_is_a_clear_error(database_url):
    import pytest

    from portal.core.errors import BadInput

    with pytest.raises(BadInput, match="nope"):
        upgrade(database_url, "nope")


def test_frozen_row_level_security_matches_the_registry_module():
    """The RLS revision holds literal statements; when portal/registry/rls.py changes, write a new revision."""
    import importlib.util
    from pathlib import Path

    from portal.registry import rls

    versions = Path(__file__).resolve().parents[1] / "migrations" / "versions"
    path = next(versions.glob("*_registry_row_level_security_*.py"))
    spec = importlib.util.spec_from_file_location("frozen_rls", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert list(module.UPGRADE) == rls.upgrade_statements(), "rls.py changed: add a migration with the new policies"
    assert list(module.DOWNGRADE) == rls.downgrade_statements()


def test_frozen_mediator_policy_matches_the_mediation_module():
    """The mediator's RLS policy is frozen in the revision that made the mediation tables."""
    import importlib.util
    from pathlib import Path

    from portal.services.mediation import rls

    versions = Path(__file__).resolve().parents[1] / "migrations" / "versions"
    path = next(versions.glob("*_escalation_mediation_tracing_tables_*.py"))
    spec = importlib.util.spec_from_file_location("frozen_mediation", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.MEDIATOR_RLS_UPGRADE == rls.UPGRADE, "mediation/rls.py changed: add a migration with the new policy"
    assert module.MEDIATOR_RLS_DOWNGRADE == rls.DOWNGRADE
