"""Templates and accounts wired to real PostgreSQL (migrated by Alembic) and RabbitMQ."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from stitch.accounts import config as accounts_config
from stitch.accounts.bootstrap import bootstrap as accounts_bootstrap
from stitch.common.runtime import ServiceRuntime
from stitch.templates import config as templates_config
from stitch.templates.bootstrap import bootstrap as templates_bootstrap


@dataclass
class Pair:
    templates: ServiceRuntime
    accounts: ServiceRuntime
    stop: threading.Event

    def start_accounts_consumer(self) -> None:
        self.accounts.declare_topology()
        threading.Thread(target=self.accounts.consumer().run, args=(self.stop,), daemon=True).start()


@pytest.fixture
def pair(databases, amqp_url, broker_prefix, test_keys) -> Iterator[Pair]:
    common = {"broker_url": amqp_url, "broker_prefix": broker_prefix}
    templates = templates_bootstrap(templates_config.load(database_url=databases.create("templates"), **common),
                                    verifier=test_keys.verifier())
    accounts = accounts_bootstrap(accounts_config.load(database_url=databases.create("accounts"), **common),
                                  verifier=test_keys.verifier())
    templates.migrate()
    accounts.migrate()
    pair = Pair(templates, accounts, threading.Event())
    yield pair
    pair.stop.set()
    templates.engine.dispose()
    accounts.engine.dispose()
