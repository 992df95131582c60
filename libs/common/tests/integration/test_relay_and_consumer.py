"""The outbox → RabbitMQ → inbox path and its failure modes, over real servers."""

from __future__ import annotations

import pytest
from kombu import Connection
from sqlalchemy import select, update

from stitch.common.messaging.errors import PermanentFailure
from stitch.common.testing.waiting import eventually

pytestmark = pytest.mark.integration


def dead_letters(probe) -> list[dict]:
    """Drain the test service's DLQ and return the envelopes found there."""
    import json

    found = []
    with Connection(probe.settings.broker_url) as connection:
        channel = connection.default_channel
        while (message := channel.basic_get(probe.topology.dead_letter_queue("test").name, no_ack=True)):
            try:
                found.append(json.loads(message.body))
            except ValueError:
                found.append({"raw": message.body})
    return found


def test_committed_event_is_relayed_and_applied(probe):
    probe.start_consumer()
    envelope = probe.publish("alpha")
    assert probe.relay().relay_once() == 1
    assert eventually(lambda: probe.applied_values() == ["alpha"], what="event applied")
    with probe.engine.connect() as db:
        row = db.execute(select(probe.metadata.tables["outbox"])).one()
        assert row.sent_at is not None and row.id == envelope.id


def test_rolled_back_use_case_publishes_nothing(probe):
    with probe.uow() as uow:
        uow.set_org("org-1")
        uow.publish("probe.thing_happened.v1", {"value": "never"})  # no commit: leaves the block
    assert probe.relay().relay_once() == 0


def test_redelivered_event_is_applied_once(probe):
    probe.start_consumer()
    probe.publish("once")
    relay = probe.relay()
    relay.relay_once()
    eventually(lambda: probe.applied_values() == ["once"], what="first delivery applied")
    with probe.engine.begin() as db:  # simulate a relay crash between publish and mark: it sends again
        db.execute(update(probe.metadata.tables["outbox"]).values(sent_at=None))
    assert relay.relay_once() == 1
    eventually(lambda: len(probe.calls) >= 1)
    with probe.engine.connect() as db:
        inbox = db.execute(select(probe.metadata.tables["inbox"])).all()
    eventually(lambda: _queue_empty(probe), what="redelivery consumed")
    assert probe.applied_values() == ["once"] and len(inbox) == 1 and len(probe.calls) == 1


def _queue_empty(probe) -> bool:
    with Connection(probe.settings.broker_url) as connection:
        _name, count, _consumers = connection.default_channel.queue_declare(
            probe.topology.queue_name("test"), passive=True)
    return count == 0


def test_transient_failure_is_retried_until_applied(probe):
    failures = {"left": 2}

    def flaky(envelope, uow):
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("database hiccup")

    probe.handler = flaky
    probe.start_consumer()
    probe.publish("flaky")
    probe.relay().relay_once()
    eventually(lambda: probe.applied_values() == ["flaky"], what="applied after retries")
    assert len(probe.calls) == 3 and dead_letters(probe) == []


def test_permanent_failure_is_dead_lettered_and_consumer_keeps_going(probe):
    def picky(envelope, uow):
        if envelope.data["value"] == "poison":
            raise PermanentFailure("value is poison")

    probe.handler = picky
    probe.start_consumer()
    poison = probe.publish("poison")
    probe.publish("healthy")
    probe.relay().relay_once()
    eventually(lambda: probe.applied_values() == ["healthy"], what="the next event applied")
    letters = eventually(lambda: dead_letters(probe), what="poison in the DLQ")
    assert [letter["id"] for letter in letters] == [poison.id]
    assert probe.calls.count(poison.id) == 1  # dead-lettered at once, not retried


def test_failure_that_never_clears_is_dead_lettered_at_the_delivery_limit(probe):
    def always_down(envelope, uow):
        raise TimeoutError("downstream never answers")

    probe.handler = always_down
    probe.start_consumer()
    doomed = probe.publish("doomed")
    probe.relay().relay_once()
    letters = eventually(lambda: dead_letters(probe), what="dead letter after the limit")
    assert [letter["id"] for letter in letters] == [doomed.id]
    assert len(probe.calls) == probe.settings.delivery_limit
    assert probe.applied_values() == []


def test_malformed_message_is_dead_lettered(probe):
    probe.start_consumer()
    with Connection(probe.settings.broker_url) as connection:
        producer = connection.Producer(exchange=probe.topology.events)
        producer.publish(b"{not json", routing_key="probe.thing_happened.v1", content_type="application/json",
                         declare=[probe.topology.events])
    letters = eventually(lambda: dead_letters(probe), what="malformed body in the DLQ")
    assert letters == [{"raw": b"{not json"}]
