"""registry row-level security (PostgreSQL), frozen

The statements of ``portal/registry/rls.py`` as they were when this revision was written: a migration must not change
when that module does. A later change to the policies is a new revision (tests/test_migrations.py compares this
file with the module and says so).

Revision ID: 5b1f0c2d9e47
Revises: 8cfc194f1d92
Create Date: 2026-11-28 16:10:00
"""

from __future__ import annotations

from alembic import op

revision = "5b1f0c2d9e47"
down_revision = "8cfc194f1d92"
branch_labels = None
depends_on = None

UPGRADE: tuple[str, ...] = (
    'ALTER TABLE debtors ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE debtors FORCE ROW LEVEL SECURITY',
    'ALTER TABLE debts ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE debts FORCE ROW LEVEL SECURITY',
    'ALTER TABLE debt_guarantors ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE debt_guarantors FORCE ROW LEVEL SECURITY',
    'ALTER TABLE debt_history ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE debt_history FORCE ROW LEVEL SECURITY',
    'ALTER TABLE debt_assignments ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE debt_assignments FORCE ROW LEVEL SECURITY',
    'ALTER TABLE disputes ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE disputes FORCE ROW LEVEL SECURITY',
    'ALTER TABLE inquiries ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE inquiries FORCE ROW LEVEL SECURITY',
    "CREATE POLICY debts_select ON debts AS PERMISSIVE FOR SELECT TO PUBLIC USING (creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint OR (SELECT i.kind FROM institutions i WHERE i.id = NULLIF(current_setting('app.institution_id', true), '')::bigint) = 'regulator' OR EXISTS (SELECT 1 FROM debt_assignments a WHERE a.debt_id = debts.id AND a.agency_id = NULLIF(current_setting('app.institution_id', true), '')::bigint AND a.active))",
    "CREATE POLICY debts_insert ON debts AS PERMISSIVE FOR INSERT TO PUBLIC WITH CHECK (creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint)",
    "CREATE POLICY debts_update ON debts AS PERMISSIVE FOR UPDATE TO PUBLIC USING (creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint) WITH CHECK (creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint)",
    "CREATE POLICY debt_assignments_select ON debt_assignments AS PERMISSIVE FOR SELECT TO PUBLIC USING (creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint OR agency_id = NULLIF(current_setting('app.institution_id', true), '')::bigint OR (SELECT i.kind FROM institutions i WHERE i.id = NULLIF(current_setting('app.institution_id', true), '')::bigint) = 'regulator')",
    "CREATE POLICY debt_assignments_insert ON debt_assignments AS PERMISSIVE FOR INSERT TO PUBLIC WITH CHECK (creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint)",
    "CREATE POLICY debt_assignments_update ON debt_assignments AS PERMISSIVE FOR UPDATE TO PUBLIC USING (creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint) WITH CHECK (creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint)",
    'CREATE POLICY debt_guarantors_select ON debt_guarantors AS PERMISSIVE FOR SELECT TO PUBLIC USING (EXISTS (SELECT 1 FROM debts d WHERE d.id = debt_guarantors.debt_id))',
    "CREATE POLICY debt_guarantors_insert ON debt_guarantors AS PERMISSIVE FOR INSERT TO PUBLIC WITH CHECK (EXISTS (SELECT 1 FROM debts d WHERE d.id = debt_id AND d.creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint))",
    "CREATE POLICY debt_guarantors_delete ON debt_guarantors AS PERMISSIVE FOR DELETE TO PUBLIC USING (EXISTS (SELECT 1 FROM debts d WHERE d.id = debt_guarantors.debt_id AND d.creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint))",
    'CREATE POLICY debt_history_select ON debt_history AS PERMISSIVE FOR SELECT TO PUBLIC USING (EXISTS (SELECT 1 FROM debts d WHERE d.id = debt_history.debt_id))',
    "CREATE POLICY debt_history_insert ON debt_history AS PERMISSIVE FOR INSERT TO PUBLIC WITH CHECK (creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint)",
    "CREATE POLICY disputes_select ON disputes AS PERMISSIVE FOR SELECT TO PUBLIC USING (creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint OR opened_via_id = NULLIF(current_setting('app.institution_id', true), '')::bigint OR (SELECT i.kind FROM institutions i WHERE i.id = NULLIF(current_setting('app.institution_id', true), '')::bigint) = 'regulator' OR EXISTS (SELECT 1 FROM debts d WHERE d.id = disputes.debt_id))",
    "CREATE POLICY disputes_insert ON disputes AS PERMISSIVE FOR INSERT TO PUBLIC WITH CHECK (opened_via_id = NULLIF(current_setting('app.institution_id', true), '')::bigint AND (SELECT i.kind FROM institutions i WHERE i.id = NULLIF(current_setting('app.institution_id', true), '')::bigint) IN ('bank', 'regulator'))",
    "CREATE POLICY disputes_update ON disputes AS PERMISSIVE FOR UPDATE TO PUBLIC USING (creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint) WITH CHECK (creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint)",
    "CREATE POLICY inquiries_select ON inquiries AS PERMISSIVE FOR SELECT TO PUBLIC USING (institution_id = NULLIF(current_setting('app.institution_id', true), '')::bigint OR (SELECT i.kind FROM institutions i WHERE i.id = NULLIF(current_setting('app.institution_id', true), '')::bigint) = 'regulator' OR EXISTS (SELECT 1 FROM debts d WHERE d.debtor_id = inquiries.debtor_id AND d.creditor_id = NULLIF(current_setting('app.institution_id', true), '')::bigint))",
    "CREATE POLICY inquiries_insert ON inquiries AS PERMISSIVE FOR INSERT TO PUBLIC WITH CHECK (institution_id = NULLIF(current_setting('app.institution_id', true), '')::bigint)",
    "CREATE POLICY debtors_select ON debtors AS PERMISSIVE FOR SELECT TO PUBLIC USING ((SELECT i.kind FROM institutions i WHERE i.id = NULLIF(current_setting('app.institution_id', true), '')::bigint) = 'regulator' OR id_hash = ANY (string_to_array(NULLIF(current_setting('app.debtor_lookup', true), ''), ',')) OR EXISTS (SELECT 1 FROM debts d WHERE d.debtor_id = debtors.id) OR EXISTS (SELECT 1 FROM debt_guarantors g WHERE g.debtor_id = debtors.id) OR EXISTS (SELECT 1 FROM inquiries q WHERE q.debtor_id = debtors.id AND q.institution_id = NULLIF(current_setting('app.institution_id', true), '')::bigint))",
    "CREATE POLICY debtors_insert ON debtors AS PERMISSIVE FOR INSERT TO PUBLIC WITH CHECK ((SELECT i.kind FROM institutions i WHERE i.id = NULLIF(current_setting('app.institution_id', true), '')::bigint) = 'bank' AND id_hash = ANY (string_to_array(NULLIF(current_setting('app.debtor_lookup', true), ''), ',')))",
    "CREATE POLICY debtors_update ON debtors AS PERMISSIVE FOR UPDATE TO PUBLIC USING ((SELECT i.kind FROM institutions i WHERE i.id = NULLIF(current_setting('app.institution_id', true), '')::bigint) = 'bank' AND id_hash = ANY (string_to_array(NULLIF(current_setting('app.debtor_lookup', true), ''), ','))) WITH CHECK ((SELECT i.kind FROM institutions i WHERE i.id = NULLIF(current_setting('app.institution_id', true), '')::bigint) = 'bank' AND id_hash = ANY (string_to_array(NULLIF(current_setting('app.debtor_lookup', true), ''), ',')))",
    "DO $do$\nBEGIN\n    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registry_definer') THEN\n        CREATE ROLE registry_definer NOLOGIN;\n    END IF;\n    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN\n        EXECUTE format('GRANT registry_definer TO %I', current_user);\n    END IF;\n    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO registry_definer', current_schema());\nEND\n$do$",
    'GRANT SELECT ON debts, disputes, institutions TO registry_definer',
    'CREATE POLICY debts_definer ON debts AS PERMISSIVE FOR SELECT TO registry_definer USING (true)',
    'CREATE POLICY disputes_definer ON disputes AS PERMISSIVE FOR SELECT TO registry_definer USING (true)',
    "CREATE OR REPLACE FUNCTION registry_shared_summary(p_debtor bigint, p_as_of date)\nRETURNS TABLE (currency text, creditor_kind text, debt_count bigint, outstanding_fen bigint,\n               oldest_arrears_due date, in_litigation boolean, under_objection bigint)\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $fn$\n    SELECT d.currency::text, i.kind::text, count(*), sum(d.outstanding_fen)::bigint,\n           min(d.due_on) FILTER (WHERE d.status IN ('overdue', 'written_off', 'in_litigation')),\n           bool_or(d.status = 'in_litigation'),\n           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM disputes x WHERE x.debt_id = d.id AND x.answered_at IS NULL))\n    FROM debts d JOIN institutions i ON i.id = d.creditor_id\n    WHERE d.debtor_id = p_debtor\n      AND NULLIF(current_setting('app.institution_id', true), '')::bigint IS NOT NULL\n      AND d.creditor_id <> NULLIF(current_setting('app.institution_id', true), '')::bigint\n      AND (SELECT i.kind FROM institutions i WHERE i.id = NULLIF(current_setting('app.institution_id', true), '')::bigint) IN ('bank', 'regulator', 'mediator', 'tracer')\n      AND ((SELECT i.kind FROM institutions i WHERE i.id = NULLIF(current_setting('app.institution_id', true), '')::bigint) = 'regulator' OR NOT (d.adverse AND d.settled_on IS NOT NULL\n                                   AND d.settled_on <= (p_as_of - interval '5 years')::date))\n    GROUP BY d.currency, i.kind\n$fn$",
    "CREATE OR REPLACE FUNCTION registry_dispute_target(p_debt bigint, p_debtor bigint)\nRETURNS bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $fn$\n    SELECT d.creditor_id FROM debts d\n    WHERE d.id = p_debt AND d.debtor_id = p_debtor AND (SELECT i.kind FROM institutions i WHERE i.id = NULLIF(current_setting('app.institution_id', true), '')::bigint) IN ('bank', 'regulator')\n$fn$",
    'ALTER FUNCTION registry_shared_summary(bigint, date) OWNER TO registry_definer',
    'REVOKE ALL ON FUNCTION registry_shared_summary(bigint, date) FROM PUBLIC',
    'ALTER FUNCTION registry_dispute_target(bigint, bigint) OWNER TO registry_definer',
    'REVOKE ALL ON FUNCTION registry_dispute_target(bigint, bigint) FROM PUBLIC',
)

