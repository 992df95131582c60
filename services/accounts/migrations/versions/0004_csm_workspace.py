"""The CSM workspace: what account lists filter and sort on, collaborators, notes, CSM pools,
raw CRM notes, and the review queue's order.

Existing accounts get their list columns computed here (the repository keeps them current on
every save from then on). A frozen snapshot: the DDL is written out here, not read from
``adapters/tables.py``.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from stitch.common.db.rls import enable_tenant_rls

revision = "0004"
down_revision = "0003"
Document = sa.JSON().with_variant(JSONB(), "postgresql")
Time = sa.DateTime(timezone=True)
NEW_TENANT_TABLES = ("account_collaborators", "account_notes", "csm_pools")
# The list columns of accounts saved before this revision (the same rules as Account.current_milestone
# and Account.next_action_at).
BACKFILL = """
UPDATE accounts SET
  current_milestone_id = (
    SELECT m.id FROM account_milestones m WHERE m.account_id = accounts.id AND m.state <> 'completed'
    ORDER BY CASE WHEN m.state IN ('in_progress', 'blocked') THEN 0 ELSE 1 END, m.sequence LIMIT 1),
  next_action_at = (
    SELECT MIN(CASE WHEN a.state = 'pending' THEN a.due_at ELSE COALESCE(a.fired_at, a.due_at) END)
    FROM account_actions a
    WHERE a.account_id = accounts.id AND (a.state IN ('review_pending', 'ready')
                                          OR (a.state = 'pending' AND a.due_at IS NOT NULL)))
"""
BACKFILL_NAME = """
UPDATE accounts SET current_milestone_name = (
    SELECT m.name FROM account_milestones m WHERE m.id = accounts.current_milestone_id)
"""
BACKFILLED = ("accounts", "account_contacts", "account_milestones", "account_actions")


def upgrade() -> None:
    with op.batch_alter_table("accounts") as table:
        table.add_column(sa.Column("crm_notes", sa.Text, nullable=False, server_default=sa.text("''")))
        table.add_column(sa.Column("current_milestone_id", sa.String(36)))
        table.add_column(sa.Column("current_milestone_name", sa.String(200)))
        table.add_column(sa.Column("next_action_at", Time))
        table.add_column(sa.Column("search_text", sa.Text, nullable=False, server_default=sa.text("''")))
    with op.batch_alter_table("account_actions") as table:
        table.add_column(sa.Column("ready_since", Time))
    _backfill()
    op.create_index("ix_accounts_org_next_action", "accounts", ["org_id", "next_action_at"])
    op.create_index("ix_accounts_org_arr", "accounts", ["org_id", "arr"])
    op.create_index("ix_accounts_org_close_date", "accounts", ["org_id", "close_date"])
    op.create_index("ix_accounts_org_updated", "accounts", ["org_id", "updated_at"])
    op.create_index("ix_accounts_org_name", "accounts", ["org_id", sa.text("lower(company_name)")])
    op.create_index("ix_accounts_org_milestone", "accounts",
                    ["org_id", sa.text("lower(current_milestone_name)"), "id"])
    op.drop_index("ix_accounts_org_status", "accounts")
    op.create_index("ix_accounts_org_status", "accounts", ["org_id", "status", "id"])
    op.drop_index("ix_account_actions_org_state", "account_actions")
    op.create_index("ix_account_actions_org_state", "account_actions", ["org_id", "state", "ready_since"])
    op.create_index("ix_account_actions_org_state_due", "account_actions", ["org_id", "state", "due_at"])
    _new_tables()
    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(table)


def _backfill() -> None:
    """The list columns of accounts saved before this revision. The owner is subject to the forced
    policies too (no org is set while migrating), so they are lifted for this data fix only."""
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        for table in BACKFILLED:
            op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(BACKFILL)
    op.execute(BACKFILL_NAME)
    op.execute("UPDATE account_actions SET ready_since = COALESCE(fired_at, due_at) WHERE state = 'ready'")
    _backfill_search_text(bind)
    if postgres:
        for table in BACKFILLED:
            op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')


def _backfill_search_text(bind) -> None:
    """Case-folded by Python as the repository writes it (SQL lower() folds neither ß nor, in
    SQLite, anything beyond ASCII, and the query is case-folded by Python)."""
    words: dict[str, list[str]] = {}
    for row in bind.execute(sa.text("SELECT id, company_name FROM accounts")):
        words[row.id] = [row.company_name]
    for row in bind.execute(sa.text("SELECT account_id, name, email FROM account_contacts ORDER BY account_id, "
                                    "position, id")):
        words.setdefault(row.account_id, []).append(f"{row.name} {row.email}")
    for account_id, texts in words.items():
        bind.execute(sa.text("UPDATE accounts SET search_text = :text WHERE id = :id"),
                     {"text": " ".join(texts).casefold(), "id": account_id})


def _new_tables() -> None:
    op.create_table(
        "account_collaborators",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("added_at", Time, nullable=False),
        sa.Column("added_by", sa.String(64)),
    )
    op.create_index("ix_account_collaborators_org_user", "account_collaborators", ["org_id", "user_id"])
    op.create_table(
        "account_notes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("author_id", sa.String(64)),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("updated_at", Time),
        sa.Column("updated_by", sa.String(64)),
    )
    op.create_index("ix_account_notes_org_account", "account_notes", ["org_id", "account_id", "created_at"])
    op.create_table(
        "csm_pools",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("capacity", sa.Integer),
        sa.Column("members", Document, nullable=False),
        sa.Column("next_index", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("updated_at", Time),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("uq_csm_pools_org_name", "csm_pools", ["org_id", "name_key"], unique=True)


def downgrade() -> None:
    for table in reversed(NEW_TENANT_TABLES):
        op.drop_table(table)
    op.drop_index("ix_account_actions_org_state_due", "account_actions")
    op.drop_index("ix_account_actions_org_state", "account_actions")
    op.create_index("ix_account_actions_org_state", "account_actions", ["org_id", "state"])
    op.drop_index("ix_accounts_org_status", "accounts")
    op.create_index("ix_accounts_org_status", "accounts", ["org_id", "status"])
    for index in ("ix_accounts_org_milestone", "ix_accounts_org_name", "ix_accounts_org_updated",
                  "ix_accounts_org_close_date", "ix_accounts_org_arr", "ix_accounts_org_next_action"):
        op.drop_index(index, "accounts")
    with op.batch_alter_table("account_actions") as table:
        table.drop_column("ready_since")
    with op.batch_alter_table("accounts") as table:
        for column in ("search_text", "next_action_at", "current_milestone_name", "current_milestone_id",
                       "crm_notes"):
            table.drop_column(column)
