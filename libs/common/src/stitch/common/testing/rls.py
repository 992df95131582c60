"""Row-level security, checked from PostgreSQL's catalog (DESIGN §4; reliability-security.md R1, R2).

Both checks return findings, one sentence each, so a test asserts ``== []`` and a failure says
what is wrong. They read only the catalog, so they can run as the app role itself.

- :func:`table_findings`: every table of the schema is either listed as exempt or has
  ``org_id``, row-level security enabled *and forced*, and permissive policies for SELECT,
  INSERT, UPDATE and DELETE comparing ``org_id`` with ``app.org_id`` (``USING`` for the ones
  reading rows, ``WITH CHECK`` for INSERT and UPDATE); no other policy widens that; every
  exempt table exists (a stale list fails).
- :func:`role_findings`: the role the processes connect as is no superuser, cannot bypass RLS,
  owns nothing in the database (nor is a member of a role that does), cannot create in the
  schema, and holds no table privilege RLS does not govern (TRUNCATE, REFERENCES, TRIGGER).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text

VERSION_TABLE = "alembic_version"  # no org_id, no RLS: the app role may only read it
# How PostgreSQL prints the expression stitch.common.db.rls puts in every policy.
ORG_POLICY_EXPRESSION = "((org_id)::text = NULLIF(current_setting('app.org_id'::text, true), ''::text))"
COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")
NEEDS_USING = {"SELECT", "UPDATE", "DELETE", "ALL"}
NEEDS_CHECK = {"INSERT", "UPDATE"}


def table_findings(connection: Connection, exempt: Iterable[str], schema: str = "public") -> list[str]:
    exempt = set(exempt)
    tables = dict(connection.execute(text(
        "SELECT c.relname, c.oid FROM pg_class c "
        "WHERE c.relnamespace = to_regnamespace(:schema) AND c.relkind IN ('r', 'p')"), {"schema": schema}).all())
    findings = [f"{name}: listed as exempt from RLS but there is no such table"
                for name in sorted(exempt - set(tables))]
    for name in sorted(set(tables) - exempt - {VERSION_TABLE}):
        findings += _tenant_table_findings(connection, schema, name)
    return findings


def tenant_tables(connection: Connection, exempt: Iterable[str], schema: str = "public") -> list[str]:
    """The tables with ``org_id`` that are not exempt: the ones RLS must cover."""
    names = connection.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
        "WHERE c.relnamespace = to_regnamespace(:schema) AND c.relkind IN ('r', 'p') "
        "AND a.attname = 'org_id' AND NOT a.attisdropped ORDER BY c.relname"), {"schema": schema}).scalars()
    return [name for name in names if name not in set(exempt)]


def _tenant_table_findings(connection: Connection, schema: str, table: str) -> list[str]:
    row = connection.execute(text(
        "SELECT c.relrowsecurity, c.relforcerowsecurity, "
        "EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' "
        "        AND NOT a.attisdropped) AS has_org "
        "FROM pg_class c WHERE c.relnamespace = to_regnamespace(:schema) AND c.relname = :table"),
        {"schema": schema, "table": table}).one()
    if not row.has_org:
        return [f"{table}: no org_id column, and not listed as exempt from RLS"]
    findings = []
    if not row.relrowsecurity:
        findings.append(f"{table}: row-level security is not enabled")
    if not row.relforcerowsecurity:
        findings.append(f"{table}: row-level security is not forced (the owner would bypass it)")
    policies = connection.execute(text(
        "SELECT policyname, permissive, roles::text[] AS roles, cmd, qual, with_check FROM pg_policies "
        "WHERE schemaname = :schema AND tablename = :table ORDER BY policyname"),
        {"schema": schema, "table": table}).all()
    covered = set()
    for policy in policies:
        problems = []
        if policy.cmd in NEEDS_USING and policy.qual != ORG_POLICY_EXPRESSION:
            problems.append(f"USING is {policy.qual!r}")
        if policy.cmd in NEEDS_CHECK and policy.with_check != ORG_POLICY_EXPRESSION:
            problems.append(f"WITH CHECK is {policy.with_check!r}")
        if policy.cmd not in NEEDS_CHECK and policy.with_check not in (None, ORG_POLICY_EXPRESSION):
            problems.append(f"WITH CHECK is {policy.with_check!r}")
        if problems:
            findings.append(f"{table}: policy {policy.policyname} ({policy.cmd}) does not compare org_id "
                            f"with app.org_id: {'; '.join(problems)} (expected {ORG_POLICY_EXPRESSION})")
        elif policy.permissive == "PERMISSIVE" and list(policy.roles) == ["public"] and policy.cmd in COMMANDS:
            covered.add(policy.cmd)
    for command in COMMANDS:
        if command not in covered:
            findings.append(f"{table}: no permissive {command} policy for every role on org_id = app.org_id")
    return findings


def role_findings(connection: Connection, role: str, schema: str = "public") -> list[str]:
    """What makes ``role`` unfit to be the role the processes connect as, in this database."""
    attributes = connection.execute(text(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = :role"),
        {"role": role}).one_or_none()
    if attributes is None:
        return [f"{role}: no such role"]
    findings = [f"{role}: has {name}" for name, value in attributes._mapping.items() if value]
    owned = connection.execute(text(
        "SELECT c.relname, r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
        "AND pg_has_role(:role, c.relowner, 'MEMBER') ORDER BY c.relname"), {"role": role}).all()
    findings += [f"{role}: owns {name}" + (f" (as a member of {owner})" if owner != role else "")
                 for name, owner in owned]
    superuser_roles = connection.execute(text(
        "SELECT rolname FROM pg_roles WHERE rolsuper AND rolname <> :role AND pg_has_role(:role, oid, 'MEMBER')"),
        {"role": role}).scalars().all()
    findings += [f"{role}: is a member of superuser {name}" for name in superuser_roles]
    views = connection.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
        "WHERE c.relnamespace = to_regnamespace(:schema) AND c.relkind IN ('v', 'm') AND r.rolsuper"),
        {"schema": schema}).scalars().all()
    findings += [f"view {name} is owned by a superuser, so it bypasses RLS for its readers" for name in views]
    if connection.execute(text("SELECT has_schema_privilege(:role, :schema, 'CREATE')"),
                          {"role": role, "schema": schema}).scalar():
        findings.append(f"{role}: may create objects in schema {schema}")
    if connection.execute(text("SELECT has_database_privilege(:role, current_database(), 'CREATE')"),
                          {"role": role}).scalar():
        findings.append(f"{role}: may create schemas in the database")
    privileges = connection.execute(text(
        "SELECT c.relname, p.privilege FROM pg_class c "
        "CROSS JOIN unnest(ARRAY['TRUNCATE', 'REFERENCES', 'TRIGGER', 'INSERT', 'UPDATE', 'DELETE']) p(privilege) "
        "WHERE c.relnamespace = to_regnamespace(:schema) AND c.relkind IN ('r', 'p') "
        "AND has_table_privilege(:role, c.oid, p.privilege) "
        "AND (p.privilege IN ('TRUNCATE', 'REFERENCES', 'TRIGGER') OR c.relname = :version) "
        "ORDER BY 1, 2"), {"role": role, "schema": schema, "version": VERSION_TABLE}).all()
    findings += [f"{role}: has {privilege} on {table}" for table, privilege in privileges]
    return findings
