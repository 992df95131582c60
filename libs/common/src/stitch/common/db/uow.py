"""The SQLAlchemy unit of work every service builds on.

A use case opens it, changes rows, records the events it raises with :meth:`publish`, and
commits: the rows and the outbox rows land in one transaction (never "commit, then publish").
The consumer uses :meth:`claim_inbox` in the same transaction as its handler.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

from sqlalchemy import Engine, MetaData, event, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from stitch.common.db.dialects import dialect_insert
from stitch.common.envelope import Envelope, new_event

ORG_KEY = "stitch.org_id"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    if engine.dialect.name == "postgresql":
        event.listen(factory, "after_begin", _set_org_for_rls)
    return factory


def _set_org_for_rls(session: Session, _transaction, connection) -> None:
    # Row-level security policies read app.org_id; "true" scopes it to this transaction, so a
    # pooled connection never carries one tenant's id into another's request.
    org_id = session.info.get(ORG_KEY)
    connection.execute(select(func.set_config("app.org_id", org_id or "", True)))


class SqlUnitOfWork:
    event_namespace: str | None = None  # the first part of the event types it publishes; default: service

    def __init__(self, session_factory: sessionmaker[Session], metadata: MetaData, service: str) -> None:
        self._session_factory = session_factory
        self._outbox = metadata.tables["outbox"]
        self._inbox = metadata.tables["inbox"]
        self.service = service
        self.org_id: str | None = None
        self.published: list[Envelope] = []

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.published = []
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.session.rollback()  # no-op after commit; discards everything otherwise
        self.session.close()

    def set_org(self, org_id: str | None) -> None:
        self.org_id = org_id
        self.session.info[ORG_KEY] = org_id
        if self.session.in_transaction() and self.session.bind.dialect.name == "postgresql":
            self.session.execute(select(func.set_config("app.org_id", org_id or "", True)))

    def publish(self, event_type: str, data: dict[str, Any]) -> Envelope:
        envelope = new_event(self.service, event_type, data, self.org_id, self.event_namespace)
        self.session.execute(
            insert(self._outbox).values(
                id=envelope.id,
                routing_key=envelope.routing_key,
                envelope=envelope.to_dict(),
                created_at=datetime.now(UTC),
            )
        )
        self.published.append(envelope)
        return envelope

    def claim_inbox(self, envelope: Envelope) -> bool:
        """Record the event as received; False if it was already applied (a redelivery)."""
        result = self.session.execute(
            dialect_insert(self.session)(self._inbox)
            .values(event_id=envelope.id, event_type=envelope.type, received_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(self._inbox.c.event_id)  # rowcount is unreliable across drivers; a row is not
        )
        return result.scalar() is not None

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
