"""Each part on embedded defaults: Alembic history on SQLite, filesystem:// broker, ready, documented."""

from __future__ import annotations

import importlib

import pytest

pytestmark = pytest.mark.e2e
PARTS = ["gateway", "templates", "accounts", "workflows", "portal", "connectors"]


@pytest.mark.parametrize("part", PARTS)
def test_part_migrates_binds_and_is_ready(part, tmp_path, test_keys):
    config = importlib.import_module(f"stitch.{part}.config")
    bootstrap = importlib.import_module(f"stitch.{part}.bootstrap").bootstrap
    create_app = importlib.import_module(f"stitch.{part}.entrypoints.http").create_app
    settings = config.load(var_dir=tmp_path, broker_url="filesystem://", database_url="")
    runtime = bootstrap(settings) if part == "gateway" else bootstrap(settings, verifier=test_keys.verifier())
    runtime.migrate()
    runtime.migrate()  # a second run finds nothing to do
    runtime.declare_topology()
    client = create_app(runtime).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert set(ready.get_json()["checks"]) == {"database", "broker", "relay_lag"}
    spec = client.get(f"/api/{part}/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert client.get(f"/api/{part}/docs").status_code == 200
    runtime.engine.dispose()
