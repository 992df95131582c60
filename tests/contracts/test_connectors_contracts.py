"""connectors against docs/events: a real SQLite journey (a real SMTP server, FakeSlack) publishes
every documented connectors.* type, each outbox row validates, and every type connectors consumes
is documented and its documented example is understood."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from stitch.common.envelope import Envelope
from stitch.common.messaging.consumer import InboxConsumer
from stitch.common.runtime import ServiceRuntime
from stitch.common.testing.fake_slack import FakeSlack
from stitch.common.testing.smtp_server import SmtpTestServer
from stitch.connectors import config as connectors_config
from stitch.connectors.bootstrap import bootstrap as connectors_bootstrap
from tests.contracts.test_event_contracts import ORG, example, schemas, validator

ADMIN = "00000000-0000-4000-8000-0000000ad300"  # the user of the documented identity examples
TOKEN_KEYS = "contract1:" + base64.b64encode(bytes(range(32))).decode()
# What connectors consumes (its reactions); a test holds the runtime to this list.
CONSUMED = ("accounts.delivery_requested.v1", "accounts.account_created.v1", "accounts.account_updated.v1",
            "identity.organization_created.v1", "identity.organization_updated.v1",
            "identity.user_created.v1", "identity.user_updated.v1", "identity.user_deactivated.v1",
            "portal.branding_changed.v1")


@pytest.fixture
def connectors(tmp_path, test_keys, fake_slack: FakeSlack, smtp_server: SmtpTestServer) -> Iterator[ServiceRuntime]:
    settings = connectors_config.load(
        var_dir=tmp_path, broker_url="memory://", env="prod", token_keys=TOKEN_KEYS,
        mail_url=f"smtp://127.0.0.1:{smtp_server.port}?security=none", delivery_backoff_seconds=0,
        slack_base_url=fake_slack.url, slack_client_id=fake_slack.client_id,
        slack_client_secret=fake_slack.client_secret, public_url="http://stitch.test")
    runtime = connectors_bootstrap(settings, verifier=test_keys.verifier())
    runtime.migrate()
    yield runtime
    runtime.engine.dispose()


def apply(runtime: ServiceRuntime, event: dict) -> bool:
    """Through the consumer's own inbox transaction: a PermanentFailure here is a dead letter."""
    return InboxConsumer(service="connectors", topology=runtime.topology, connect=lambda: None,
                         uow_factory=runtime.uow, handlers=runtime.event_handlers, engine=runtime.engine,
                         metadata=runtime.metadata, embedded=True).apply(Envelope.from_dict(event))


def documented(event_type: str, **data) -> dict:
    event = example(event_type)
    event["id"], event["orgid"] = str(uuid.uuid4()), ORG
    event["data"].update(data)
    validator(schemas()[event_type]).validate(event)  # what we feed is itself as documented
    return event


def delivery_request(channel: str, content: dict) -> dict:
    event = example("accounts.delivery_requested.v1")
    event["id"], event["orgid"] = str(uuid.uuid4()), ORG
    event["data"].pop("email")
    event["data"].update({"request_id": str(uuid.uuid4()), "account_id": str(uuid.uuid4()),
                          "action_id": str(uuid.uuid4()), "channel": channel,
                          "requested_at": datetime.now(UTC).isoformat(), channel: content})
    validator(schemas()["accounts.delivery_requested.v1"]).validate(event)
    return event


