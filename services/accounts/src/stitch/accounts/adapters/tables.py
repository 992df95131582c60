"""The accounts service's tables (the Alembic history in ``migrations/`` creates them)."""

from sqlalchemy import Column, MetaData, String, Table

from stitch.common.db.messaging_tables import add_messaging_tables
from stitch.common.db.types import UtcDateTime

metadata = MetaData()
add_messaging_tables(metadata)

template_catalog = Table(
    "template_catalog",
    metadata,
    Column("org_id", String(36), primary_key=True),
    Column("template_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)
