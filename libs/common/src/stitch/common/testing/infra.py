"""Where integration tests find PostgreSQL and RabbitMQ (DESIGN §7).

An explicit ``STITCH_TEST_*_URL`` wins; else testcontainers if a Docker engine answers; else the
test is skipped with a loud reason, or fails when ``CI`` is set, so CI can never pass by
skipping its integration tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pytest

RUN_ID = uuid.uuid4().hex[:10]  # one per pytest session: names of databases, roles, queues


def _docker_answers() -> bool:
    try:
        import docker

        return bool(docker.from_env(timeout=3).ping())
    except Exception:
        return False


def missing(what: str) -> None:
    reason = f"{what}: set STITCH_TEST_{what.upper()}_URL or run a Docker engine"
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI requires every integration test to run)")
    pytest.skip(f"SKIPPED INTEGRATION TEST — {reason}")


@contextmanager
def postgres_url() -> Iterator[str]:
    if url := os.environ.get("STITCH_TEST_DATABASE_URL"):
        yield url
        return
    if not _docker_answers():
        missing("database")
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine", driver="psycopg") as container:
        yield container.get_connection_url()


@contextmanager
def amqp_url() -> Iterator[str]:
    if url := os.environ.get("STITCH_TEST_AMQP_URL"):
        yield url
        return
    if not _docker_answers():
        missing("amqp")
    from testcontainers.rabbitmq import RabbitMqContainer

    with RabbitMqContainer("rabbitmq:3.13-alpine") as container:
        yield (f"amqp://{container.username}:{container.password}@{container.get_container_host_ip()}:"
               f"{container.get_exposed_port(container.port)}/{quote(container.vhost, safe='')}")
