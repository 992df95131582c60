"""The messaging tables every service has (outbox, inbox, dead letters).

Revision ID: 0001
"""

from alembic import op

from stitch.common.db.messaging_tables import create_messaging_tables_v1

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables_v1(op.get_bind())


def downgrade() -> None:
    for table in ("dead_letters", "inbox", "outbox"):
        op.drop_table(table)
