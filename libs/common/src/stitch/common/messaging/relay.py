"""The outbox relay: publishes committed outbox rows with publisher confirms, then marks them.

At-least-once: a crash between publish and mark re-sends a row, which the consumers' inbox
absorbs. Rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so several relays can
run side by side; SQLite ignores the clause (embedded mode runs one relay per service).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from kombu import Connection, Producer
from sqlalchemy import Engine, MetaData, func, select, update

from stitch.common import metrics
from stitch.common.messaging.topology import Topology

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(self, engine: Engine, metadata: MetaData, connect: Callable[[], Connection],
                 topology: Topology, service: str, batch_size: int = 100) -> None:
        self._engine = engine
        self._outbox = metadata.tables["outbox"]
        self._connect = connect
        self._topology = topology
        self._service = service
        self._batch_size = batch_size
        self._connection: Connection | None = None
        self._producer: Producer | None = None

    def relay_once(self) -> int:
        """Publish one batch in commit order; returns how many rows were sent."""
        outbox, sent = self._outbox, 0
        with self._engine.begin() as db:
            rows = db.execute(
                select(outbox.c.seq, outbox.c.id, outbox.c.routing_key, outbox.c.envelope)
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.seq)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                try:
                    self._publish(row.id, row.routing_key, row.envelope)
                except Exception as exc:  # broker down, confirm refused: keep the row, retry later
                    self._reset_connection()
                    metrics.RELAY_FAILURES.labels(self._service).inc()
                    log.warning("relay could not publish %s: %s", row.id, exc)
                    db.execute(update(outbox).where(outbox.c.seq == row.seq).values(
                        attempts=outbox.c.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]))
                    break  # later rows wait: publishing out of order would reorder a stream
                db.execute(update(outbox).where(outbox.c.seq == row.seq).values(
                    sent_at=datetime.now(UTC), attempts=outbox.c.attempts + 1, last_error=None))
                metrics.EVENTS_PUBLISHED.labels(self._service, row.routing_key).inc()
                sent += 1
        metrics.OUTBOX_LAG.labels(self._service).set(self.lag_seconds())
        return sent

    def lag_seconds(self) -> float:
        """Age of the oldest unsent row (0 when the outbox is drained)."""
        with self._engine.connect() as db:
            oldest = db.execute(select(func.min(self._outbox.c.created_at))
                                .where(self._outbox.c.sent_at.is_(None))).scalar()
        if oldest is None:
            return 0.0
        return max(0.0, (datetime.now(UTC) - oldest).total_seconds())

    def run(self, stop: threading.Event, interval: float = 0.2) -> None:
        log.info("relay started")
        while not stop.is_set():
            try:
                busy = self.relay_once()
            except Exception:  # the database itself failed: back off, never die
                log.exception("relay pass failed")
                busy = 0
            if not busy:
                stop.wait(interval)
        self._reset_connection()
        log.info("relay stopped")

    def _publish(self, event_id: str, routing_key: str, envelope: dict) -> None:
        if self._producer is None:
            self._connection = self._connect()
            self._connection.ensure_connection(max_retries=1)
            # Declaring the exchange on every producer matters for the virtual transports: without
            # it a filesystem:// publisher treats the exchange as "direct" and drops topic traffic.
            self._producer = Producer(self._connection.channel(), exchange=self._topology.events,
                                      auto_declare=True)
        self._producer.publish(
            json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode(),
            routing_key=routing_key,
            content_type="application/cloudevents+json",
            content_encoding="utf-8",
            message_id=event_id,
            delivery_mode=2,
            headers={"traceparent": envelope.get("traceparent") or "", "orgid": envelope.get("orgid") or ""},
            retry=False,
        )

    def _reset_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # already broken; nothing left to close cleanly
                pass
        self._connection, self._producer = None, None
