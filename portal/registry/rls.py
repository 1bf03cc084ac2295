"""PostgreSQL row-level security for the registry, as data: the second wall behind ``scoping`` (docs/registry.md).

``upgrade_statements()`` is a list of SQL statements for the Alembic migration (``op.execute`` each, in order, after
the tables exist); ``downgrade_statements()`` undoes them; ``app_grants(role)`` gives the application role what it
needs. The app role must not have BYPASSRLS and must not own the tables; every table is also FORCEd so that even the
owner is walled (STACK.md trap 9).

The tenant comes from ``NULLIF(current_setting('app.institution_id', true), '')`` set per transaction by
``portal.core.db``; its kind is read from ``institutions`` (no second setting). Row rules, mirroring ``scoping``:
a bank sees the debts it reported; an agency those actively assigned to it; the regulator all. Debtors are visible
when linked through a visible debt, guarantee or own inquiry, or when their keyed hash is announced for this
transaction in ``app.debtor_lookup`` (the look-up by identifier). Other tenants' debts are never readable; the shared
summary and the dispute target come from two SECURITY DEFINER functions owned by a NOLOGIN role whose only power is
a SELECT policy on ``debts`` and ``disputes``, and which return aggregates (or one creditor id) only.
"""

# ruff: noqa: S608 - static DDL assembled from this module's own constants; no value from outside reaches it

from __future__ import annotations

DEFINER_ROLE = "registry_definer"

TENANT = "NULLIF(current_setting('app.institution_id', true), '')::bigint"
TENANT_KIND = f"(SELECT i.kind FROM institutions i WHERE i.id = {TENANT})"
IS_REGULATOR = f"{TENANT_KIND} = 'regulator'"
LOOKUP = "string_to_array(NULLIF(current_setting('app.debtor_lookup', true), ''), ',')"

TABLES = ("debtors", "debts", "debt_guarantors", "debt_history", "debt_assignments", "disputes", "inquiries")

# (table, policy name, command, USING, WITH CHECK)
POLICIES: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("debts", "debts_select", "SELECT",
     f"creditor_id = {TENANT} OR {IS_REGULATOR} OR EXISTS (SELECT 1 FROM debt_assignments a "
     f"WHERE a.debt_id = debts.id AND a.agency_id = {TENANT} AND a.active)", None),
    ("debts", "debts_insert", "INSERT", None, f"creditor_id = {TENANT}"),
    ("debts", "debts_update", "UPDATE", f"creditor_id = {TENANT}", f"creditor_id = {TENANT}"),
    ("debt_assignments", "debt_assignments_select", "SELECT",
     f"creditor_id = {TENANT} OR agency_id = {TENANT} OR {IS_REGULATOR}", None),
    ("debt_assignments", "debt_assignments_insert", "INSERT", None, f"creditor_id = {TENANT}"),
    ("debt_assignments", "debt_assignments_update", "UPDATE", f"creditor_id = {TENANT}", f"creditor_id = {TENANT}"),
    ("debt_guarantors", "debt_guarantors_select", "SELECT",
     "EXISTS (SELECT 1 FROM debts d WHERE d.id = debt_guarantors.debt_id)", None),
    ("debt_guarantors", "debt_guarantors_insert", "INSERT", None,
     f"EXISTS (SELECT 1 FROM debts d WHERE d.id = debt_id AND d.creditor_id = {TENANT})"),
    ("debt_guarantors", "debt_guarantors_delete", "DELETE",
     f"EXISTS (SELECT 1 FROM debts d WHERE d.id = debt_guarantors.debt_id AND d.creditor_id = {TENANT})", None),
    ("debt_history", "debt_history_select", "SELECT",
     "EXISTS (SELECT 1 FROM debts d WHERE d.id = debt_history.debt_id)", None),
    ("debt_history", "debt_history_insert", "INSERT", None, f"creditor_id = {TENANT}"),
    ("disputes", "disputes_select", "SELECT",
     f"creditor_id = {TENANT} OR opened_via_id = {TENANT} OR {IS_REGULATOR} "
     "OR EXISTS (SELECT 1 FROM debts d WHERE d.id = disputes.debt_id)", None),
    ("disputes", "disputes_insert", "INSERT", None,
     f"opened_via_id = {TENANT} AND {TENANT_KIND} IN ('bank', 'regulator')"),
    ("disputes", "disputes_update", "UPDATE", f"creditor_id = {TENANT}", f"creditor_id = {TENANT}"),
    ("inquiries", "inquiries_select", "SELECT",
     f"institution_id = {TENANT} OR {IS_REGULATOR} OR EXISTS (SELECT 1 FROM debts d "
     f"WHERE d.debtor_id = inquiries.debtor_id AND d.creditor_id = {TENANT})", None),
    ("inquiries", "inquiries_insert", "INSERT", None, f"institution_id = {TENANT}"),
    ("debtors", "debtors_select", "SELECT",
     f"{IS_REGULATOR} OR id_hash = ANY ({LOOKUP}) "
     "OR EXISTS (SELECT 1 FROM debts d WHERE d.debtor_id = debtors.id) "
     "OR EXISTS (SELECT 1 FROM debt_guarantors g WHERE g.debtor_id = debtors.id) "
     f"OR EXISTS (SELECT 1 FROM inquiries q WHERE q.debtor_id = debtors.id AND q.institution_id = {TENANT})", None),
    ("debtors", "debtors_insert", "INSERT", None, f"{TENANT_KIND} = 'bank' AND id_hash = ANY ({LOOKUP})"),
    ("debtors", "debtors_update", "UPDATE", f"{TENANT_KIND} = 'bank' AND id_hash = ANY ({LOOKUP})",
     f"{TENANT_KIND} = 'bank' AND id_hash = ANY ({LOOKUP})"),
)