def connect_slack(runtime: ServiceRuntime) -> None:
    """The OAuth flow through connectors' use cases, the browser's visit to Slack a real request."""
    use = runtime.use_cases
    started = use["start_connect"](ORG, ADMIN, "slack", None)
    answer = requests.get(started.authorization_url, allow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    back = use["finish_connect"]("slack", state=query["state"][0], browser_secret=started.browser_secret,
                                 code=query["code"][0], error=None)
    assert "result=connected" in back, back


def outbox(runtime: ServiceRuntime) -> list:
    table = runtime.metadata.tables["outbox"]
    with runtime.engine.connect() as db:
        return db.execute(select(table).order_by(table.c.seq)).all()


def test_connectors_publishes_every_documented_event_as_documented(connectors, fake_slack, smtp_server):
    fake_slack.add_channel("#acme-onboarding", member=True)
    fake_slack.add_channel("#vendor-private", member=False)
    apply(connectors, documented("identity.organization_created.v1"))
    apply(connectors, documented("identity.user_created.v1"))
    connect_slack(connectors)
    email = example("accounts.delivery_requested.v1")["data"]["email"]
    apply(connectors, delivery_request("email", email))  # delivered
    apply(connectors, delivery_request("slack", {"channel": "#acme-onboarding", "text": "Kickoff today."}))
    apply(connectors, delivery_request("slack", {"channel": "#vendor-private", "text": "Not in here."}))
    assert connectors.use_cases["run_all_due_deliveries"]() == 3
    smtp_server.fail_next(1, "554 5.7.1 Message rejected")
    apply(connectors, delivery_request("email", email))  # refused
    assert connectors.use_cases["run_all_due_deliveries"]() == 1
    connectors.use_cases["disconnect"](ORG, ADMIN, "slack")

    rows = outbox(connectors)
    documented_types = schemas()
    for row in rows:
        assert row.envelope["type"] == row.routing_key
        assert row.routing_key in documented_types, f"{row.routing_key} is published without a schema"
        validator(documented_types[row.routing_key]).validate(row.envelope)
        assert row.envelope["orgid"] == ORG
    secrets = [t for issued in fake_slack.issued for t in (issued.access_token, issued.refresh_token)]
    assert secrets and not [row.routing_key for row in rows for s in secrets if s in str(row.envelope)]
    produced = [row.routing_key for row in rows]
    never = {name for name in documented_types if name.startswith("connectors.")} - set(produced)
    assert not never, f"documented but not produced by the journey: {sorted(never)}"
    assert produced.count("connectors.delivery_succeeded.v1") == 2  # the email and the Slack message
    assert produced.count("connectors.delivery_failed.v1") == 2  # the 554 and the channel the app is not in
    changes = [row.envelope["data"]["status"] for row in rows if row.routing_key == "connectors.connection_changed.v1"]
    assert changes == ["connected", "disconnected"]
    failures = {row.envelope["data"]["error"]["code"] for row in rows
                if row.routing_key == "connectors.delivery_failed.v1"}
    assert failures == {"rejected", "bot_not_in_channel"}


def test_connectors_consumes_the_types_it_is_known_to(connectors):
    assert set(connectors.event_handlers) == set(CONSUMED)


@pytest.mark.parametrize("event_type", CONSUMED)
def test_connectors_understands_the_documented_example(connectors, event_type):
    assert event_type in schemas(), f"connectors consumes {event_type}, which docs/events lacks"
    event = example(event_type)
    validator(schemas()[event_type]).validate(event)
    assert apply(connectors, event) is True  # a PermanentFailure (a dead letter) would raise here
    data = event["data"]
    with connectors.uow() as uow:
        uow.set_org(event["orgid"])
        if event_type.startswith("identity.organization_"):
            assert uow.directory.org(event["orgid"]).name == data["name"]
        elif event_type.startswith("identity.user_"):
            user = uow.directory.user(event["orgid"], data["user_id"])
            assert (user.name, user.email, user.active) == (data["name"], data["email"], data["status"] == "active")
        elif event_type == "portal.branding_changed.v1":
            assert uow.directory.branding(event["orgid"]) is not None
        elif event_type.startswith("accounts.account_"):
            assert uow.account_channels.known(event["orgid"], data["account_id"])
    if event_type == "accounts.delivery_requested.v1":
        [delivery] = connectors.use_cases["deliveries"](event["orgid"], {}, 10, None)
        assert (delivery.request_id, delivery.status.value) == (data["request_id"], "queued")
