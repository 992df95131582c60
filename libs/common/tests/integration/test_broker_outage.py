"""Broker unreachable while a use case commits: the outbox keeps the event until it can be sent."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import select

from stitch.common.messaging import broker
from stitch.common.testing.tcp_proxy import TcpProxy
from stitch.common.testing.waiting import eventually

pytestmark = pytest.mark.integration


def test_event_written_during_outage_is_sent_after_recovery(probe):
    target = urlsplit(probe.settings.broker_url)
    proxy = TcpProxy(target.hostname, target.port or 5672)
    via_proxy = urlunsplit(target._replace(netloc=f"{target.username}:{target.password}@127.0.0.1:{proxy.port}"))
    options = {**broker.transport_options(probe.settings), "read_timeout": 3, "write_timeout": 3}
    relay = probe.relay(connect=lambda: broker.connect(probe.settings, transport_options=options)
                        .clone(hostname=via_proxy))
    probe.start_consumer()  # the consumer talks to RabbitMQ directly; only the relay is cut off
    try:
        probe.publish("before")
        assert relay.relay_once() == 1
        proxy.cut()
        envelope = probe.publish("during")  # the use case still commits: nothing waits on the broker
        assert relay.relay_once() == 0
        outbox = probe.metadata.tables["outbox"]
        with probe.engine.connect() as db:
            row = db.execute(select(outbox).where(outbox.c.id == envelope.id)).one()
        assert row.sent_at is None and row.attempts >= 1 and row.last_error
        proxy.restore()
        eventually(lambda: relay.relay_once() or _sent(probe, envelope.id), what="relay recovers")
        eventually(lambda: probe.applied_values() == ["before", "during"], what=f"event applied after outage {probe.applied_values()} {probe.calls}")
    finally:
        proxy.close()


def _sent(probe, event_id: str) -> bool:
    outbox = probe.metadata.tables["outbox"]
    with probe.engine.connect() as db:
        return db.execute(select(outbox.c.sent_at).where(outbox.c.id == event_id)).scalar() is not None
