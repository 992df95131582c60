"""The real forwarder over real HTTP: gateway → templates app served on a loopback port."""

import threading

import pytest
from argon2 import PasswordHasher
from werkzeug.serving import make_server

from stitch.common.tokens import JwksSource, TokenVerifier
from stitch.gateway import config as gateway_config
from stitch.gateway.adapters.passwords import Argon2Passwords
from stitch.gateway.bootstrap import bootstrap as gateway_bootstrap
from stitch.gateway.entrypoints.http import create_app as gateway_app
from stitch.templates import config as templates_config
from stitch.templates.bootstrap import bootstrap as templates_bootstrap
from stitch.templates.entrypoints.http import create_app as templates_app

pytestmark = pytest.mark.e2e


PASSWORD = "correct horse battery staple"


def _gateway_runtime(tmp_path, **settings):
    """The gateway on its migrated SQLite store, with a demo org whose admin can sign in."""
    runtime = gateway_bootstrap(gateway_config.load(var_dir=tmp_path, broker_url="memory://", **settings),
                                passwords=Argon2Passwords(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)))
    runtime.migrate()
    runtime.use_cases["seed_demo"](PASSWORD)
    return runtime


def _sign_in(client):
    response = client.post("/auth/login", json={"email": "admin@demo.stitch.test", "password": PASSWORD})
    return response.get_json()["access_token"]


@pytest.fixture
def gateway(tmp_path):
    gw_runtime = _gateway_runtime(tmp_path)
    verifier = TokenVerifier(JwksSource.static(gw_runtime.use_cases["jwks"]()), "stitch", "stitch")
    templates = templates_bootstrap(templates_config.load(var_dir=tmp_path, broker_url="memory://"),
                                    verifier=verifier)
    templates.migrate()
    server = make_server("127.0.0.1", 0, templates_app(templates), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    gw_runtime = _gateway_runtime(tmp_path, templates_url=f"http://127.0.0.1:{server.port}")
    yield gateway_app(gw_runtime).test_client()
    server.shutdown()
    templates.engine.dispose()


def test_a_request_travels_through_the_gateway_with_ids(gateway):
    token = _sign_in(gateway)
    auth = {"Authorization": f"Bearer {token}", "X-Request-Id": "req-from-client"}
    created = gateway.post("/api/templates/templates", json={"name": "Through the gateway"}, headers=auth)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.headers["X-Request-Id"] == "req-from-client"
    listed = gateway.get("/api/templates/templates", headers=auth).get_json()
    assert [t["name"] for t in listed["items"]] == ["Through the gateway"]
    problem = gateway.post("/api/templates/templates", json={}, headers=auth)
    assert problem.status_code == 422 and problem.content_type == "application/problem+json"


def test_a_service_that_does_not_answer_is_a_502(tmp_path):
    client = gateway_app(_gateway_runtime(tmp_path, accounts_url="http://127.0.0.1:9")).test_client()
    token = _sign_in(client)
    response = client.get("/api/accounts/template-catalog", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 502 and response.content_type == "application/problem+json"


def test_an_oauth_callback_reaches_connectors_with_its_one_cookie(tmp_path):
    """The provider sends the admin's browser back without a token: the gateway forwards the
    callback to connectors with the flow's binding cookie and no other (the refresh cookie stays)."""
    from flask import Flask, jsonify, request

    seen = {}
    connectors = Flask("fake-connectors")

    @connectors.get("/oauth/<provider>/callback")
    def callback(provider):
        seen.update(provider=provider, cookie=request.headers.get("Cookie"), query=request.args.to_dict())
        response = jsonify(ok=True)
        response.set_cookie("stitch_oauth", "", max_age=0, path="/oauth/")
        return response

    server = make_server("127.0.0.1", 0, connectors, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = gateway_app(_gateway_runtime(tmp_path, connectors_url=f"http://127.0.0.1:{server.port}")).test_client()
        client.set_cookie("stitch_oauth", "browser-secret", path="/oauth/")
        client.set_cookie("stitch_refresh", "refresh-token-value", path="/")
        answer = client.get("/oauth/slack/callback?code=c0de&state=st4te")
    finally:
        server.shutdown()
    assert answer.status_code == 200
    assert seen == {"provider": "slack", "cookie": "stitch_oauth=browser-secret",
                    "query": {"code": "c0de", "state": "st4te"}}
    assert "stitch_oauth=;" in answer.headers["Set-Cookie"]  # the service's answer comes back whole
