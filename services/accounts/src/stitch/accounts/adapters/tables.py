"""The accounts service's tables (the Alembic history in ``migrations/`` creates them).

An account aggregate is spread over rows (account, contacts, milestones, actions, history)
because later queries filter on the parts: the review queue on action states, lists on status
and CSM. Child rows carry org_id for row-level security; there are no foreign keys, the
repository writes and deletes children in the aggregate's transaction. Free text the outside
sends without a stated limit (industry, website, CRM ids) is ``Text``: a long value is the API
schema's to refuse, never a database error.
"""

from sqlalchemy import JSON, Boolean, Column, Date, Index, Integer, MetaData, Numeric, String, Table, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB

from stitch.common.db import messaging_tables
from stitch.common.db.messaging_tables import add_messaging_tables
from stitch.common.db.types import UtcDateTime

metadata = MetaData()
add_messaging_tables(metadata)
Document = JSON().with_variant(JSONB(), "postgresql")

# Tables without row-level security (DESIGN §4), each for a stated reason; the RLS catalog
# check (tests/integration/test_row_level_security.py) reads this list. Every other table
# has org_id, RLS enabled and forced, and one policy per command.
RLS_EXEMPT: tuple[str, ...] = (
    *messaging_tables.RLS_EXEMPT,  # outbox, inbox, dead letters: no handler reads them
    # the scheduler scans it across orgs, then runs each job with its org set (DESIGN §4);
    # it holds ids and times only, no customer data
    "due_jobs",
)
# One account per CRM deal, under races too; a deliberate duplicate (duplicate_of set) is free.
ONE_ACCOUNT_PER_DEAL = "duplicate_of IS NULL AND crm_source IS NOT NULL"

