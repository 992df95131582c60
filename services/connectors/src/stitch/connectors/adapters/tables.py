"""The connectors service's tables (the Alembic history in ``migrations/`` creates them)."""

from sqlalchemy import MetaData

from stitch.common.db import messaging_tables
from stitch.common.db.messaging_tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)

# Tables without row-level security (DESIGN §4), each for a stated reason; the RLS catalog
# check (tests/integration/test_row_level_security.py) reads this list. Every other table
# has org_id, RLS enabled and forced, and one policy per command.
RLS_EXEMPT: tuple[str, ...] = (
    *messaging_tables.RLS_EXEMPT,  # outbox, inbox, dead letters: no handler reads them
)
