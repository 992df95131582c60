"""Row-level security with one policy per command (select, insert, update, delete).

Revision 0001 created one ALL policy, ``tenant_isolation``; this re-applies
``enable_tenant_rls``, which drops it and creates the four per-command policies. Idempotent:
databases created after the change already have them and are left as they are.

Revision ID: 0002
Revises: 0001
"""

from stitch.common.db.rls import enable_tenant_rls

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    enable_tenant_rls("template_catalog")


def downgrade() -> None:
    pass  # the per-command policies allow what 0001's single policy allowed; nothing to undo
