"""Connections in SQL. Every query filters by org as well as RLS does (SQLite has no RLS)."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stitch.common.db.dialects import locked
from stitch.connectors.adapters.tables import connections
from stitch.connectors.domain.connections import Connection, ConnectionStatus

_FIELDS = ("status", "account_id", "account_name", "connected_by", "connected_at", "token_expires_at",
           "last_error", "last_error_at", "disconnected_by", "disconnected_at", "default_channel", "version",
           "changed_at")


class SqlConnections:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, connection: Connection) -> bool:
        # A savepoint: when a racing flow's insert won the one-active-connection index, this
        # transaction stays usable for taking the reconnect path instead.
        try:
            with self._session.begin_nested():
                self._session.execute(insert(connections).values(
                    id=connection.id, org_id=connection.org_id, provider=connection.provider, **_values(connection)))
        except IntegrityError:
            return False
        return True

    def save(self, connection: Connection) -> None:
        self._session.execute(update(connections).where(connections.c.org_id == connection.org_id,
                                                        connections.c.id == connection.id)
                              .values(**_values(connection)))

    def get(self, org_id: str, connection_id: str, *, lock: bool = False) -> Connection | None:
        return self._one(connections.c.id == connection_id, org_id, lock)

    def active(self, org_id: str, provider: str, *, lock: bool = False) -> Connection | None:
        return self._one((connections.c.provider == provider)
                         & (connections.c.status != str(ConnectionStatus.DISCONNECTED)), org_id, lock)

    def all(self, org_id: str) -> list[Connection]:
        rows = self._session.execute(select(connections).where(connections.c.org_id == org_id)
                                     .order_by(connections.c.connected_at.desc(), connections.c.id))
        return [_connection(row) for row in rows]

    def _one(self, condition, org_id: str, lock: bool) -> Connection | None:
        statement = select(connections).where(connections.c.org_id == org_id, condition)
        row = self._session.execute(locked(self._session, statement) if lock else statement).first()
        return _connection(row) if row else None


def _values(connection: Connection) -> dict:
    values = {name: getattr(connection, name) for name in _FIELDS}
    values["status"] = str(connection.status)
    values["scopes"] = list(connection.scopes)
    return values


def _connection(row) -> Connection:
    data = row._asdict()
    data["status"] = ConnectionStatus(data["status"])
    data["scopes"] = tuple(data["scopes"] or ())
    return Connection(**data)
