from __future__ import annotations

import pytest
from flask import Response

from stitch.common.testing.fakes import FakeUnitOfWork
from stitch.gateway import config
from stitch.gateway.adapters.signing_keys import SigningKeys
from stitch.gateway.bootstrap import bootstrap
from stitch.gateway.entrypoints.http import create_app


class RecordingForwarder:
    """Stands in for the HTTP forwarder: records what would be sent to which service."""

    def __init__(self):
        self.calls = []

    def forward(self, base_url, incoming):
        self.calls.append((base_url, incoming.path, dict(incoming.headers)))
        return Response('{"ok": true}', status=200, mimetype="application/json")


@pytest.fixture
def keys(tmp_path):
    return SigningKeys.load_or_create(tmp_path / "keys" / "signing-key.json")


@pytest.fixture
def forwarder():
    return RecordingForwarder()


@pytest.fixture
def probes():
    return {name: {"status": "ready", "checks": {"database": {"ok": True}}} for name in config.SERVICES}


def make_client(tmp_path, keys, forwarder, probes, **settings):
    runtime = bootstrap(config.load(var_dir=tmp_path, **settings), uow=lambda: FakeUnitOfWork("gateway"),
                        keys=keys, probe=lambda urls: probes, forwarder=forwarder)
    return create_app(runtime).test_client()


@pytest.fixture
def client_with(tmp_path, keys, forwarder, probes):
    return lambda **settings: make_client(tmp_path, keys, forwarder, probes, **settings)


@pytest.fixture
def client(client_with):
    return client_with()


@pytest.fixture
def admin_token(client):
    return client.post("/auth/dev/token").get_json()["access_token"]
