"""The gateway's tables: the identity store, and the messaging tables every part has.

The identity store is exempt from row-level security (DESIGN §4): it is read before a tenant is
known (sign-in by email, API-key lookup, portal routing by slug or domain), so every query here
scopes by org in code and the persona matrix proves it from outside.
"""

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, MetaData, String, Table, UniqueConstraint, text

from stitch.common.db.messaging_tables import RLS_EXEMPT as MESSAGING_TABLES
from stitch.common.db.messaging_tables import add_messaging_tables
from stitch.common.db.types import UtcDateTime

metadata = MetaData()
add_messaging_tables(metadata)

organizations = Table(
    "organizations", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("slug", String(40), nullable=False, unique=True),
    Column("email_domain", String(253), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("cell", String(40), nullable=False),  # the route table: which cell serves this org
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("email_domain", name="uq_organizations_email_domain"),  # sign-ups find their org by it
)

users = Table(
    "users", metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), ForeignKey("organizations.id"), nullable=False),
    Column("email", String(254), nullable=False, unique=True),  # one email, one organization
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("password_hash", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("title", String(100), nullable=False),
    Column("avatar_url", String(500)),
    Column("timezone", String(64)),
    Column("notification_preferences", JSON, nullable=False),
    Column("last_active_at", UtcDateTime),
    Index("ix_users_org_email", "org_id", "email"),
)

refresh_tokens = Table(
    "refresh_tokens", metadata,
    Column("id", String(36), primary_key=True),
    Column("family_id", String(36), nullable=False, index=True),
    Column("subject_id", String(36), nullable=False, index=True),
    Column("org_id", String(36), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("family_expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
)

api_keys = Table(
    "api_keys", metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), ForeignKey("organizations.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("prefix", String(12), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("created_by", String(36), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    Column("last_used_at", UtcDateTime),
)

portal_principals = Table(
    "portal_principals", metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), ForeignKey("organizations.id"), nullable=False),
    Column("account_id", String(36), nullable=False),
    Column("contact_id", String(36), nullable=False),
    Column("email", String(254), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("org_id", "contact_id", name="uq_portal_principals_contact"),
)

custom_domains = Table(
    "custom_domains", metadata,
    Column("domain", String(253), primary_key=True),
    Column("org_id", String(36), ForeignKey("organizations.id"), nullable=False, index=True),
    Column("token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("verified_at", UtcDateTime),
)

# Single-use links by email (sign-up verification, password reset): only the token's digest.
email_links = Table(
    "email_links", metadata,
    Column("id", String(36), primary_key=True),
    Column("purpose", String(30), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("email", String(254), nullable=False),
    Column("org_id", String(36), ForeignKey("organizations.id")),
    Column("subject_id", String(36)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Index("ix_email_links_purpose_email", "purpose", "email"),
    # Only the newest link of a purpose works, even when two requests race to mint one.
    Index("uq_email_links_unused", "purpose", "email", unique=True,
          sqlite_where=text("used_at IS NULL"), postgresql_where=text("used_at IS NULL")),
)

invitations = Table(
    "invitations", metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), ForeignKey("organizations.id"), nullable=False),
    Column("email", String(254), nullable=False),
    Column("role", String(20), nullable=False),
    Column("invited_by", String(36), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("status", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("last_sent_at", UtcDateTime, nullable=False),
    Column("send_count", Integer, nullable=False),
    Column("accepted_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Index("ix_invitations_org_email", "org_id", "email"),
    # One pending invitation per address and org, even when an admin double-clicks "Invite".
    Index("uq_invitations_pending", "org_id", "email", unique=True,
          sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
)

IDENTITY_STORE = ("organizations", "users", "refresh_tokens", "api_keys", "portal_principals", "custom_domains",
                  "email_links", "invitations")
RLS_EXEMPT = MESSAGING_TABLES + IDENTITY_STORE
