"""Leasing rows of a due index (jobs, deliveries, tokens to refresh) to one of several workers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Row, Table, select, update
from sqlalchemy.orm import Session


def claim_due(session: Session, table: Table, id_column: Column, order_column: Column, due: ColumnElement[bool],
              limit: int, lease_until: datetime, returning: tuple[Column, ...],
              also: dict[str, Any] | None = None) -> list[Row[Any]]:
    """Set ``leased_until`` (and the columns in ``also``, e.g. a lease token) on up to ``limit`` rows
    matching ``due`` (oldest first) and return them.

    Concurrent claimers get disjoint rows: on PostgreSQL rows another claimer holds are skipped,
    not waited for; on SQLite the one writer at a time makes the UPDATE atomic on its own.
    """
    picked = select(id_column).where(due).order_by(order_column, id_column).limit(limit)
    if session.bind.dialect.name == "postgresql":
        # MATERIALIZED: the pick runs exactly once (a subquery in IN could be rescanned and lock
        # more than ``limit`` rows).
        picked = picked.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        statement = update(table).where(id_column == picked.c[id_column.name])
    else:
        statement = update(table).where(id_column.in_(picked.scalar_subquery()))
    return session.execute(statement.values(leased_until=lease_until, **(also or {})).returning(*returning)).all()