SUMMARY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION registry_shared_summary(p_debtor bigint, p_as_of date)
RETURNS TABLE (currency text, creditor_kind text, debt_count bigint, outstanding_fen bigint,
               oldest_arrears_due date, in_litigation boolean, under_objection bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
    SELECT d.currency::text, i.kind::text, count(*), sum(d.outstanding_fen)::bigint,
           min(d.due_on) FILTER (WHERE d.status IN ('overdue', 'written_off', 'in_litigation')),
           bool_or(d.status = 'in_litigation'),
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM disputes x WHERE x.debt_id = d.id AND x.answered_at IS NULL))
    FROM debts d JOIN institutions i ON i.id = d.creditor_id
    WHERE d.debtor_id = p_debtor
      AND {TENANT} IS NOT NULL
      AND d.creditor_id <> {TENANT}
      AND {TENANT_KIND} IN ('bank', 'regulator', 'mediator', 'tracer')
      AND ({IS_REGULATOR} OR NOT (d.adverse AND d.settled_on IS NOT NULL
                                   AND d.settled_on <= (p_as_of - interval '5 years')::date))
    GROUP BY d.currency, i.kind
$fn$
"""
"""Aggregates over the other institutions' debts of one debtor (the app asks only after the policy allowed it)."""

DISPUTE_TARGET_FUNCTION = f"""
CREATE OR REPLACE FUNCTION registry_dispute_target(p_debt bigint, p_debtor bigint)
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
    SELECT d.creditor_id FROM debts d
    WHERE d.id = p_debt AND d.debtor_id = p_debtor AND {TENANT_KIND} IN ('bank', 'regulator')
$fn$
"""
"""The creditor of a debt, only if it is a debt of the given debtor: lets a channel bank open a dispute."""

FUNCTIONS = ("registry_shared_summary(bigint, date)", "registry_dispute_target(bigint, bigint)")

_DEFINER_ROLE_BLOCK = """
DO $do$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        CREATE ROLE {role} NOLOGIN;
    END IF;
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT {role} TO %I', current_user);
    END IF;
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO {role}', current_schema());
END
$do$
"""


def _policy_sql(table: str, name: str, command: str, using: str | None, check: str | None,
                role: str = "PUBLIC") -> str:
    sql = f"CREATE POLICY {name} ON {table} AS PERMISSIVE FOR {command} TO {role}"
    if using:
        sql += f" USING ({using})"
    if check:
        sql += f" WITH CHECK ({check})"
    return sql


def upgrade_statements(definer_role: str = DEFINER_ROLE) -> list[str]:
    """Every statement that installs the registry's row-level security, in order."""
    statements = []
    for table in TABLES:
        statements.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        statements.append(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    statements += [_policy_sql(*p) for p in POLICIES]
    statements.append(_DEFINER_ROLE_BLOCK.format(role=definer_role).strip())
    statements.append(f"GRANT SELECT ON debts, disputes, institutions TO {definer_role}")
    statements.append(_policy_sql("debts", "debts_definer", "SELECT", "true", None, definer_role))
    statements.append(_policy_sql("disputes", "disputes_definer", "SELECT", "true", None, definer_role))
    statements += [SUMMARY_FUNCTION.strip(), DISPUTE_TARGET_FUNCTION.strip()]
    for fn in FUNCTIONS:
        statements.append(f"ALTER FUNCTION {fn} OWNER TO {definer_role}")
        statements.append(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
    return statements


def downgrade_statements(definer_role: str = DEFINER_ROLE) -> list[str]:
    """Statements that remove what :func:`upgrade_statements` installed (the cluster-wide role stays)."""
    statements = [f"DROP FUNCTION IF EXISTS {fn}" for fn in FUNCTIONS]
    names = [(t, n) for t, n, *_ in POLICIES] + [("debts", "debts_definer"), ("disputes", "disputes_definer")]
    statements += [f"DROP POLICY IF EXISTS {name} ON {table}" for table, name in names]
    statements.append(f"REVOKE SELECT ON debts, disputes, institutions FROM {definer_role}")
    for table in TABLES:
        statements.append(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        statements.append(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    return statements


def app_grants(role: str) -> list[str]:
    """What the application role needs on the registry (it must NOT have BYPASSRLS nor own these tables)."""
    tables = ", ".join(TABLES)
    statements = [
        f"GRANT SELECT, INSERT, UPDATE ON {tables} TO {role}",
        f"GRANT DELETE ON debt_guarantors TO {role}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    statements += [f"GRANT EXECUTE ON FUNCTION {fn} TO {role}" for fn in FUNCTIONS]
    return statements
