"""The gateway's own outbox, relay and consumer over PostgreSQL (as the app role) and RabbitMQ:
identity.* events go out; portal.contact_invited.v1 comes in and creates a portal principal."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from kombu import Connection, Queue
from sqlalchemy import text

from stitch.common.envelope import Envelope
from stitch.common.testing.waiting import eventually
from stitch.gateway import config
from stitch.gateway.adapters.passwords import Argon2Passwords
from stitch.gateway.application.organizations import CreateOrganization, CreateUser
from stitch.gateway.bootstrap import bootstrap

pytestmark = pytest.mark.integration
INVITED = json.loads((Path(__file__).resolve().parents[3] / "docs" / "events" / "portal.contact_invited.v1.json")
                     .read_text())["examples"][0]


@pytest.fixture
def gateway(databases, amqp_url, broker_prefix, tmp_path):
    db = databases.create_with_roles("gateway")
    runtime = bootstrap(config.load(database_url=db.app_url, migrate_database_url=db.owner_url, var_dir=tmp_path,
                                    broker_url=amqp_url, broker_prefix=broker_prefix),
                        passwords=Argon2Passwords(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)),
                        probe=lambda urls: {}, dns=lambda name: [])
    runtime.migrate()
    runtime.declare_topology()
    stop = threading.Event()
    yield runtime, stop
    stop.set()
    runtime.engine.dispose()


def test_identity_events_are_published_through_the_outbox(gateway, amqp_url):
    runtime, _ = gateway
    topology = runtime.topology
    with Connection(amqp_url) as connection:
        listener = Queue(f"{runtime.settings.broker_prefix}listener", topology.events, routing_key="identity.#",
                         exclusive=True, auto_delete=True)
        bound = listener(connection.default_channel)
        bound.declare()
        org = runtime.use_cases["create_organization"](CreateOrganization("Acme", "acme", "acme.com"))
        runtime.use_cases["create_user"](CreateUser("acme", "ann@acme.com", "Ann", "csm", "correct horse battery"))
        assert runtime.relay().relay_once() == 2
        received = []

        def take() -> bool:
            message = bound.get(no_ack=True, accept=["application/cloudevents+json"])
            if message is not None:
                received.append(Envelope.from_json(message.body))
            return len(received) == 2

        eventually(take, timeout=15, what="both identity events")
    events = received
    assert [e.type for e in events] == ["identity.organization_created.v1", "identity.user_created.v1"]
    assert all(e.orgid == org.id and e.source == "/stitch/gateway" for e in events)
    assert events[1].data["email"] == "ann@acme.com" and "password" not in json.dumps(events[1].data)


def test_a_contact_invitation_creates_a_portal_principal_once(gateway, amqp_url):
    runtime, stop = gateway
    org = runtime.use_cases["create_organization"](CreateOrganization("Acme", "acme", "acme.com"))
    threading.Thread(target=runtime.consumer().run, args=(stop,), daemon=True).start()
    envelope = {**INVITED, "orgid": org.id}
    with Connection(amqp_url) as connection:
        producer = connection.Producer()
        for _ in range(2):  # the portal's relay may send it twice: the inbox applies it once
            producer.publish(json.dumps(envelope), exchange=runtime.topology.events,
                             routing_key="portal.contact_invited.v1", message_id=envelope["id"],
                             content_type="application/json", delivery_mode=2)

    def principals():
        with runtime.engine.connect() as db:
            return db.execute(text("SELECT org_id, account_id, email FROM portal_principals")).all()

    eventually(lambda: principals(), timeout=20, what="the portal principal")
    eventually(lambda: _inbox_count(runtime) == 1, timeout=10)
    assert principals() == [(org.id, INVITED["data"]["account_id"], "dana@customer.example")]


def _inbox_count(runtime) -> int:
    with runtime.engine.connect() as db:
        return db.execute(text("SELECT count(*) FROM inbox")).scalar()
