"""Connections and their sealed tokens, OAuth states, deliveries with their queue, read models.

A frozen snapshot: the DDL is written out here, not read from ``adapters/tables.py``.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from stitch.common.db.rls import enable_tenant_rls

revision = "0002"
down_revision = "0001"
Document = sa.JSON().with_variant(JSONB(), "postgresql")
Time = sa.DateTime(timezone=True)
ACTIVE = "status <> 'disconnected'"
TENANT_TABLES = ("connections", "connection_secrets", "deliveries", "organizations", "staff_users", "brandings",
                 "known_accounts", "account_channels")


def upgrade() -> None:
    _vault()
    _deliveries()
    _read_models()
    for table in TENANT_TABLES:
        enable_tenant_rls(table)


def _vault() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("account_name", sa.String(200), nullable=False),
        sa.Column("scopes", Document, nullable=False),
        sa.Column("connected_by", sa.String(64), nullable=False),
        sa.Column("connected_at", Time, nullable=False),
        sa.Column("token_expires_at", Time),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", Time),
        sa.Column("disconnected_by", sa.String(64)),
        sa.Column("disconnected_at", Time),
        sa.Column("default_channel", sa.String(100)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changed_at", Time, nullable=False),
    )
    op.create_index("uq_connections_active", "connections", ["org_id", "provider"], unique=True,
                    postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE))
    op.create_table(
        "connection_secrets",
        sa.Column("connection_id", sa.String(36), primary_key=True),
        sa.Column("field", sa.String(32), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("nonce", sa.LargeBinary, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("sealed_at", Time, nullable=False),
    )
    op.create_table(
        "vault_index",  # exempt from RLS: scanned across orgs (token refresh, key rotation)
        sa.Column("connection_id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("refresh_at", Time),
        sa.Column("leased_until", Time),
    )
    op.create_index("ix_vault_index_refresh_at", "vault_index", ["refresh_at"])
    op.create_index("ix_vault_index_key_id", "vault_index", ["key_id"])
    op.create_table(
        "oauth_states",  # exempt from RLS: looked up by an OAuth callback before its tenant is known
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("browser_hash", sa.String(64), nullable=False),
        sa.Column("verifier_key_id", sa.String(32)),
        sa.Column("verifier_nonce", sa.LargeBinary),
        sa.Column("verifier", sa.LargeBinary),
        sa.Column("return_to", sa.String(500), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("expires_at", Time, nullable=False),
        sa.Column("used_at", Time),
    )
    op.create_index("ix_oauth_states_expires_at", "oauth_states", ["expires_at"])


def _deliveries() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("account_id", sa.String(36)),
        sa.Column("action_id", sa.String(36)),
        sa.Column("requested_by", sa.String(64)),
        sa.Column("requested_at", Time, nullable=False),
        sa.Column("content", Document, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", Time),
        sa.Column("attempt_log", Document, nullable=False),
        sa.Column("provider_message_id", sa.String(300)),
        sa.Column("refused", Document, nullable=False),
        sa.Column("error", Document),
        sa.Column("finished_at", Time),
        sa.Column("correlation_id", sa.String(64)),
    )
    op.create_index("uq_deliveries_request", "deliveries", ["org_id", "request_id"], unique=True)
    op.create_index("ix_deliveries_log", "deliveries", ["org_id", "requested_at", "id"])
    op.create_index("ix_deliveries_account", "deliveries", ["org_id", "account_id", "requested_at"])
    op.create_table(
        "delivery_queue",  # exempt from RLS: the sender's due index, scanned across orgs
        sa.Column("delivery_id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("due_at", Time, nullable=False),
        sa.Column("leased_until", Time),
        sa.Column("lease_token", sa.String(36)),
    )
    op.create_index("ix_delivery_queue_due_at", "delivery_queue", ["due_at"])


def _read_models() -> None:
    op.create_table(
        "organizations",
        sa.Column("org_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(40), nullable=False),
    )
    op.create_table(
        "staff_users",
        sa.Column("org_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("updated_at", Time, nullable=False),
    )
    op.create_table(
        "brandings",
        sa.Column("org_id", sa.String(36), primary_key=True),
        sa.Column("company_name", sa.String(200), nullable=False),
        sa.Column("logo_url", sa.String(2000)),
        sa.Column("primary_color", sa.String(7), nullable=False),
        sa.Column("accent_color", sa.String(7), nullable=False),
        sa.Column("support_email", sa.String(320)),
        sa.Column("changed_at", Time, nullable=False),
    )
    op.create_table(
        "known_accounts",
        sa.Column("org_id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("company_name", sa.String(200), nullable=False),
        sa.Column("updated_at", Time, nullable=False),
    )
    op.create_table(
        "account_channels",
        sa.Column("org_id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("updated_at", Time, nullable=False),
    )


def downgrade() -> None:
    for table in ("account_channels", "known_accounts", "brandings", "staff_users", "organizations", "delivery_queue", "deliveries",
                  "oauth_states", "vault_index", "connection_secrets", "connections"):
        op.drop_table(table)
