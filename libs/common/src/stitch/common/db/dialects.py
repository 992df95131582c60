"""The few statements PostgreSQL and SQLite spell differently (upserts, row locks)."""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_insert(session: Session):
    """INSERT with ``on_conflict_do_*`` for the session's database."""
    return (postgresql if session.bind.dialect.name == "postgresql" else sqlite).insert


def locked(session: Session, statement: Select, *, skip_locked: bool = False) -> Select:
    """``FOR UPDATE`` on PostgreSQL. SQLite has no row locks and needs none: its one writer at a
    time (BEGIN IMMEDIATE) already serializes the read-modify-write."""
    if session.bind.dialect.name == "postgresql":
        return statement.with_for_update(skip_locked=skip_locked)
    return statement
