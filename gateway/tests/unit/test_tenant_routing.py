"""Which org a request belongs to, and which cell serves it. Headers never decide."""

import json

import pytest

from stitch.common.tokens import JwksSource, TokenVerifier
from stitch.gateway.adapters.forwarder import PASSED_REQUEST_HEADERS


def test_a_spoofed_org_header_is_ignored(client, bearer, forwarder, acme, globex):
    headers = {**bearer("csm"), "X-Org-Id": globex[0].id, "X-Tenant-Id": globex[0].id}
    assert client.get("/api/templates/templates", headers=headers).status_code == 200
    [(_, _, sent)] = forwarder.calls
    # The real forwarder passes an allow-list of headers; a tenant header is not on it.
    assert not {"x-org-id", "x-tenant-id"} & {name.lower() for name in PASSED_REQUEST_HEADERS}
    jwks = client.get("/.well-known/jwks.json").get_json()
    token = sent["Authorization"].removeprefix("Bearer ")
    assert TokenVerifier(JwksSource.static(jwks), "stitch", "stitch").verify(token).org_id == acme[0].id


def test_an_org_moved_to_another_cell_is_served_there(client_with, uow, acme, forwarder, runtime):
    org, users = acme
    uow.state["organizations"][org.id].cell = "eu-2"
    cells = json.dumps({"eu-2": {"templates": "http://eu-2-templates:8101/", "portal": "http://eu-2-portal:8104"}})
    client = client_with(cells=cells)
    token = runtime.use_cases["login"]("csm@acme.com", "correct horse battery staple").access["access_token"]
    client.get("/api/templates/templates", headers={"Authorization": f"Bearer {token}"})
    client.get("/portal/acme/home")
    assert [(url, path) for url, path, _ in forwarder.calls] == [
        ("http://eu-2-templates:8101", "/api/templates/templates"), ("http://eu-2-portal:8104", "/portal/acme/home")]


def test_an_org_in_an_unknown_cell_is_a_503_not_the_wrong_cell(client, bearer, uow, acme, forwarder):
    headers = bearer()
    uow.state["organizations"][acme[0].id].cell = "mars-1"
    response = client.get("/api/templates/templates", headers=headers)
    assert response.status_code == 503 and forwarder.calls == []


def test_a_token_of_an_org_that_does_not_exist_is_refused(client, keys, forwarder):
    from datetime import UTC, datetime
    from stitch.gateway.application.tokens import TokenIssuer
    from stitch.gateway.domain.identity import User
    ghost = User.create("00000000-0000-4000-8000-000000000bad", "g@ghost.io", "Ghost", "admin", datetime.now(UTC))
    token = TokenIssuer(keys, lambda: datetime.now(UTC), "stitch").for_user(ghost)["access_token"]
    response = client.get("/api/templates/templates", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.get_json()["detail"] == "the token's user is unknown"
    assert forwarder.calls == []


def test_portal_paths_name_the_org_by_slug(client, acme, forwarder):
    assert client.get("/portal/acme/welcome?x=1").status_code == 200
    [(url, path, _)] = forwarder.calls
    assert url == "http://127.0.0.1:8104" and path == "/portal/acme/welcome"


def test_an_unknown_portal_slug_is_a_404(client, forwarder):
    response = client.get("/portal/nobody/welcome")
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    assert forwarder.calls == []


def test_a_portal_host_names_the_org(client_with, acme, forwarder):
    client = client_with(portal_domain="portal.stitch.test")
    client.get("/welcome", headers={"Host": "acme.portal.stitch.test:8080"})
    assert forwarder.calls[0][1] == "/portal/acme/welcome"
    assert client.get("/", headers={"Host": "nobody.portal.stitch.test"}).status_code == 404


def test_a_custom_domain_routes_only_once_verified(client, bearer, acme, dns_records, forwarder):
    claimed = client.post("/api/gateway/domains", json={"domain": "Portal.Acme.com"}, headers=bearer()).get_json()
    assert claimed["domain"] == "portal.acme.com" and claimed["verified"] is False
    assert claimed["record_name"] == "_stitch-challenge.portal.acme.com"
    unverified = client.get("/welcome", headers={"Host": "portal.acme.com"})
    assert unverified.status_code == 401 and forwarder.calls == []  # just an unknown host: not the portal

    assert client.post("/api/gateway/domains/portal.acme.com/verify", headers=bearer()).get_json()["verified"] is False
    dns_records["_stitch-challenge.portal.acme.com"] = ["unrelated", claimed["record_value"]]
    assert client.post("/api/gateway/domains/portal.acme.com/verify", headers=bearer()).get_json()["verified"] is True


def test_a_verified_custom_domain_serves_the_portal(client_with, runtime, acme, dns_records, forwarder):
    org, _ = acme
    claimed = runtime.use_cases["claim_domain"](org.id, "portal.acme.com")
    dns_records[claimed.record_name] = [claimed.record_value]
    runtime.use_cases["verify_domain"](org.id, "portal.acme.com")
    client = client_with()  # a fresh gateway: its host cache is empty
    assert client.get("/welcome", headers={"Host": "portal.acme.com"}).status_code == 200
    assert forwarder.calls[0][1] == "/portal/acme/welcome"


def test_a_domain_cannot_be_claimed_twice(runtime, acme, globex, bearer, client):
    runtime.use_cases["claim_domain"](acme[0].id, "portal.acme.com")
    hank = runtime.use_cases["login"]("admin@globex.com", "correct horse battery staple").access["access_token"]
    response = client.post("/api/gateway/domains", json={"domain": "portal.acme.com"},
                           headers={"Authorization": f"Bearer {hank}"})
    assert response.status_code == 409
    assert client.post("/api/gateway/domains/portal.acme.com/verify",
                       headers={"Authorization": f"Bearer {hank}"}).status_code == 404


@pytest.mark.parametrize("domain", ["localhost", "http://x.com", "a..b.com", "x" * 260 + ".com"])
def test_bad_domains_name_the_field(client, bearer, domain):
    response = client.post("/api/gateway/domains", json={"domain": domain}, headers=bearer())
    assert response.status_code == 422 and response.get_json()["errors"][0]["name"] == "json.domain"


def test_bad_cells_setting_is_a_clear_error(runtime_with):
    from stitch.common.settings import SettingsError
    with pytest.raises(SettingsError, match="STITCH_CELLS"):
        runtime_with(cells="{not json")


def test_service_api_documents_are_public_and_served_by_the_default_cell(client, forwarder):
    assert client.get("/api/templates/openapi.json").status_code == 200
    assert client.get("/api/accounts/docs").status_code == 200
    assert [(url, path) for url, path, _ in forwarder.calls] == [
        ("http://127.0.0.1:8101", "/api/templates/openapi.json"), ("http://127.0.0.1:8102", "/api/accounts/docs")]


@pytest.mark.parametrize("path", ["/api/templates/docs/../templates", "/api/templates/docs/%2e%2e/templates",
                                  "/api/templates/./templates", "/portal/acme/../../api/templates/templates"])
def test_dot_segments_are_refused_before_any_routing(client, forwarder, path):
    response = client.get(path)
    assert response.status_code == 400 and response.content_type == "application/problem+json"
    assert forwarder.calls == []
