"""Deliveries (the per-org log) and the queue the sender scans across orgs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stitch.common.db.dialects import dialect_insert, locked
from stitch.common.db.leases import claim_due
from stitch.connectors.adapters.tables import deliveries, delivery_queue
from stitch.connectors.application.ports import Due
from stitch.connectors.domain.deliveries import Delivery, DeliveryError, DeliveryStatus

_MUTABLE = ("status", "attempts", "next_attempt_at", "attempt_log", "provider_message_id", "refused", "error",
            "finished_at")
FILTERS = {"channel": deliveries.c.channel, "status": deliveries.c.status, "account_id": deliveries.c.account_id,
           "action_id": deliveries.c.action_id, "kind": deliveries.c.kind}


class SqlDeliveries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, delivery: Delivery) -> bool:
        # A savepoint, so a duplicate request id (a redelivered request) leaves the transaction usable.
        try:
            with self._session.begin_nested():
                self._session.execute(insert(deliveries).values(
                    id=delivery.id, org_id=delivery.org_id, request_id=delivery.request_id, kind=delivery.kind,
                    channel=delivery.channel, account_id=delivery.account_id, action_id=delivery.action_id,
                    requested_by=delivery.requested_by, requested_at=delivery.requested_at, content=delivery.content,
                    correlation_id=delivery.correlation_id, **_values(delivery)))
        except IntegrityError:
            return False
        return True

    def save(self, delivery: Delivery) -> None:
        self._session.execute(update(deliveries).where(deliveries.c.org_id == delivery.org_id,
                                                       deliveries.c.id == delivery.id).values(**_values(delivery)))

    def get(self, org_id: str, delivery_id: str, *, lock: bool = False) -> Delivery | None:
        statement = select(deliveries).where(deliveries.c.org_id == org_id, deliveries.c.id == delivery_id)
        row = self._session.execute(locked(self._session, statement) if lock else statement).first()
        return _delivery(row) if row else None

    def page(self, org_id: str, filters: dict[str, Any], limit: int,
             after: tuple[datetime, str] | None) -> list[Delivery]:
        query = select(deliveries).where(deliveries.c.org_id == org_id)
        for name, value in filters.items():
            query = query.where(FILTERS[name] == value)
        if after is not None:
            at, last_id = after
            query = query.where(or_(deliveries.c.requested_at < at,
                                    and_(deliveries.c.requested_at == at, deliveries.c.id < last_id)))
        rows = self._session.execute(query.order_by(deliveries.c.requested_at.desc(), deliveries.c.id.desc())
                                     .limit(limit + 1))
        return [_delivery(row) for row in rows]


class SqlDeliveryQueue:
    def __init__(self, session: Session) -> None:
        self._session = session

    def enqueue(self, org_id: str, delivery_id: str, due_at: datetime) -> None:
        statement = dialect_insert(self._session)(delivery_queue).values(
            delivery_id=delivery_id, org_id=org_id, due_at=due_at, leased_until=None)
        self._session.execute(statement.on_conflict_do_update(
            index_elements=["delivery_id"],
            set_={"due_at": statement.excluded.due_at, "leased_until": None, "lease_token": None}))

    def claim(self, now: datetime, limit: int, lease_until: datetime) -> list[Due]:
        token = str(uuid.uuid4())  # one per claim: a later claim of the same row carries another
        rows = claim_due(self._session, delivery_queue, delivery_queue.c.delivery_id, delivery_queue.c.due_at,
                         _claimable(now), limit, lease_until, (delivery_queue.c.delivery_id, delivery_queue.c.org_id),
                         also={"lease_token": token})
        return [Due(row[0], row[1], token) for row in rows]

    def hold(self, item: Due, until: datetime) -> bool:
        return self._session.execute(
            update(delivery_queue).where(delivery_queue.c.delivery_id == item.item_id,
                                         delivery_queue.c.lease_token == item.lease)
            .values(leased_until=until).returning(delivery_queue.c.delivery_id)).first() is not None

    def lease_now(self, org_id: str, delivery_id: str, until: datetime) -> Due:
        token = str(uuid.uuid4())
        self._session.execute(insert(delivery_queue).values(delivery_id=delivery_id, org_id=org_id, due_at=until,
                                                            leased_until=until, lease_token=token))
        return Due(delivery_id, org_id, token)

    def release(self, item: Due) -> None:
        self._session.execute(
            update(delivery_queue).where(delivery_queue.c.delivery_id == item.item_id,
                                         delivery_queue.c.lease_token == item.lease)
            .values(leased_until=None, lease_token=None))

    def remove(self, delivery_id: str) -> None:
        self._session.execute(delete(delivery_queue).where(delivery_queue.c.delivery_id == delivery_id))


def _claimable(now: datetime):
    return and_(delivery_queue.c.due_at <= now,
                or_(delivery_queue.c.leased_until.is_(None), delivery_queue.c.leased_until < now))


def _values(delivery: Delivery) -> dict:
    values = {name: getattr(delivery, name) for name in _MUTABLE}
    values["status"] = str(delivery.status)
    values["refused"] = list(delivery.refused)
    values["error"] = delivery.error.as_dict() if delivery.error else None
    values["attempt_log"] = list(delivery.attempt_log)
    return values


def _delivery(row) -> Delivery:
    data = row._asdict()
    data["status"] = DeliveryStatus(data["status"])
    data["refused"] = tuple(data["refused"] or ())
    data["error"] = DeliveryError(**data["error"]) if data["error"] else None
    data["attempt_log"] = list(data["attempt_log"] or [])
    return Delivery(**data)
