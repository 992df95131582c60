"""The templates service's tables (the Alembic history in ``migrations/`` creates them)."""

from sqlalchemy import Column, MetaData, String, Table

from stitch.common.db import messaging_tables
from stitch.common.db.messaging_tables import add_messaging_tables
from stitch.common.db.types import UtcDateTime

metadata = MetaData()
add_messaging_tables(metadata)

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
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
