"""The infrastructure tables every service has: outbox, inbox and dead letters.

They are exempt from row-level security (DESIGN §4): no request handler reads them, and the
relay and consumer work across organizations.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Connection, Index, Integer, MetaData, String, Table, Text, text

from stitch.common.db.types import UtcDateTime

RLS_EXEMPT = ("outbox", "inbox", "dead_letters")


def add_messaging_tables(metadata: MetaData) -> None:
    Table(
        "outbox",
        metadata,
        # seq keeps publishing in commit order; id = envelope id = AMQP message_id.
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("id", String(36), nullable=False, unique=True),
        Column("routing_key", String(200), nullable=False),
        Column("envelope", JSON, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("sent_at", UtcDateTime),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
        Index("ix_outbox_unsent", "created_at", postgresql_where=text("sent_at IS NULL"),
              sqlite_where=text("sent_at IS NULL")),
    )
    Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("received_at", UtcDateTime, nullable=False),
    )
    Table(
        "dead_letters",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(100)),
        Column("event_type", String(200)),
        Column("body", Text, nullable=False),
        Column("reason", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("failed_at", UtcDateTime, nullable=False),
        Column("replayed_at", UtcDateTime),
    )


def create_messaging_tables_v1(bind: Connection) -> None:
    """Create the tables as defined above; called by each service's first Alembic revision.

    Changes to these tables after v1 ship as new revisions, never by editing this function.
    """
    metadata = MetaData()
    add_messaging_tables(metadata)
    metadata.create_all(bind)
