"""The inbox-backed consumer (DESIGN §3).

For each message: record its id in the inbox and run the handler in one transaction, then ack.
- a duplicate (id already in the inbox) is acked and skipped;
- a transient failure is requeued (with a short back-off) until the delivery limit, then
  dead-lettered;
- a permanent failure (malformed envelope, unknown type, :class:`PermanentFailure`) is
  dead-lettered at once.
Dead-lettering is a reject to the DLX on RabbitMQ, and a ``dead_letters`` row in embedded mode
(the virtual transports have no DLX). Nothing is acked that was not applied or kept.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from kombu import Connection, Consumer
from kombu.message import Message
from sqlalchemy import Engine, MetaData, insert

from stitch.common import context, metrics
from stitch.common.envelope import Envelope, MalformedEvent
from stitch.common.messaging.errors import PermanentFailure
from stitch.common.messaging.topology import Topology

log = logging.getLogger(__name__)


class InboxUnitOfWork(Protocol):
    def __enter__(self) -> InboxUnitOfWork: ...
    def __exit__(self, *exc: Any) -> None: ...
    def set_org(self, org_id: str | None) -> None: ...
    def claim_inbox(self, envelope: Envelope) -> bool: ...
    def commit(self) -> None: ...


Handler = Callable[[Envelope, Any], None]


class InboxConsumer:
    def __init__(self, *, service: str, topology: Topology, connect: Callable[[], Connection],
                 uow_factory: Callable[[], InboxUnitOfWork], handlers: Mapping[str, Handler],
                 engine: Engine, metadata: MetaData, embedded: bool, delivery_limit: int = 5,
                 backoff: float = 0.2) -> None:
        self.service = service
        self._topology = topology
        self._connect = connect
        self._uow_factory = uow_factory
        self._handlers = dict(handlers)
        self._engine = engine
        self._dead_letters = metadata.tables["dead_letters"]
        self._embedded = embedded
        self._limit = delivery_limit
        self._backoff = backoff
        self._attempts: OrderedDict[str, int] = OrderedDict()  # local count where brokers keep none

    # -- the loop ---------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        queues = self._topology.service_queues(self.service, self._handlers)
        if not queues:  # subscribes to nothing yet: stay up (it is a process type), do nothing
            log.info("consumer has no subscriptions")
            stop.wait()
            return
        log.info("consumer started on %s", queues[0].name)
        while not stop.is_set():
            try:
                with self._connect() as connection:
                    self._topology.declare(connection, self.service, self._handlers)
                    with Consumer(connection, queues=queues, on_message=self.on_message,
                                  prefetch_count=1, auto_declare=False):
                        while not stop.is_set():
                            try:
                                connection.drain_events(timeout=0.5)
                            except TimeoutError:
                                continue
            except Exception as exc:  # broker gone: reconnect after a pause, never exit
                log.warning("consumer connection lost: %s", exc)
                stop.wait(1.0)
        log.info("consumer stopped")

    # -- one message ------------------------------------------------------------------------
    def on_message(self, message: Message) -> None:
        raw = message.body if isinstance(message.body, bytes) else str(message.body).encode()
        try:
            envelope = Envelope.from_json(raw)
        except MalformedEvent as exc:
            self._dead_letter(message, raw, None, f"malformed: {exc}", attempts=1)
            return
        if envelope.type not in self._handlers:
            self._dead_letter(message, raw, envelope, f"no handler for {envelope.type}", attempts=1)
            return
        try:
            applied = self.apply(envelope)
        except PermanentFailure as exc:
            self._dead_letter(message, raw, envelope, f"permanent: {exc}", attempts=1)
            return
        except Exception as exc:
            self._retry_or_dead_letter(message, raw, envelope, exc)
            return
        self._attempts.pop(envelope.id, None)
        metrics.EVENTS_CONSUMED.labels(self.service, envelope.type, "applied" if applied else "duplicate").inc()
        message.ack()

    def apply(self, envelope: Envelope) -> bool:
        """Run the handler for ``envelope`` exactly once; False if it was applied before."""
        handler = self._handlers[envelope.type]
        with context.bound(correlation_id=envelope.correlationid or envelope.id,
                           causation_id=envelope.id, traceparent=envelope.traceparent):
            with self._uow_factory() as uow:
                uow.set_org(envelope.orgid)
                if not uow.claim_inbox(envelope):
                    log.info("duplicate %s %s skipped", envelope.type, envelope.id)
                    return False
                handler(envelope, uow)
                uow.commit()
        return True

    def _retry_or_dead_letter(self, message: Message, raw: bytes, envelope: Envelope, exc: Exception) -> None:
        attempts = max(self._broker_delivery_count(message), self._attempts.get(envelope.id, 0)) + 1
        self._remember(envelope.id, attempts)
        if attempts >= self._limit:
            self._dead_letter(message, raw, envelope, f"gave up after {attempts} attempts: {exc!r}", attempts)
            return
        log.warning("transient failure %d/%d for %s %s: %r", attempts, self._limit, envelope.type, envelope.id, exc)
        metrics.EVENTS_CONSUMED.labels(self.service, envelope.type, "retried").inc()
        time.sleep(min(self._backoff * 2 ** (attempts - 1), 5.0))
        message.requeue()

    def _dead_letter(self, message: Message, raw: bytes, envelope: Envelope | None, reason: str,
                     attempts: int) -> None:
        event_type = envelope.type if envelope else str(message.delivery_info.get("routing_key", ""))
        log.error("dead-lettering %s %s: %s", event_type, envelope.id if envelope else "?", reason)
        metrics.EVENTS_CONSUMED.labels(self.service, event_type or "unknown", "dead_lettered").inc()
        if envelope:
            self._attempts.pop(envelope.id, None)
        if not self._embedded:
            message.reject(requeue=False)  # → stitch.events.dlx → <service>.events.dlq
            return
        with self._engine.begin() as db:
            db.execute(insert(self._dead_letters).values(
                event_id=envelope.id if envelope else message.properties.get("message_id"),
                event_type=event_type, body=raw.decode("utf-8", "replace"), reason=reason[:4000],
                attempts=attempts, failed_at=datetime.now(UTC)))
        message.ack()  # kept in the table: acking now loses nothing

    @staticmethod
    def _broker_delivery_count(message: Message) -> int:
        # Quorum queues count returned deliveries in this header.
        return int((message.headers or {}).get("x-delivery-count") or 0)

    def _remember(self, event_id: str, attempts: int) -> None:
        self._attempts[event_id] = attempts
        self._attempts.move_to_end(event_id)
        while len(self._attempts) > 10_000:
            self._attempts.popitem(last=False)
