"""Templates and accounts wired to real PostgreSQL (migrated by Alembic) and RabbitMQ.

As in production (DESIGN §4), each database is migrated by an owner role and the services
connect as an app role that owns nothing, so row-level security is enforced on what they do.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from stitch.accounts import config as accounts_config
from stitch.accounts.bootstrap import bootstrap as accounts_bootstrap
from stitch.common.runtime import ServiceRuntime
from stitch.common.testing.databases import TenantDatabase
from stitch.templates import config as templates_config
from stitch.templates.bootstrap import bootstrap as templates_bootstrap


@dataclass
class Pair:
    templates: ServiceRuntime
    accounts: ServiceRuntime
    stop: threading.Event
    templates_db: TenantDatabase
    accounts_db: TenantDatabase

    def start_accounts_consumer(self) -> None:
        self._start_consumer(self.accounts)

    def start_templates_consumer(self) -> None:
        self._start_consumer(self.templates)

    def _start_consumer(self, runtime: ServiceRuntime) -> None:
        runtime.declare_topology()
        threading.Thread(target=runtime.consumer().run, args=(self.stop,), daemon=True).start()


@pytest.fixture
def pair(databases, amqp_url, broker_prefix, test_keys) -> Iterator[Pair]:
    common = {"broker_url": amqp_url, "broker_prefix": broker_prefix}
    templates_db, accounts_db = databases.create_with_roles("templates"), databases.create_with_roles("accounts")
    templates = templates_bootstrap(templates_config.load(database_url=templates_db.app_url,
                                                          migrate_database_url=templates_db.owner_url, **common),
                                    verifier=test_keys.verifier())
    accounts = accounts_bootstrap(accounts_config.load(database_url=accounts_db.app_url,
                                                       migrate_database_url=accounts_db.owner_url, **common),
                                  verifier=test_keys.verifier())
    templates.migrate()
    accounts.migrate()
    pair = Pair(templates, accounts, threading.Event(), templates_db, accounts_db)
    yield pair
    pair.stop.set()
    templates.engine.dispose()
    accounts.engine.dispose()
