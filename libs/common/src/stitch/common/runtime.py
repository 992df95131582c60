"""What a service hands to the shared process entrypoints: its wiring, minus the HTTP views.

A service's ``bootstrap()`` returns a :class:`ServiceRuntime`; the CLI turns it into the
``migrate``, ``relay``, ``consumer``, ``worker``, ``beat`` and ``embedded`` processes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kombu import Connection
from sqlalchemy import Engine, MetaData

from stitch.common.db.migrate import upgrade
from stitch.common.http.health import Check, broker_check, database_check, relay_lag_check
from stitch.common.jobs import Job, JobQueue, Periodic
from stitch.common.messaging import broker
from stitch.common.messaging.consumer import Handler, InboxConsumer
from stitch.common.messaging.relay import OutboxRelay
from stitch.common.messaging.topology import Topology
from stitch.common.settings import ServiceSettings
from stitch.common.tokens import JwksSource, TokenVerifier


@dataclasses.dataclass
class ServiceRuntime:
    settings: ServiceSettings
    service_root: Path  # where alembic.ini and migrations/ live
    engine: Engine | None  # None when unit tests inject a fake unit of work
    metadata: MetaData
    uow: Callable[[], Any]  # a fresh unit of work per use
    event_handlers: Mapping[str, Handler] = dataclasses.field(default_factory=dict)
    jobs: Mapping[str, Job] = dataclasses.field(default_factory=dict)
    job_queue: JobQueue | None = None
    periodic: Mapping[str, Periodic] = dataclasses.field(default_factory=dict)  # beat / embedded threads
    verifier: TokenVerifier | None = None
    use_cases: Mapping[str, Callable[..., Any]] = dataclasses.field(default_factory=dict)

    @property
    def topology(self) -> Topology:
        return Topology(prefix=self.settings.broker_prefix, delivery_limit=self.settings.delivery_limit)

    def connect(self, **kwargs: Any) -> Connection:
        return broker.connect(self.settings, **kwargs)

    def migrate(self) -> None:
        """Run the Alembic history as the owner role; grant the runtime role (DESIGN §4)."""
        upgrade(self.service_root, self.settings.migrate_sqlalchemy_url, runtime_url=self.settings.sqlalchemy_url)

    def declare_topology(self) -> None:
        with self.connect() as connection:
            self.topology.declare(connection, self.settings.service, self.event_handlers)

    def relay(self) -> OutboxRelay:
        def connect() -> Connection:
            # Bounded socket waits, so a broker that stops answering fails a publish, not the relay.
            return broker.connect(self.settings, transport_options={
                **broker.transport_options(self.settings), "read_timeout": 5, "write_timeout": 5})

        return OutboxRelay(self.engine, self.metadata, connect, self.topology, self.settings.service,
                           batch_size=self.settings.relay_batch)

    def consumer(self) -> InboxConsumer:
        return InboxConsumer(service=self.settings.service, topology=self.topology, connect=self.connect,
                             uow_factory=self.uow, handlers=self.event_handlers, engine=self.engine,
                             metadata=self.metadata, embedded=self.settings.embedded_broker,
                             delivery_limit=self.settings.delivery_limit)

    def readiness_checks(self) -> dict[str, Check]:
        if self.engine is None:
            return {}
        return {
            "database": database_check(self.engine),
            "broker": broker_check(self.connect),
            "relay_lag": relay_lag_check(self.relay().lag_seconds),
        }


def build_runtime(settings: ServiceSettings, service_root: Path, metadata: MetaData, uow_class: type, *,
                  uow: Callable[[], Any] | None = None, verifier: TokenVerifier | None = None) -> ServiceRuntime:
    """The parts every bootstrap shares: real SQL units of work unless a fake factory is given,
    and the gateway's JWKS unless a verifier is given. The caller adds use cases and handlers
    with :func:`dataclasses.replace`."""
    engine = None
    if uow is None:
        engine, uow = sql_unit_of_work(settings, metadata, uow_class)
    return ServiceRuntime(settings=settings, service_root=service_root, engine=engine, metadata=metadata,
                          uow=uow, verifier=verifier or default_verifier(settings))


def sql_unit_of_work(settings: ServiceSettings, metadata: MetaData,
                     uow_class: type) -> tuple[Engine, Callable[[], Any]]:
    """The engine and a factory of fresh units of work of ``uow_class`` for one service."""
    from stitch.common.db.engine import make_engine
    from stitch.common.db.uow import make_session_factory

    engine = make_engine(settings.sqlalchemy_url)
    sessions = make_session_factory(engine)
    return engine, lambda: uow_class(sessions, metadata, settings.service)


def default_verifier(settings: ServiceSettings) -> TokenVerifier:
    return TokenVerifier(JwksSource.from_url(settings.jwks_url), settings.token_issuer, settings.token_audience)
