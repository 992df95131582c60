"""Database mechanics: engines, the outbox/inbox/dead-letter tables, the unit of work, Alembic."""
