"""Staff accounts: profiles and last activity on users, single-use email links, invitations, and
one organization per email domain.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

from stitch.common.db.types import UtcDateTime

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("users") as users:  # batch: SQLite rebuilds the table
        users.add_column(sa.Column("title", sa.String(100), nullable=False, server_default=""))
        users.add_column(sa.Column("avatar_url", sa.String(500)))
        users.add_column(sa.Column("timezone", sa.String(64)))
        users.add_column(sa.Column("notification_preferences", sa.JSON, nullable=False, server_default="{}"))
        users.add_column(sa.Column("last_active_at", UtcDateTime))
    with op.batch_alter_table("organizations") as organizations:
        organizations.create_unique_constraint("uq_organizations_email_domain", ["email_domain"])
    op.create_table(
        "email_links",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("org_id", sa.String(36), sa.ForeignKey("organizations.id")),
        sa.Column("subject_id", sa.String(36)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime),
    )
    op.create_index("ix_email_links_purpose_email", "email_links", ["purpose", "email"])
    op.create_index("uq_email_links_unused", "email_links", ["purpose", "email"], unique=True,
                    sqlite_where=sa.text("used_at IS NULL"), postgresql_where=sa.text("used_at IS NULL"))
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("invited_by", sa.String(36), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("last_sent_at", UtcDateTime, nullable=False),
        sa.Column("send_count", sa.Integer, nullable=False),
        sa.Column("accepted_at", UtcDateTime),
        sa.Column("revoked_at", UtcDateTime),
    )
    op.create_index("ix_invitations_org_email", "invitations", ["org_id", "email"])
    op.create_index("uq_invitations_pending", "invitations", ["org_id", "email"], unique=True,
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_table("invitations")
    op.drop_table("email_links")
    with op.batch_alter_table("organizations") as organizations:
        organizations.drop_constraint("uq_organizations_email_domain", type_="unique")
    with op.batch_alter_table("users") as users:
        for column in ("last_active_at", "notification_preferences", "timezone", "avatar_url", "title"):
            users.drop_column(column)
