"""Row-level security for tenant tables, used from Alembic migrations (PostgreSQL only)."""

from __future__ import annotations

from alembic import op

ORG_SETTING = "NULLIF(current_setting('app.org_id', true), '')"


def enable_tenant_rls(table: str) -> None:
    """Enable and force RLS on ``table`` so rows are visible and writable only for app.org_id."""
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite (embedded mode) relies on repositories filtering by org
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(
        f'CREATE POLICY tenant_isolation ON "{table}" '
        f"USING (org_id::text = {ORG_SETTING}) WITH CHECK (org_id::text = {ORG_SETTING})"
    )
