"""The connectors service as it runs, for integration tests of its use cases and stores.

Each test gets the real runtime from ``bootstrap()`` on a database migrated by the service's
Alembic history: SQLite always, and PostgreSQL (when STITCH_TEST_DATABASE_URL is set or Docker
runs) laid out as in production: a per-run database migrated by its owner role and used by a
non-owner app role under forced row-level security. Mail goes to a real SMTP server on
loopback, Slack is the fake slack.com on loopback, both through the real adapters. Events come
in through the consumer's inbox transaction; what the service publishes is read from its outbox.

The clock is one the tests move. The OAuth adapter computes token expiry from the wall clock, so
the movable clock starts at the wall clock's now.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import types
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import Engine, MetaData, create_engine, select
from sqlalchemy.engine import make_url

from stitch.common.envelope import Envelope, new_event
from stitch.common.messaging.consumer import InboxConsumer
from stitch.common.runtime import ServiceRuntime
from stitch.common.testing.fake_slack import FakeSlack
from stitch.common.testing.smtp_server import SmtpTestServer
from stitch.connectors import config
from stitch.connectors.bootstrap import bootstrap
from stitch.connectors.domain.connections import Connection
from stitch.connectors.domain.deliveries import Delivery

ORG_A, ORG_B = "6a0c1e52-0000-4000-8000-00000000000a", "6a0c1e52-0000-4000-8000-00000000000b"
ADMIN, CSM = "6a0c1e52-0000-4000-8000-0000000ad001", "6a0c1e52-0000-4000-8000-00000000c5a1"
ACCOUNT = "3f6c1e0a-9b7d-4c2e-8f1a-2d3c4b5a6e7f"
SENDER = "onboarding@stitch.test"
PUBLIC_URL = "http://127.0.0.1:8080"
BACKOFF = 60.0  # seconds before the first retry (settings.delivery_backoff_seconds)


def key_entry(key_id: str, fill: int) -> str:
    """A fixed ``<id>:<base64 of 32 bytes>`` entry of STITCH_TOKEN_KEYS (different fill, different key)."""
    return f"{key_id}:{base64.b64encode(bytes([fill]) * 32).decode()}"


K1, K2, K3 = key_entry("k1", 1), key_entry("k2", 2), key_entry("k3", 3)
SUCCEEDED, FAILED = "connectors.delivery_succeeded.v1", "connectors.delivery_failed.v1"
CONNECTION_CHANGED = "connectors.connection_changed.v1"
PRODUCERS = {"accounts": ("accounts", None), "identity": ("gateway", "identity"), "portal": ("portal", None)}


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclasses.dataclass(frozen=True)
class Database:
    backend: str  # "sqlite" or "postgresql"
    url: str  # what the processes connect with (the app role on PostgreSQL)
    owner_url: str | None  # migrations (PostgreSQL's owner role)
    inspect_url: str  # sees every row of every org: the SQLite file, PostgreSQL's superuser (no RLS)


def email_content(**changes: Any) -> dict[str, Any]:
    """An accounts.delivery_requested.v1 email object, as accounts sends it."""
    return {"from_name": "Jordan Lee", "reply_to": "jordan.lee@lumen.example",
            "to": [{"name": "Priya Raman", "email": "priya.raman@northwind.example"}],
            "cc": [{"name": "Sam Ortiz", "email": "sam.ortiz@northwind.example"}],
            "bcc": [{"name": "", "email": "audit@lumen.example"}],
            "subject": "Welcome to Lumen, Priya",
            "body_markdown": "Hi Priya,\n\nYour first step: the **setup questionnaire** in your portal.\n\n"
                             "https://portal.stitch.dev/lumen\n\nTalk soon,\nJordan Lee",
            "notification": False} | changes


class Connectors:
    """One runtime of the connectors service and the tools to drive it like its neighbours do."""

    def __init__(self, runtime: ServiceRuntime, clock: MovableClock, database: Database, smtp: SmtpTestServer,
                 slack: FakeSlack, inspector: Engine) -> None:
        self.runtime, self.clock, self.database = runtime, clock, database
        self.smtp, self.slack, self._inspector = smtp, slack, inspector

    @property
    def use(self):
        return self.runtime.use_cases

    # events in ------------------------------------------------------------------------------------

    def apply(self, envelope: Envelope) -> bool:
        """Through the consumer's inbox transaction, as the broker would hand it over."""
        runtime = self.runtime
        return InboxConsumer(service="connectors", topology=runtime.topology, connect=lambda: None,
                             uow_factory=runtime.uow, handlers=runtime.event_handlers, engine=runtime.engine,
                             metadata=runtime.metadata, embedded=True).apply(envelope)

    def event(self, event_type: str, data: dict[str, Any], org: str = ORG_A) -> Envelope:
        service, namespace = PRODUCERS[event_type.split(".")[0]]
        envelope = new_event(service, event_type, data, org, namespace)
        assert self.apply(envelope)
        return envelope

    def organization(self, org: str = ORG_A, name: str = "Lumen", slug: str = "lumen") -> None:
        self.event("identity.organization_created.v1", {
            "organization_id": org, "name": name, "slug": slug, "email_domain": f"{slug}.example",
            "created_at": self.clock().isoformat()}, org)

    def staff_user(self, user_id: str = CSM, name: str = "Jordan Lee", email: str = "jordan.lee@lumen.example",
                   org: str = ORG_A, role: str = "csm") -> None:
        self.event("identity.user_created.v1", {"user_id": user_id, "email": email, "name": name, "role": role,
                                                "status": "active", "updated_at": self.clock().isoformat()}, org)

    def account(self, account_id: str = ACCOUNT, company_name: str = "Northwind Traders", org: str = ORG_A) -> None:
        """accounts.account_created.v1: connectors now knows the account (a Slack channel can be set for it)."""
        self.event("accounts.account_created.v1", {
            "account_id": account_id, "company_name": company_name, "website": None, "status": "active",
            "primary_csm_id": None, "crm_source": None, "external_id": None,
            "created_at": self.clock().isoformat()}, org)

    def branding(self, org: str = ORG_A, **fields: Any) -> None:
        self.event("portal.branding_changed.v1", {"changed_at": self.clock().isoformat(), **fields}, org)

    def request(self, channel: str, content: dict[str, Any], org: str = ORG_A,
                request_id: str | None = None, account_id: str = ACCOUNT) -> dict[str, Any]:
        """An accounts.delivery_requested.v1 applied; its data (request_id, action_id…)."""
        key = {"email": "email", "slack": "slack"}[channel]
        data = {"request_id": request_id or str(uuid.uuid4()), "account_id": account_id,
                "action_id": str(uuid.uuid4()), "channel": channel, "requested_at": self.clock().isoformat(),
                "auto_sent": False, key: content}
        self.event("accounts.delivery_requested.v1", data, org)
        return data

    def request_email(self, org: str = ORG_A, request_id: str | None = None, **changes: Any) -> dict[str, Any]:
        return self.request("email", email_content(**changes), org, request_id)

    def request_slack(self, channel: str, text: str = "Kickoff is confirmed for Monday 10:00.", org: str = ORG_A,
                      account_id: str = ACCOUNT) -> dict[str, Any]:
        return self.request("slack", {"channel": channel, "text": text}, org, account_id=account_id)

    # deliveries -----------------------------------------------------------------------------------

    def run(self) -> int:
        """One scan of the delivery queue at the clock's now, as the periodic job runs it."""
        return self.use["run_due_deliveries"]()

    def delivery(self, request: dict[str, Any], org: str = ORG_A) -> Delivery:
        found = self.use["deliveries"](org, {"action_id": request["action_id"]}, 10, None)
        assert len(found) == 1, found
        return found[0]

    # events out -----------------------------------------------------------------------------------

    def outbox(self, *types_: str) -> list[dict[str, Any]]:
        """Published envelopes in order, of the given types (all when none given)."""
        table = self.runtime.metadata.tables["outbox"]
        with self.runtime.engine.connect() as db:
            rows = db.execute(select(table.c.envelope).order_by(table.c.seq)).scalars().all()
        return [row for row in rows if not types_ or row["type"] in types_]

    def answers(self) -> list[dict[str, Any]]:
        return self.outbox(SUCCEEDED, FAILED)

    # Slack connections ------------------------------------------------------------------------------

    def approve(self, authorization_url: str) -> dict[str, str]:
        """The admin's browser at Slack's authorize page: the query Slack sends the browser back with."""
        response = requests.get(authorization_url, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        location = response.headers["Location"]
        assert location.startswith(f"{PUBLIC_URL}/oauth/slack/callback?"), location
        return {name: values[-1] for name, values in parse_qs(urlsplit(location).query).items()}

    def connect_slack(self, org: str = ORG_A, user: str = ADMIN) -> Connection:
        """The whole OAuth flow, approved; the org's active Slack connection."""
        started = self.use["start_connect"](org, user, "slack", None)
        back = self.approve(started.authorization_url)
        target = self.use["finish_connect"]("slack", state=back["state"], browser_secret=started.browser_secret,
                                            code=back.get("code"), error=back.get("error"))
        assert "result=connected" in target, target
        return self.slack_connection(org)

    def slack_connection(self, org: str = ORG_A) -> Connection | None:
        return next((c for c in self.use["connections"](org) if c.provider == "slack" and c.active), None)

    # rows -------------------------------------------------------------------------------------------

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of ``table``, whatever its org (RLS does not hide rows from this reader)."""
        return self.all_rows(table)[table]

    def all_rows(self, *only: str) -> dict[str, list[dict[str, Any]]]:
        metadata = MetaData()
        metadata.reflect(self._inspector)
        tables = {name: table for name, table in metadata.tables.items() if not only or name in only}
        with self._inspector.connect() as db:
            return {name: [dict(row._mapping) for row in db.execute(select(table))] for name, table in tables.items()}

    def edit(self, org: str, statement) -> None:
        """Change rows as the service's own role, with the org set (what RLS lets it touch)."""
        with self.runtime.uow() as uow:
            uow.set_org(org)
            uow.session.execute(statement)
            uow.commit()


def cell_text(value: Any) -> str:
    """A column value as searchable text: bytes decoded loosely, documents as JSON."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("latin-1")
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


# fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def database(backend: str, tmp_path, request) -> Database:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'connectors.sqlite'}"
        return Database("sqlite", url, None, url)
    databases = request.getfixturevalue("databases")  # skips without PostgreSQL
    db = databases.create_with_roles("connectors")
    admin = make_url(request.getfixturevalue("postgres_admin_url")).set(database=db.name)
    return Database("postgresql", db.app_url, db.owner_url, admin.render_as_string(hide_password=False))


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def build_connectors(database: Database, clock: MovableClock, tmp_path, smtp_server: SmtpTestServer,
                     fake_slack: FakeSlack, test_keys) -> Iterator[Callable[..., Connectors]]:
    """``build_connectors(token_keys=…, delivery_attempts=…)``: a runtime on the test's database (all
    share it), migrated; settings overrides win over the test defaults."""
    engines: list[Engine] = []
    inspector = create_engine(database.inspect_url)
    engines.append(inspector)

    def build(**overrides: Any) -> Connectors:
        settings = config.load(**({
            "var_dir": tmp_path / "var", "database_url": database.url,
            "migrate_database_url": database.owner_url or "", "env": "prod", "token_keys": K1,
            "broker_url": "memory://", "public_url": PUBLIC_URL, "mail_sender": SENDER,
            "slack_base_url": fake_slack.url, "slack_client_id": "fake-client-id",
            "slack_client_secret": "fake-client-secret", "provider_timeout": 10.0,
            "mail_url": f"smtp://127.0.0.1:{smtp_server.port}?security=none", "mail_timeout": 10.0,
            "delivery_backoff_seconds": BACKOFF} | overrides))
        runtime = bootstrap(settings, clock=clock, verifier=test_keys.verifier())
        runtime.migrate()
        engines.append(runtime.engine)
        return Connectors(runtime, clock, database, smtp_server, fake_slack, inspector)

    yield build
    for engine in engines:
        engine.dispose()


@pytest.fixture
def connectors(build_connectors) -> Connectors:
    return build_connectors()


@pytest.fixture
def kit() -> types.SimpleNamespace:
    """What the tests share (a conftest is not importable under --import-mode=importlib)."""
    return types.SimpleNamespace(
        ORG_A=ORG_A, ORG_B=ORG_B, ADMIN=ADMIN, CSM=CSM, ACCOUNT=ACCOUNT, SENDER=SENDER, PUBLIC_URL=PUBLIC_URL,
        BACKOFF=BACKOFF, K1=K1, K2=K2, K3=K3, SUCCEEDED=SUCCEEDED, FAILED=FAILED,
        CONNECTION_CHANGED=CONNECTION_CHANGED, email_content=email_content, cell_text=cell_text,
        key_entry=key_entry)
