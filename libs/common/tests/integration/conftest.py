"""A throwaway "probe" service over real PostgreSQL and RabbitMQ to exercise the messaging mechanics."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Column, Engine, MetaData, String, Table, insert, select

from stitch.common.db.engine import make_engine
from stitch.common.db.messaging_tables import add_messaging_tables
from stitch.common.db.uow import SqlUnitOfWork, make_session_factory
from stitch.common.envelope import Envelope
from stitch.common.messaging import broker
from stitch.common.messaging.consumer import InboxConsumer
from stitch.common.messaging.relay import OutboxRelay
from stitch.common.messaging.topology import Topology
from stitch.common.settings import ServiceSettings

EVENT = "probe.thing_happened.v1"


def probe_metadata() -> tuple[MetaData, Table]:
    metadata = MetaData()
    add_messaging_tables(metadata)
    applied = Table("applied", metadata, Column("event_id", String(36), primary_key=True),
                    Column("value", String(100)))
    return metadata, applied


@dataclass
class Probe:
    settings: ServiceSettings
    engine: Engine
    metadata: MetaData
    applied: Table
    handler: Callable[[Envelope, SqlUnitOfWork], None] | None = None
    calls: list[str] = field(default_factory=list)
    threads: list[tuple[threading.Thread, threading.Event]] = field(default_factory=list)

    @property
    def topology(self) -> Topology:
        return Topology(prefix=self.settings.broker_prefix, delivery_limit=self.settings.delivery_limit)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(make_session_factory(self.engine), self.metadata, "probe")

    def publish(self, value: str, org_id: str = "org-1") -> Envelope:
        with self.uow() as uow:
            uow.set_org(org_id)
            envelope = uow.publish(EVENT, {"value": value})
            uow.commit()
        return envelope

    def relay(self, connect: Callable | None = None) -> OutboxRelay:
        return OutboxRelay(self.engine, self.metadata, connect or (lambda: broker.connect(self.settings)),
                           self.topology, "probe")

    def default_handler(self, envelope: Envelope, uow: SqlUnitOfWork) -> None:
        self.calls.append(envelope.id)
        if self.handler:
            self.handler(envelope, uow)
        uow.session.execute(insert(self.applied).values(event_id=envelope.id, value=envelope.data["value"]))

    def consumer(self) -> InboxConsumer:
        return InboxConsumer(service="test", topology=self.topology, connect=lambda: broker.connect(self.settings),
                             uow_factory=self.uow, handlers={EVENT: self.default_handler}, engine=self.engine,
                             metadata=self.metadata, embedded=self.settings.embedded_broker,
                             delivery_limit=self.settings.delivery_limit, backoff=0.01)

    def start_consumer(self) -> None:
        consumer, stop = self.consumer(), threading.Event()
        with broker.connect(self.settings) as connection:  # bound before anything is published
            self.topology.declare(connection, "test", [EVENT])
        thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
        thread.start()
        self.threads.append((thread, stop))

    def applied_values(self) -> list[str]:
        with self.engine.connect() as db:
            return [row.value for row in db.execute(select(self.applied).order_by(self.applied.c.value))]

    def stop(self) -> None:
        for thread, stop in self.threads:
            stop.set()
            thread.join(timeout=10)
        self.engine.dispose()


@pytest.fixture
def probe(databases, amqp_url, broker_prefix) -> Iterator[Probe]:
    url = databases.create("probe")
    settings = ServiceSettings(service="probe", database_url=url, broker_url=amqp_url, broker_prefix=broker_prefix)
    metadata, applied = probe_metadata()
    engine = make_engine(url)
    metadata.create_all(engine)
    probe = Probe(settings, engine, metadata, applied)
    yield probe
    probe.stop()


@pytest.fixture
def embedded_probe(tmp_path) -> Iterator[Probe]:
    """The same probe on embedded defaults: SQLite and the filesystem:// broker (no servers)."""
    settings = ServiceSettings(service="probe", var_dir=tmp_path, broker_url="filesystem://")
    metadata, applied = probe_metadata()
    engine = make_engine(settings.sqlalchemy_url)
    metadata.create_all(engine)
    probe = Probe(settings, engine, metadata, applied)
    yield probe
    probe.stop()
