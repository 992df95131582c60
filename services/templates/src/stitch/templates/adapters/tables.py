"""The templates service's tables (the Alembic history in ``migrations/`` creates them).

A template's plan (milestones with their actions) is one JSON document on its row: it is always
read and written whole by the aggregate, never queried by parts, and a revision is a snapshot of
it. Columns exist for what lists filter and sort on. Child rows carry org_id for row-level
security; there are no foreign keys, the repositories delete children in the same transaction.
"""

from sqlalchemy import JSON, Boolean, Column, Index, Integer, MetaData, String, Table, Text
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
)

templates = Table(
    "templates",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),  # tenant key: RLS on PostgreSQL, filtered in code too
    Column("name", String(200), nullable=False),
    Column("name_key", Text, nullable=False),  # casefolded name (may outgrow the name: ß → ss): unique per org
    Column("description", Text, nullable=False),
    Column("duration_weeks", Integer),
    Column("segment", String(200), nullable=False),
    Column("tags", Document, nullable=False),
    Column("milestones", Document, nullable=False),
    Column("milestone_count", Integer, nullable=False),
    Column("action_count", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("usage_count", Integer, nullable=False),
    Column("latest_revision", Integer, nullable=False),
    Column("unpublished_changes", Boolean, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("uq_templates_org_name", "org_id", "name_key", unique=True),
    Index("ix_templates_org_created", "org_id", "created_at", "id"),
    Index("ix_templates_org_updated", "org_id", "updated_at", "id"),
)

template_tags = Table(
    "template_tags",
    metadata,
    Column("template_id", String(36), primary_key=True),
    Column("tag", String(40), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Index("ix_template_tags_org_tag", "org_id", "tag"),
)

template_revisions = Table(
    "template_revisions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("template_id", String(36), nullable=False),
    Column("number", Integer, nullable=False),
    Column("snapshot", Document, nullable=False),
    Column("published_by", String(64), nullable=False),
    Column("published_at", UtcDateTime, nullable=False),
    Index("uq_template_revisions_number", "template_id", "number", unique=True),
)

# One row per account a template was applied to (accounts.template_applied.v1): the usage count
# counts accounts, so re-applying a template to the same account does not count twice.
template_applications = Table(
    "template_applications",
    metadata,
    Column("template_id", String(36), primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("revision_id", String(36)),
    Column("applied_at", UtcDateTime, nullable=False),
)

handoff_forms = Table(
    "handoff_forms",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("name", String(200), nullable=False),
    Column("name_key", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("questions", Document, nullable=False),
    Column("status", String(16), nullable=False),
    Column("latest_version", Integer, nullable=False),
    Column("unpublished_changes", Boolean, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("uq_handoff_forms_org_name", "org_id", "name_key", unique=True),
)

handoff_form_versions = Table(
    "handoff_form_versions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),
    Column("form_id", String(36), nullable=False),
    Column("number", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("questions", Document, nullable=False),
    Column("published_by", String(64), nullable=False),
    Column("published_at", UtcDateTime, nullable=False),
    Index("uq_handoff_form_versions_number", "form_id", "number", unique=True),
)
