"""Forgot password: the same answer for every address, a single-use link, and a new password
that ends every session."""

from __future__ import annotations

from gateway.tests.conftest import PASSWORD

NEW = "an entirely new passphrase"


def forgot(client, email):
    return client.post("/auth/forgot-password", json={"email": email})


def test_the_answer_is_the_same_for_known_unknown_and_deactivated(client, acme, mailer, runtime):
    org, users = acme
    runtime.use_cases["deactivate_user"](org.id, users["viewer"].id)
    answers = [forgot(client, email) for email in ("csm@acme.com", "nobody@acme.com", "viewer@acme.com")]
    assert {a.status_code for a in answers} == {202}
    assert len({a.get_data() for a in answers}) == 1
    assert [m.to for m in mailer.sent] == ["csm@acme.com"]


def test_a_reset_sets_the_password_and_ends_every_session(client, acme, mailer):
    session = client.post("/auth/login", json={"email": "csm@acme.com", "password": PASSWORD, "session": "token"})
    forgot(client, "csm@acme.com")
    token = mailer.token("csm@acme.com")
    assert "/auth/reset-password#token=" in mailer.to("csm@acme.com")[0].text
    assert client.post("/auth/reset-link", json={"token": token}).get_json() == {"email": "csm@acme.com"}

    assert client.post("/auth/reset-password", json={"token": token, "password": NEW}).status_code == 204
    assert "was changed" in mailer.to("csm@acme.com")[-1].subject
    refresh = client.post("/auth/refresh", json={"refresh_token": session.get_json()["refresh_token"]})
    assert refresh.status_code == 401
    assert client.post("/auth/login", json={"email": "csm@acme.com", "password": PASSWORD}).status_code == 401
    assert client.post("/auth/login", json={"email": "csm@acme.com", "password": NEW}).status_code == 200


def test_reused_expired_and_weak_are_refused_with_a_reason(client, acme, mailer, clock):
    forgot(client, "csm@acme.com")
    token = mailer.token("csm@acme.com")
    weak = client.post("/auth/reset-password", json={"token": token, "password": "short"})
    assert weak.status_code == 422 and weak.get_json()["errors"][0]["name"] == "json.password"
    assert client.post("/auth/reset-password", json={"token": token, "password": NEW}).status_code == 204
    reused = client.post("/auth/reset-password", json={"token": token, "password": NEW + "!"})
    assert reused.status_code == 410 and "already used" in reused.get_json()["detail"]

    forgot(client, "admin@acme.com")
    late = mailer.token("admin@acme.com")
    clock.advance(minutes=31)
    expired = client.post("/auth/reset-password", json={"token": late, "password": NEW})
    assert expired.status_code == 410 and "expired" in expired.get_json()["detail"]


def test_a_verification_link_cannot_reset_a_password(client, mailer):
    client.post("/auth/signup", json={"email": "jane@newco.test"})
    token = mailer.token("jane@newco.test")
    assert client.post("/auth/reset-password", json={"token": token, "password": NEW}).status_code == 400
    assert client.post("/auth/verify-email", json={"token": token}).status_code == 200  # still unspent
