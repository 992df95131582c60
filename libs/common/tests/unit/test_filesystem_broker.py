"""The embedded broker's messages appear whole: a consumer listing the folder while a message is
being written must not find it (kombu's own filesystem transport writes it in place, and a
consumer that moves it away mid-write loses it)."""

from __future__ import annotations

import builtins
import os

from kombu import Exchange, Producer, Queue

from stitch.common.messaging.broker import connect
from stitch.common.settings import ServiceSettings


def test_a_message_is_never_visible_half_written(tmp_path, monkeypatch):
    settings = ServiceSettings(service="test", var_dir=tmp_path, broker_url="filesystem://")
    exchange = Exchange("stitch.events", type="topic")
    queue = Queue("test.events", exchange, routing_key="things.#")
    data = tmp_path / "broker" / "data"
    seen_while_writing: list[list[str]] = []
    real_open = builtins.open

    def watching_open(path, mode="r", *args, **kwargs):
        file = real_open(path, mode, *args, **kwargs)
        if "w" in mode and str(path).startswith(str(data)):
            write = file.write

            def write_and_look(chunk):
                seen_while_writing.append([n for n in os.listdir(data) if n.endswith(".test.events.msg")])
                return write(chunk)
            file.write = write_and_look
        return file

    with connect(settings) as connection:
        queue(connection.default_channel).declare()
        monkeypatch.setattr(builtins, "open", watching_open)
        Producer(connection.default_channel, exchange=exchange).publish({"n": 1}, routing_key="things.done")
        monkeypatch.setattr(builtins, "open", real_open)
        assert seen_while_writing == [[]], "a consumer could have taken the message before it was written"
        message = queue(connection.default_channel).get(no_ack=True)
    assert message is not None and message.payload == {"n": 1}
