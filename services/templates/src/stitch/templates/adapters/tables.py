"""The templates service's tables (the Alembic history in ``migrations/`` creates them)."""

from sqlalchemy import Column, MetaData, String, Table

from stitch.common.db.messaging_tables import add_messaging_tables
from stitch.common.db.types import UtcDateTime

metadata = MetaData()
add_messaging_tables(metadata)

templates = Table(
    "templates",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", String(36), nullable=False),  # tenant key: RLS on PostgreSQL, filtered in code too
    Column("name", String(200), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
