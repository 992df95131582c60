"""Embedded mode has no dead-letter exchange: failed events land in the dead_letters table."""

from __future__ import annotations

from sqlalchemy import select

from stitch.common.messaging.errors import PermanentFailure
from stitch.common.testing.waiting import eventually


def dead_letter_rows(probe):
    with probe.engine.connect() as db:
        return db.execute(select(probe.metadata.tables["dead_letters"])).all()


def test_permanent_and_exhausted_failures_are_kept_and_the_rest_applied(embedded_probe):
    probe = embedded_probe

    def handler(envelope, uow):
        if envelope.data["value"] == "poison":
            raise PermanentFailure("value is poison")
        if envelope.data["value"] == "flaky-forever":
            raise ConnectionError("never recovers")

    probe.handler = handler
    probe.start_consumer()
    poison, stuck = probe.publish("poison"), probe.publish("flaky-forever")
    probe.publish("fine")
    assert probe.relay().relay_once() == 3
    eventually(lambda: len(dead_letter_rows(probe)) == 2, what="two dead letters")
    eventually(lambda: probe.applied_values() == ["fine"], what="the healthy event applied")
    rows = {row.event_id: row for row in dead_letter_rows(probe)}
    assert rows[poison.id].attempts == 1 and "poison" in rows[poison.id].reason
    assert rows[stuck.id].attempts == probe.settings.delivery_limit
    assert poison.id in rows[poison.id].body  # the whole message is kept for replay
