"""pytest fixtures every package's tests can use (loaded from the repository's root conftest)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stitch.common.testing import infra
from stitch.common.testing.databases import DatabaseFactory
from stitch.common.testing.fakes import TestKeys
from stitch.common.testing.smtp_server import SmtpTestServer


@pytest.fixture(scope="session")
def run_id() -> str:
    return infra.RUN_ID


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    with infra.postgres_url() as url:
        yield url


@pytest.fixture(scope="session")
def databases(postgres_admin_url: str, run_id: str) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(postgres_admin_url, run_id)
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    with infra.amqp_url() as url:
        yield url


@pytest.fixture
def broker_prefix(run_id: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """Exchange and queue names unique to one test; the test's broker objects are deleted after."""
    prefix = f"t{run_id}.{request.node.name[:40]}.".replace("[", "_").replace("]", "_")
    yield prefix
    url = request.getfixturevalue("amqp_url") if "amqp_url" in request.fixturenames else None
    if url:
        _delete_broker_objects(url, prefix)


def _delete_broker_objects(url: str, prefix: str) -> None:
    from kombu import Connection

    with Connection(url, connect_timeout=5) as connection:
        channel = connection.default_channel
        for service in ("templates", "accounts", "workflows", "portal", "connectors", "gateway", "test"):
            for queue in (f"{prefix}{service}.events", f"{prefix}{service}.events.dlq"):
                try:
                    channel.queue_delete(queue)
                except Exception:  # absent: the channel is closed by the broker, open another
                    channel = connection.channel()
        for exchange in (f"{prefix}stitch.events", f"{prefix}stitch.events.dlx"):
            try:
                channel.exchange_delete(exchange)
            except Exception:
                channel = connection.channel()


@pytest.fixture(scope="session")
def test_keys() -> TestKeys:
    return TestKeys()


@pytest.fixture
def fake_slack():
    """A fake slack.com on loopback (OAuth v2 and the Web API), driven through slack_sdk and Authlib."""
    from stitch.common.testing.fake_slack import FakeSlack

    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    """A real SMTP server on 127.0.0.1 (no TLS: use ``security="none"``) that keeps what it accepts."""
    with SmtpTestServer() as server:
        yield server


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Unit tests (any test under a ``unit/`` folder) may not open sockets: they use fakes."""
    if "unit" in item.path.parts:
        import pytest_socket

        pytest_socket.disable_socket(allow_unix_socket=False)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    if "unit" in item.path.parts:
        import pytest_socket

        pytest_socket.enable_socket()


@pytest.fixture
def migrated_runtime(tmp_path, test_keys):
    """Build a part on a fresh SQLite database migrated by its Alembic history (HTTP e2e tests)."""
    built = []

    def build(bootstrap, config):
        runtime = bootstrap(config.load(var_dir=tmp_path, broker_url="memory://"), verifier=test_keys.verifier())
        runtime.migrate()
        built.append(runtime)
        return runtime

    yield build
    for runtime in built:
        runtime.engine.dispose()
