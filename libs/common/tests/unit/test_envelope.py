import json

import pytest

from stitch.common import context
from stitch.common.envelope import Envelope, MalformedEvent, new_event


def test_new_event_carries_cloudevents_fields_and_context():
    with context.bound(correlation_id="corr-1", request_id="req-1", traceparent=context.new_traceparent()):
        event = new_event("templates", "templates.template_created.v1", {"name": "A"}, "org-1")
    body = json.loads(event.to_json())
    assert body["specversion"] == "1.0" and body["source"] == "/stitch/templates"
    assert body["orgid"] == "org-1" and body["correlationid"] == "corr-1" and body["causationid"] == "req-1"
    assert Envelope.from_json(event.to_json()) == event


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'{"id": "x"}',
                                 b'{"id":"1","source":"/s","type":"bad","time":"t","specversion":"1.0"}'])
def test_malformed_envelopes_are_refused(raw):
    with pytest.raises(MalformedEvent):
        Envelope.from_json(raw)


def test_a_service_cannot_publish_another_services_event_type():
    with pytest.raises(ValueError):
        new_event("accounts", "templates.template_created.v1", {}, "org-1")


@pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")
def test_unit_tests_have_no_sockets():
    import socket

    with pytest.raises(Exception):
        socket.create_connection(("127.0.0.1", 5432), timeout=1)