DOWNGRADE: tuple[str, ...] = (
    'DROP FUNCTION IF EXISTS registry_shared_summary(bigint, date)',
    'DROP FUNCTION IF EXISTS registry_dispute_target(bigint, bigint)',
    'DROP POLICY IF EXISTS debts_select ON debts',
    'DROP POLICY IF EXISTS debts_insert ON debts',
    'DROP POLICY IF EXISTS debts_update ON debts',
    'DROP POLICY IF EXISTS debt_assignments_select ON debt_assignments',
    'DROP POLICY IF EXISTS debt_assignments_insert ON debt_assignments',
    'DROP POLICY IF EXISTS debt_assignments_update ON debt_assignments',
    'DROP POLICY IF EXISTS debt_guarantors_select ON debt_guarantors',
    'DROP POLICY IF EXISTS debt_guarantors_insert ON debt_guarantors',
    'DROP POLICY IF EXISTS debt_guarantors_delete ON debt_guarantors',
    'DROP POLICY IF EXISTS debt_history_select ON debt_history',
    'DROP POLICY IF EXISTS debt_history_insert ON debt_history',
    'DROP POLICY IF EXISTS disputes_select ON disputes',
    'DROP POLICY IF EXISTS disputes_insert ON disputes',
    'DROP POLICY IF EXISTS disputes_update ON disputes',
    'DROP POLICY IF EXISTS inquiries_select ON inquiries',
    'DROP POLICY IF EXISTS inquiries_insert ON inquiries',
    'DROP POLICY IF EXISTS debtors_select ON debtors',
    'DROP POLICY IF EXISTS debtors_insert ON debtors',
    'DROP POLICY IF EXISTS debtors_update ON debtors',
    'DROP POLICY IF EXISTS debts_definer ON debts',
    'DROP POLICY IF EXISTS disputes_definer ON disputes',
    'REVOKE SELECT ON debts, disputes, institutions FROM registry_definer',
    'ALTER TABLE debtors NO FORCE ROW LEVEL SECURITY',
    'ALTER TABLE debtors DISABLE ROW LEVEL SECURITY',
    'ALTER TABLE debts NO FORCE ROW LEVEL SECURITY',
    'ALTER TABLE debts DISABLE ROW LEVEL SECURITY',
    'ALTER TABLE debt_guarantors NO FORCE ROW LEVEL SECURITY',
    'ALTER TABLE debt_guarantors DISABLE ROW LEVEL SECURITY',
    'ALTER TABLE debt_history NO FORCE ROW LEVEL SECURITY',
    'ALTER TABLE debt_history DISABLE ROW LEVEL SECURITY',
    'ALTER TABLE debt_assignments NO FORCE ROW LEVEL SECURITY',
    'ALTER TABLE debt_assignments DISABLE ROW LEVEL SECURITY',
    'ALTER TABLE disputes NO FORCE ROW LEVEL SECURITY',
    'ALTER TABLE disputes DISABLE ROW LEVEL SECURITY',
    'ALTER TABLE inquiries NO FORCE ROW LEVEL SECURITY',
    'ALTER TABLE inquiries DISABLE ROW LEVEL SECURITY',
)


def upgrade() -> None:
    """Install row-level security on the registry tables (PostgreSQL only; SQLite has none)."""
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    """Remove it."""
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
