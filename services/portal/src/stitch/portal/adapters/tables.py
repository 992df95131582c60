"""The portal service's tables (the Alembic history in ``migrations/`` creates them)."""

from sqlalchemy import MetaData

from stitch.common.db.messaging_tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)