template_catalog = Table(
    "template_catalog",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("template_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("company_name", String(200), nullable=False),
    Column("arr", Numeric(14, 2)),
    Column("close_date", Date),
    Column("industry", Text, nullable=False),
    Column("company_size", Text, nullable=False),
    Column("website", Text, nullable=False),
    Column("notes", Text, nullable=False),
    Column("crm_notes", Text, nullable=False, server_default=text("''")),
    Column("custom_fields", Document, nullable=False),
    Column("crm_source", Text),
    Column("external_id", Text),
    Column("ae_email", String(320)),
    Column("duplicate_of", String(36)),
    Column("primary_csm_id", String(64)),
    Column("status", String(32), nullable=False),
    Column("archived", Boolean, nullable=False),
    Column("archived_reason", Text, nullable=False),
    Column("template_id", String(36)),
    Column("revision_id", String(36)),
    Column("revision_number", Integer),
    Column("applied_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime),
    Column("version", Integer, nullable=False),
    # What lists filter and sort on, derived from the aggregate on every save (account_repository).
    Column("current_milestone_id", String(36)),
    Column("current_milestone_name", String(200)),
    Column("next_action_at", UtcDateTime),
    Column("search_text", Text, nullable=False, server_default=text("''")),  # company and contacts, lower case
    Index("uq_accounts_deal", "org_id", "crm_source", "external_id", unique=True,
          sqlite_where=text(ONE_ACCOUNT_PER_DEAL), postgresql_where=text(ONE_ACCOUNT_PER_DEAL)),
    Index("ix_accounts_org_status", "org_id", "status", "id"),  # id: a page of one status needs no sort
    Index("ix_accounts_org_csm", "org_id", "primary_csm_id"),
    Index("ix_accounts_org_created", "org_id", "created_at"),
    Index("ix_accounts_org_next_action", "org_id", "next_action_at"),
    Index("ix_accounts_org_arr", "org_id", "arr"),
    Index("ix_accounts_org_close_date", "org_id", "close_date"),
    Index("ix_accounts_org_updated", "org_id", "updated_at"),
)
# Case-insensitive sorts and filters (expression indexes work on PostgreSQL and SQLite alike).
Index("ix_accounts_org_name", accounts.c.org_id, func.lower(accounts.c.company_name))
Index("ix_accounts_org_milestone", accounts.c.org_id, func.lower(accounts.c.current_milestone_name), accounts.c.id)

# Teammates who may view, work the actions of and add notes to an account (part of the aggregate).
account_collaborators = Table(
    "account_collaborators",
    metadata,
    Column("account_id", String(36), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Column("added_by", String(64)),
    Index("ix_account_collaborators_org_user", "org_id", "user_id"),
)

# Internal notes on an account: staff only, never in an event or a portal answer.
account_notes = Table(
    "account_notes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("account_id", String(36), nullable=False),
    Column("body", Text, nullable=False),
    Column("author_id", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime),
    Column("updated_by", String(64)),
    Index("ix_account_notes_org_account", "org_id", "account_id", "created_at"),
)

# Named groups of CSMs that new accounts are assigned from, by a rule (application/pools.py).
csm_pools = Table(
    "csm_pools",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("name", String(100), nullable=False),
    Column("name_key", String(100), nullable=False),  # the name case-folded: unique per org
    Column("description", Text, nullable=False, server_default=text("''")),
    Column("rule", String(32), nullable=False),  # round_robin | fewest_active
    Column("capacity", Integer),  # at most this many active accounts per member; None: no cap
    Column("members", Document, nullable=False),  # staff user ids, in round-robin order
    Column("next_index", Integer, nullable=False, server_default=text("0")),  # round robin: whose turn
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime),
    Column("version", Integer, nullable=False),
    Index("uq_csm_pools_org_name", "org_id", "name_key", unique=True),
)

account_contacts = Table(
    "account_contacts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("account_id", String(36), nullable=False),
    Column("position", Integer, nullable=False),  # the aggregate's order (created_at may tie)
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("title", String(200), nullable=False),
    Column("role", String(64), nullable=False),
    Column("is_primary", Boolean, nullable=False),
    Column("created_at", UtcDateTime),
    Index("ix_account_contacts_org_account", "org_id", "account_id"),
)

account_milestones = Table(
    "account_milestones",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("account_id", String(36), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("duration_days", Integer, nullable=False),
    Column("internal_description", Text, nullable=False),
    Column("customer_description", Text, nullable=False),
    Column("exit_criteria", Text, nullable=False),
    Column("template_milestone_id", String(36)),
    Column("state", String(16), nullable=False),
    Column("planned_start", UtcDateTime),
    Column("target_date", UtcDateTime),
    Column("started_at", UtcDateTime),
    Column("completed_at", UtcDateTime),
    Column("block_note", Text),
    Column("blocked_from", String(16)),
    Index("ix_account_milestones_org_account", "org_id", "account_id"),
)

account_actions = Table(
    "account_actions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("account_id", String(36), nullable=False),
    Column("milestone_id", String(36), nullable=False),
    Column("position", Integer, nullable=False),
    Column("label", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("type", String(32), nullable=False),
    Column("trigger_type", String(32), nullable=False),
    Column("delay_hours", Integer, nullable=False),
    Column("content", Document, nullable=False),
    Column("csm_visible", Boolean, nullable=False),
    Column("csm_label", String(200), nullable=False),
    Column("csm_section", String(200), nullable=False),
    Column("portal_visible", Boolean, nullable=False),
    Column("portal_label", String(200), nullable=False),
    Column("blocker", Boolean, nullable=False),
    Column("template_action_id", String(36)),
    Column("state", String(16), nullable=False),
    Column("due_at", UtcDateTime),
    Column("fired_at", UtcDateTime),
    # the Draft: number, fields, written_at (ISO 8601), written_by, warnings, edited
    Column("draft", Document),
    Column("draft_request", String(36)),
    Column("draft_instructions", Text, nullable=False),  # what the CSM asked the writer for
    Column("delivery_request", String(36)),
    Column("last_error", Document),
    Column("executed_at", UtcDateTime),
    Column("completed_at", UtcDateTime),
    Column("auto_sent", Boolean, nullable=False),
    Column("ready_since", UtcDateTime),  # when its draft became ready: the review queue's order
    Index("ix_account_actions_org_account", "org_id", "account_id"),
    Index("ix_account_actions_org_state", "org_id", "state", "ready_since"),  # the review queue
    Index("ix_account_actions_org_state_due", "org_id", "state", "due_at"),  # scheduled actions
)

account_history = Table(
    "account_history",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("account_id", String(36), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(64)),
    Column("milestone_id", String(36)),
    Column("action_id", String(36)),
    Column("detail", Document, nullable=False),
    # The order things happened in, per account: one command records several at the same instant.
    Column("number", Integer, nullable=False),
    Index("ux_account_history_account_number", "account_id", "number", unique=True),
)

# The local copy of published template revisions (templates.template_published.v1) and of each
# template's state, so accounts are created from a revision without calling templates.
template_revisions = Table(
    "template_revisions",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("revision_id", String(36), primary_key=True),
    Column("template_id", String(36), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("milestones", Document, nullable=False),
    Column("published_at", UtcDateTime, nullable=False),
    Index("ix_template_revisions_org_template", "org_id", "template_id", "revision"),
)

template_states = Table(
    "template_states",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("template_id", String(36), primary_key=True),
    Column("state", String(16), nullable=False),  # active | archived | deleted
    Column("updated_at", UtcDateTime, nullable=False),
)

# Read models fed by other parts' events (DESIGN §1).
staff_users = Table(
    "staff_users",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("role", String(20), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),  # of the newest event applied
)

organizations = Table(
    "organizations",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("slug", String(40), nullable=False),
)

connections = Table(
    "connections",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("provider", String(32), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),  # of the newest change applied
)

# Commands from the workflows service, by request_id: each is acted on once and answered once.
handled_requests = Table(
    "handled_requests",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("request_id", String(200), primary_key=True),
    Column("command", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("account_id", String(36)),
    Column("handled_at", UtcDateTime, nullable=False),
)

engine_settings = Table(
    "engine_settings",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("review_portal_tasks", Boolean, nullable=False),
    Column("auto_send", Document, nullable=False),  # a sorted list of action types
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime),
    Column("updated_by", String(64)),
)

# What the scheduler runs: a scheduled action's time ("fire") or a draft asked for ("draft").
# Derived from the accounts on every save; a worker leases a job (leased_until) while it runs it.
due_jobs = Table(
    "due_jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("account_id", String(36), nullable=False),
    Column("action_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("request_id", String(36)),
    Column("due_at", UtcDateTime, nullable=False),
    Column("leased_until", UtcDateTime),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Index("uq_due_jobs_action_kind", "action_id", "kind", unique=True),
    Index("ix_due_jobs_due_at", "due_at"),
    Index("ix_due_jobs_account", "account_id"),
)
