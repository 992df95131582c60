"""Templates gain their plan, details and revisions; handoff forms and template usage arrive.

Existing templates (the walking skeleton's name-only rows) become empty drafts. Names become
unique per organization, case-insensitively; older duplicate names get a " (2)" style suffix.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from stitch.common.db.rls import enable_tenant_rls

revision = "0003"
down_revision = "0002"
Document = sa.JSON().with_variant(JSONB(), "postgresql")
NEW_TENANT_TABLES = ("template_tags", "template_revisions", "template_applications", "handoff_forms",
                     "handoff_form_versions")


def upgrade() -> None:
    with op.batch_alter_table("templates") as batch:
        batch.add_column(sa.Column("name_key", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("description", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("duration_weeks", sa.Integer))
        batch.add_column(sa.Column("segment", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("tags", Document, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("milestones", Document, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("milestone_count", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("action_count", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="active"))
        batch.add_column(sa.Column("usage_count", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("latest_revision", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("unpublished_changes", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("updated_by", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    _backfill_names_and_dates()
    with op.batch_alter_table("templates") as batch:
        batch.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_index("uq_templates_org_name", "templates", ["org_id", "name_key"], unique=True)
    op.create_index("ix_templates_org_updated", "templates", ["org_id", "updated_at", "id"])

    op.create_table(
        "template_tags",
        sa.Column("template_id", sa.String(36), primary_key=True),
        sa.Column("tag", sa.String(40), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_template_tags_org_tag", "template_tags", ["org_id", "tag"])
    op.create_table(
        "template_revisions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("template_id", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("snapshot", Document, nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("uq_template_revisions_number", "template_revisions", ["template_id", "number"], unique=True)
    op.create_table(
        "template_applications",
        sa.Column("template_id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("revision_id", sa.String(36)),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "handoff_forms",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("questions", Document, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("latest_version", sa.Integer, nullable=False),
        sa.Column("unpublished_changes", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("uq_handoff_forms_org_name", "handoff_forms", ["org_id", "name_key"], unique=True)
    op.create_table(
        "handoff_form_versions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("form_id", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("questions", Document, nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("uq_handoff_form_versions_number", "handoff_form_versions", ["form_id", "number"], unique=True)
    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(table)


def _backfill_names_and_dates() -> None:
    """Name keys for existing rows; a later duplicate (same org, same casefolded name) gets a suffix."""
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:  # the owner is subject to the forced policies too; lift them for this data fix only
        op.execute('ALTER TABLE "templates" NO FORCE ROW LEVEL SECURITY')
    rows = bind.execute(sa.text("SELECT id, org_id, name, created_by, created_at FROM templates "
                                "ORDER BY created_at, id")).all()
    taken: set[tuple[str, str]] = set()
    for row in rows:
        name, suffix = row.name, 2
        while (row.org_id, name.casefold()) in taken:
            tail = f" ({suffix})"
            name, suffix = row.name[:200 - len(tail)] + tail, suffix + 1
        taken.add((row.org_id, name.casefold()))
        bind.execute(sa.text("UPDATE templates SET name = :name, name_key = :key, updated_by = :by, "
                             "updated_at = :at WHERE id = :id"),
                     {"name": name, "key": name.casefold(), "by": row.created_by, "at": row.created_at, "id": row.id})
    if postgres:
        op.execute('ALTER TABLE "templates" FORCE ROW LEVEL SECURITY')


def downgrade() -> None:
    for table in reversed(NEW_TENANT_TABLES):
        op.drop_table(table)
    op.drop_index("ix_templates_org_updated", "templates")
    op.drop_index("uq_templates_org_name", "templates")
    with op.batch_alter_table("templates") as batch:
        for column in ("version", "updated_at", "updated_by", "unpublished_changes", "latest_revision",
                       "usage_count", "status", "action_count", "milestone_count", "milestones", "tags",
                       "segment", "duration_weeks", "description", "name_key"):
            batch.drop_column(column)
