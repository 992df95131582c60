"""The connectors service's tables (the Alembic history in ``migrations/`` creates them)."""

from sqlalchemy import JSON, Boolean, Column, Index, Integer, LargeBinary, MetaData, String, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from stitch.common.db import messaging_tables
from stitch.common.db.messaging_tables import add_messaging_tables
from stitch.common.db.types import UtcDateTime

metadata = MetaData()
add_messaging_tables(metadata)
Document = JSON().with_variant(JSONB(), "postgresql")
ACTIVE = "status <> 'disconnected'"

connections = Table(
    "connections",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("account_id", String(200), nullable=False),
    Column("account_name", String(200), nullable=False),
    Column("scopes", Document, nullable=False),
    Column("connected_by", String(64), nullable=False),
    Column("connected_at", UtcDateTime, nullable=False),
    Column("token_expires_at", UtcDateTime),
    Column("last_error", Text),
    Column("last_error_at", UtcDateTime),
    Column("disconnected_by", String(64)),
    Column("disconnected_at", UtcDateTime),
    Column("default_channel", String(100)),
    Column("version", Integer, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    # One active connection per org and provider; disconnected ones stay as the record.
    Index("uq_connections_active", "org_id", "provider", unique=True,
          postgresql_where=text(ACTIVE), sqlite_where=text(ACTIVE)),
)

# The vault: tokens sealed with AES-GCM (adapters/token_cipher.py); never a plaintext column.
connection_secrets = Table(
    "connection_secrets",
    metadata,
    Column("connection_id", String(36), primary_key=True),
    Column("field", String(32), primary_key=True),  # access_token, refresh_token
    Column("org_id", String(36), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("sealed_at", UtcDateTime, nullable=False),
)

# Exempt from RLS (DESIGN §4): what background jobs scan across orgs (tokens to refresh, keys in
# use), each item then handled with its org set. Ids, a key id and a time: nothing secret.
vault_index = Table(
    "vault_index",
    metadata,
    Column("connection_id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("refresh_at", UtcDateTime),  # when to refresh the access token; None: it does not expire
    Column("leased_until", UtcDateTime),
    Index("ix_vault_index_refresh_at", "refresh_at"),
    Index("ix_vault_index_key_id", "key_id"),
)

# Exempt from RLS (DESIGN §4): an OAuth callback arrives without a token, so its state is looked
# up before the tenant is known. Only hashes and ids; the PKCE verifier is sealed.
oauth_states = Table(
    "oauth_states",
    metadata,
    Column("state_hash", String(64), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("browser_hash", String(64), nullable=False),  # of the cookie that binds it to one browser
    Column("verifier_key_id", String(32)),
    Column("verifier_nonce", LargeBinary),
    Column("verifier", LargeBinary),
    Column("return_to", String(500), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Index("ix_oauth_states_expires_at", "expires_at"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("request_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("account_id", String(36)),
    Column("action_id", String(36)),
    Column("requested_by", String(64)),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("content", Document, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("attempt_log", Document, nullable=False),
    Column("provider_message_id", String(300)),
    Column("refused", Document, nullable=False),
    Column("error", Document),
    Column("finished_at", UtcDateTime),
    Column("correlation_id", String(64)),
    Index("uq_deliveries_request", "org_id", "request_id", unique=True),  # the idempotency key
    Index("ix_deliveries_log", "org_id", "requested_at", "id"),
    Index("ix_deliveries_account", "org_id", "account_id", "requested_at"),
)

# Exempt from RLS (DESIGN §4): the sender's due index, scanned across orgs; each delivery is then
# sent with its org set.
delivery_queue = Table(
    "delivery_queue",
    metadata,
    Column("delivery_id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("leased_until", UtcDateTime),
    Column("lease_token", String(36)),  # whose lease it is: a worker acts only while the row carries its token
    Index("ix_delivery_queue_due_at", "due_at"),
)

# Read models of other parts' events.
organizations = Table(
    "organizations",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("slug", String(40), nullable=False),
)

staff_users = Table(
    "staff_users",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

brandings = Table(
    "brandings",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("company_name", String(200), nullable=False),
    Column("logo_url", String(2000)),
    Column("primary_color", String(7), nullable=False),
    Column("accent_color", String(7), nullable=False),
    Column("support_email", String(320)),
    Column("changed_at", UtcDateTime, nullable=False),
)

# The accounts of the org (from accounts' events): a Slack channel is set only for an account
# that exists, and the delivery log can name the company.
known_accounts = Table(
    "known_accounts",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("company_name", String(200), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Slack: the channel an account's "account_channel" messages go to.
account_channels = Table(
    "account_channels",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("channel", String(100), nullable=False),
    Column("set_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

TENANT_TABLES = ("connections", "connection_secrets", "deliveries", "organizations", "staff_users", "brandings",
                 "known_accounts", "account_channels")

# Tables without row-level security (DESIGN §4), each for a stated reason; the RLS catalog
# check (tests/integration/test_row_level_security.py) reads this list. Every other table
# has org_id, RLS enabled and forced, and one policy per command.
RLS_EXEMPT: tuple[str, ...] = (
    *messaging_tables.RLS_EXEMPT,  # outbox, inbox, dead letters: no handler reads them
    "vault_index",  # scanned across orgs by the token refresher and key rotation; ids and times only
    "oauth_states",  # an OAuth callback is looked up before its tenant is known; hashes and ids only
    "delivery_queue",  # the sender's due index, scanned across orgs; ids and times only
)
