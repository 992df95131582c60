"""The template catalog read model, with the messaging tables every service has.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from stitch.common.db.messaging_tables import create_messaging_tables_v1
from stitch.common.db.rls import enable_tenant_rls

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables_v1(op.get_bind())
    op.create_table(
        "template_catalog",
        sa.Column("org_id", sa.String(36), primary_key=True),
        sa.Column("template_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    enable_tenant_rls("template_catalog")


def downgrade() -> None:
    op.drop_table("template_catalog")
    for table in ("dead_letters", "inbox", "outbox"):
        op.drop_table(table)
