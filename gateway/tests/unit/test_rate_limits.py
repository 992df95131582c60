"""Rate limits (in memory here; on Redis in the integration suite): 429 + Retry-After, as
problem+json, per address and per client IP, and a quota per organization."""

from __future__ import annotations

from gateway.tests.conftest import PASSWORD


def login(client, email, password="wrong password!", ip="10.0.0.1"):
    return client.post("/auth/login", json={"email": email, "password": password},
                       environ_overrides={"REMOTE_ADDR": ip})


def test_the_sixth_login_attempt_in_a_minute_is_refused(client, acme):
    answers = [login(client, "csm@acme.com") for _ in range(5)]
    assert {a.status_code for a in answers} == {401}
    sixth = login(client, "csm@acme.com", PASSWORD)  # even the right password waits
    assert sixth.status_code == 429
    assert sixth.content_type == "application/problem+json"
    assert 0 < int(sixth.headers["Retry-After"]) <= 60
    assert "5 per 1 minute" in sixth.get_json()["detail"]
    assert login(client, "admin@acme.com", PASSWORD).status_code == 200  # another address is unaffected


def test_the_limit_keys_on_the_address_as_stored(client, acme):
    for variant in ("csm@acme.com", "CSM@acme.com", " csm@ACME.com", "csm@acme.com", "Csm@Acme.Com"):
        login(client, variant)
    assert login(client, "csm@acme.com").status_code == 429


def test_one_client_ip_cannot_spray_many_addresses(client_with, acme):
    client = client_with(login_limit_per_ip="3 per minute")
    assert [login(client, f"u{i}@acme.com").status_code for i in range(3)] == [401] * 3
    assert login(client, "u9@acme.com").status_code == 429
    assert login(client, "u9@acme.com", ip="10.0.0.2").status_code == 401  # another client is not blocked


def test_link_requests_are_limited_per_address(client, mailer):
    answers = [client.post("/auth/forgot-password", json={"email": "x@acme.com"}) for _ in range(6)]
    assert [a.status_code for a in answers] == [202] * 5 + [429]
    assert "Retry-After" in answers[-1].headers
    signups = [client.post("/auth/signup", json={"email": "new@fresh.test"}) for _ in range(6)]
    assert [a.status_code for a in signups] == [202] * 5 + [429]
    assert len(mailer.to("new@fresh.test")) == 5


def test_each_organization_has_an_api_quota(client_with, acme, globex):
    client = client_with(org_api_quota="3 per minute")
    acme_admin = client.post("/auth/login", json={"email": "admin@acme.com", "password": PASSWORD}).get_json()
    hank = client.post("/auth/login", json={"email": "admin@globex.com", "password": PASSWORD}).get_json()
    acme_headers = {"Authorization": f"Bearer {acme_admin['access_token']}"}
    answers = [client.get("/api/gateway/organization", headers=acme_headers).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    other = client.get("/api/gateway/organization", headers={"Authorization": f"Bearer {hank['access_token']}"})
    assert other.status_code == 200
    assert client.post("/auth/login", json={"email": "csm@acme.com", "password": PASSWORD}).status_code == 200


def test_a_proxy_in_front_is_trusted_only_when_configured(client_with, acme):
    direct = client_with(login_limit_per_ip="2 per minute")
    for i in range(2):
        direct.post("/auth/login", json={"email": f"a{i}@acme.com", "password": "x"},
                    headers={"X-Forwarded-For": f"192.0.2.{i}"})
    # Without trusted proxies a forged X-Forwarded-For changes nothing: still the same client.
    assert direct.post("/auth/login", json={"email": "a3@acme.com", "password": "x"},
                       headers={"X-Forwarded-For": "192.0.2.99"}).status_code == 429
    behind = client_with(login_limit_per_ip="2 per minute", trusted_proxies=1)
    for i in range(3):
        answer = behind.post("/auth/login", json={"email": f"b{i}@acme.com", "password": "x"},
                             headers={"X-Forwarded-For": f"192.0.2.{i}"})
        assert answer.status_code == 401  # three different clients behind the one proxy


def test_guessing_the_current_password_is_limited_per_user(client, acme):
    session = client.post("/auth/login", json={"email": "csm@acme.com", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {session['access_token']}"}
    guesses = [client.post("/api/gateway/me/password", headers=headers,
                           json={"current_password": f"guess number {i}", "new_password": "x" * 20}).status_code
               for i in range(6)]
    assert guesses == [403] * 5 + [429]


def test_an_organization_sends_a_bounded_number_of_invitations(client_with, acme):
    client = client_with(invitation_limit_per_org="2 per hour")
    admin = client.post("/auth/login", json={"email": "admin@acme.com", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    sent = [client.post("/api/gateway/invitations", headers=headers, json={"email": f"n{i}@acme.com", "role": "csm"})
            .status_code for i in range(3)]
    assert sent == [201, 201, 429]
    assert client.get("/api/gateway/invitations", headers=headers).status_code == 200  # listing is not limited


def test_link_checks_share_one_budget_per_client_across_routes(client_with):
    client = client_with(token_limit_per_ip="3 per minute")
    token = {"token": "x" * 43}
    answers = [client.post(path, json=token).status_code
               for path in ("/auth/verify-email", "/auth/reset-link", "/auth/invitation", "/auth/verify-email")]
    assert answers == [400, 400, 400, 429]
