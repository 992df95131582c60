"""The onboarding engine: accounts with contacts, milestones, actions and history; the local copy
of template revisions; read models of staff, organizations and connections; the engine's
settings; and the due-jobs index the scheduler scans.

A frozen snapshot: the DDL is written out here, not read from ``adapters/tables.py``.

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
Time = sa.DateTime(timezone=True)
ONE_ACCOUNT_PER_DEAL = "duplicate_of IS NULL AND crm_source IS NOT NULL"
NEW_TENANT_TABLES = ("accounts", "account_contacts", "account_milestones", "account_actions", "account_history",
                     "template_revisions", "template_states", "staff_users", "organizations", "connections",
                     "engine_settings", "handled_requests")


def upgrade() -> None:
    _accounts()
    _plans()
    _local_copies()
    op.create_table(
        "due_jobs",  # exempt from RLS (DESIGN §4): scanned across orgs, each job then run with its org set
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("action_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("request_id", sa.String(36)),
        sa.Column("due_at", Time, nullable=False),
        sa.Column("leased_until", Time),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("uq_due_jobs_action_kind", "due_jobs", ["action_id", "kind"], unique=True)
    op.create_index("ix_due_jobs_due_at", "due_jobs", ["due_at"])
    op.create_index("ix_due_jobs_account", "due_jobs", ["account_id"])
    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(table)


def _accounts() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("company_name", sa.String(200), nullable=False),
        sa.Column("arr", sa.Numeric(14, 2)),
        sa.Column("close_date", sa.Date),
        sa.Column("industry", sa.Text, nullable=False),
        sa.Column("company_size", sa.Text, nullable=False),
        sa.Column("website", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("custom_fields", Document, nullable=False),
        sa.Column("crm_source", sa.Text),
        sa.Column("external_id", sa.Text),
        sa.Column("ae_email", sa.String(320)),
        sa.Column("duplicate_of", sa.String(36)),
        sa.Column("primary_csm_id", sa.String(64)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("archived_reason", sa.Text, nullable=False),
        sa.Column("template_id", sa.String(36)),
        sa.Column("revision_id", sa.String(36)),
        sa.Column("revision_number", sa.Integer),
        sa.Column("applied_at", Time),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("updated_at", Time),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("uq_accounts_deal", "accounts", ["org_id", "crm_source", "external_id"], unique=True,
                    sqlite_where=sa.text(ONE_ACCOUNT_PER_DEAL), postgresql_where=sa.text(ONE_ACCOUNT_PER_DEAL))
    op.create_index("ix_accounts_org_status", "accounts", ["org_id", "status"])
    op.create_index("ix_accounts_org_csm", "accounts", ["org_id", "primary_csm_id"])
    op.create_index("ix_accounts_org_created", "accounts", ["org_id", "created_at"])
    op.create_table(
        "account_contacts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("is_primary", sa.Boolean, nullable=False),
        sa.Column("created_at", Time),
    )
    op.create_index("ix_account_contacts_org_account", "account_contacts", ["org_id", "account_id"])
    op.create_table(
        "account_history",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("at", Time, nullable=False),
        sa.Column("actor", sa.String(64)),
        sa.Column("milestone_id", sa.String(36)),
        sa.Column("action_id", sa.String(36)),
        sa.Column("detail", Document, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
    )
    op.create_index("ux_account_history_account_number", "account_history", ["account_id", "number"], unique=True)


def _plans() -> None:
    op.create_table(
        "account_milestones",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("duration_days", sa.Integer, nullable=False),
        sa.Column("internal_description", sa.Text, nullable=False),
        sa.Column("customer_description", sa.Text, nullable=False),
        sa.Column("exit_criteria", sa.Text, nullable=False),
        sa.Column("template_milestone_id", sa.String(36)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("planned_start", Time),
        sa.Column("target_date", Time),
        sa.Column("started_at", Time),
        sa.Column("completed_at", Time),
        sa.Column("block_note", sa.Text),
        sa.Column("blocked_from", sa.String(16)),
    )
    op.create_index("ix_account_milestones_org_account", "account_milestones", ["org_id", "account_id"])
    op.create_table(
        "account_actions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("milestone_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("trigger_type", sa.String(32), nullable=False),
        sa.Column("delay_hours", sa.Integer, nullable=False),
        sa.Column("content", Document, nullable=False),
        sa.Column("csm_visible", sa.Boolean, nullable=False),
        sa.Column("csm_label", sa.String(200), nullable=False),
        sa.Column("csm_section", sa.String(200), nullable=False),
        sa.Column("portal_visible", sa.Boolean, nullable=False),
        sa.Column("portal_label", sa.String(200), nullable=False),
        sa.Column("blocker", sa.Boolean, nullable=False),
        sa.Column("template_action_id", sa.String(36)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("due_at", Time),
        sa.Column("fired_at", Time),
        sa.Column("draft", Document),
        sa.Column("draft_request", sa.String(36)),
        sa.Column("draft_instructions", sa.Text, nullable=False),
        sa.Column("delivery_request", sa.String(36)),
        sa.Column("last_error", Document),
        sa.Column("executed_at", Time),
        sa.Column("completed_at", Time),
        sa.Column("auto_sent", sa.Boolean, nullable=False),
    )
    op.create_index("ix_account_actions_org_account", "account_actions", ["org_id", "account_id"])
    op.create_index("ix_account_actions_org_state", "account_actions", ["org_id", "state"])


def _local_copies() -> None:
    op.create_table(
        "template_revisions",
        sa.Column("org_id", sa.String(36), primary_key=True),
        sa.Column("revision_id", sa.String(36), primary_key=True),
        sa.Column("template_id", sa.String(36), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("milestones", Document, nullable=False),
        sa.Column("published_at", Time, nullable=False),
    )
    op.create_index("ix_template_revisions_org_template", "template_revisions", ["org_id", "template_id", "revision"])
    op.create_table(
        "template_states",
        sa.Column("org_id", sa.String(36), primary_key=True),
        sa.Column("template_id", sa.String(36), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("updated_at", Time, nullable=False),
    )
    op.create_table(
        "staff_users",
        sa.Column("org_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("updated_at", Time, nullable=False),
    )
    op.create_table(
        "organizations",
        sa.Column("org_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(40), nullable=False),
    )
    op.create_table(
        "connections",
        sa.Column("org_id", sa.String(36), primary_key=True),
        sa.Column("provider", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("changed_at", Time, nullable=False),
    )
    op.create_table(
        "engine_settings",
        sa.Column("org_id", sa.String(36), primary_key=True),
        sa.Column("review_portal_tasks", sa.Boolean, nullable=False),
        sa.Column("auto_send", Document, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", Time),
        sa.Column("updated_by", sa.String(64)),
    )
    op.create_table(
        "handled_requests",
        sa.Column("org_id", sa.String(36), primary_key=True),
        sa.Column("request_id", sa.String(200), primary_key=True),
        sa.Column("command", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("account_id", sa.String(36)),
        sa.Column("handled_at", Time, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("due_jobs")
    for table in reversed(NEW_TENANT_TABLES):
        op.drop_table(table)
