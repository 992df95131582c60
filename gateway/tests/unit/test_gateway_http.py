"""The gateway's edge over fakes: tokens, JWKS, routing, ops health. No sockets."""

import pytest

from stitch.common.tokens import JwksSource, TokenVerifier

PASSWORD = "correct horse battery staple"  # the password gateway/tests/conftest.py gives Acme's users


def test_a_login_token_verifies_against_the_published_jwks(client, acme):
    org, users = acme
    token = client.post("/auth/login", json={"email": "admin@acme.com", "password": PASSWORD}).get_json()
    assert token["expires_in"] <= 900 and token["token_type"] == "Bearer"
    jwks = client.get("/.well-known/jwks.json").get_json()
    assert all("d" not in key for key in jwks["keys"])  # never the private part
    principal = TokenVerifier(JwksSource.static(jwks), "stitch", "stitch").verify(token["access_token"])
    assert principal.role == "admin" and principal.org_id == org.id and principal.subject == users["admin"].id


def test_there_is_no_development_login_any_more(client):
    assert client.post("/auth/dev/token").status_code == 401  # not a public route, so not even found


def test_private_routes_need_a_valid_token_at_the_edge(client, forwarder):
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/templates/templates", headers=headers)
        assert response.status_code == 401 and response.content_type == "application/problem+json"
    assert forwarder.calls == []


def test_routes_to_the_owning_service_without_spoofable_headers(client, forwarder, admin_token):
    response = client.get("/api/templates/templates?limit=5", headers={
        "Authorization": f"Bearer {admin_token}", "X-Org-Id": "someone-elses-org", "X-Request-Id": "req-42"})
    assert response.status_code == 200
    [(base_url, path, _headers)] = forwarder.calls
    assert base_url == "http://127.0.0.1:8101" and path == "/api/templates/templates"


def test_unknown_api_is_a_404_problem(client, admin_token):
    response = client.get("/api/billing/invoices", headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 404 and "billing" in response.get_json()["detail"]


def test_ops_health_shows_statuses_to_anyone_and_details_to_admins(client, admin_token, probes):
    anonymous = client.get("/ops/health")
    assert anonymous.status_code == 200
    assert anonymous.get_json()["services"]["templates"] == {"status": "ready"}
    admin = client.get("/ops/health", headers={"Authorization": f"Bearer {admin_token}"}).get_json()
    assert admin["services"]["templates"]["checks"] == {"database": {"ok": True}}


def test_ops_health_reports_a_degraded_part_with_503(client, probes):
    probes["portal"] = {"status": "unreachable", "error": "ConnectionError"}
    response = client.get("/ops/health")
    assert response.status_code == 503 and response.get_json()["status"] == "degraded"
    assert response.get_json()["services"]["portal"] == {"status": "unreachable"}


def test_ops_health_as_a_page(client):
    response = client.get("/ops/health", headers={"Accept": "text/html"})
    assert response.content_type.startswith("text/html") and b"<table>" in response.data


@pytest.mark.parametrize("bad", ["Bearer ", "Bearer a.b.c"])
def test_a_bad_token_on_ops_health_still_gets_statuses_only(client, bad):
    body = client.get("/ops/health", headers={"Authorization": bad}).get_json()
    assert body["services"]["templates"] == {"status": "ready"}
