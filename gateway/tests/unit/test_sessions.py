"""Password sign-in and rotating refresh tokens, through the HTTP edge over the in-memory store."""

import re

import pytest

from stitch.gateway.application.sessions import InvalidRefreshToken

PASSWORD = "correct horse battery staple"


def _login(client, email="csm@acme.com", password=PASSWORD, session="token"):
    return client.post("/auth/login", json={"email": email, "password": password, "session": session})


def test_a_user_signs_in_and_gets_a_short_token_and_a_refresh_token(client, acme):
    response = _login(client)
    body = response.get_json()
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 900
    assert len(body["refresh_token"]) >= 43 and body["refresh_expires_in"] == 7 * 24 * 3600


@pytest.mark.parametrize("email, password", [
    ("csm@acme.com", "wrong password!!"),
    ("nobody@acme.com", PASSWORD),
    ("not an email", PASSWORD),
    ("CSM@ACME.COM ", "wrong password!!"),
])
def test_every_failed_sign_in_gets_the_same_answer(client, acme, email, password):
    response = _login(client, email, password)
    assert response.status_code == 401 and response.content_type == "application/problem+json"
    assert response.get_json()["detail"] == "the email or password is not correct"
    assert "Set-Cookie" not in response.headers


def test_email_is_matched_without_case_or_spaces(client, acme):
    assert _login(client, "  CSM@Acme.COM ").status_code == 200


def test_a_deactivated_user_cannot_sign_in(client, acme, runtime):
    org, users = acme
    runtime.use_cases["deactivate_user"](org.id, users["csm"].id)
    assert _login(client).get_json()["detail"] == "the email or password is not correct"


def test_a_missing_field_names_the_field(client):
    response = client.post("/auth/login", json={"email": "csm@acme.com"})
    assert response.status_code == 422
    assert {"name": "json.password", "reason": "Missing data for required field."} in response.get_json()["errors"]


def test_web_sessions_keep_the_refresh_token_in_a_locked_down_cookie(client, acme):
    response = _login(client, session="cookie")
    assert "refresh_token" not in response.get_json()
    cookie = response.headers["Set-Cookie"]
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/auth"):
        assert attribute in cookie
    refreshed = client.post("/auth/refresh", json={})  # the test client sends the cookie back
    assert refreshed.status_code == 200 and "refresh_token" not in refreshed.get_json()
    assert refreshed.headers["Set-Cookie"] != cookie


def test_refresh_rotates_the_token(client, acme):
    first = _login(client).get_json()
    second = client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]}).get_json()
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"]
    third = client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert third.status_code == 200


def test_reusing_a_refresh_token_revokes_the_whole_family(client, acme):
    stolen = _login(client).get_json()["refresh_token"]
    legit = client.post("/auth/refresh", json={"refresh_token": stolen}).get_json()["refresh_token"]
    replay = client.post("/auth/refresh", json={"refresh_token": stolen})
    assert replay.status_code == 401 and replay.get_json()["detail"] == "the session has ended; sign in again"
    # The newest token of the family, held by the real user, is dead too: both must sign in again.
    assert client.post("/auth/refresh", json={"refresh_token": legit}).status_code == 401


def test_reuse_revokes_only_that_family(client, acme):
    laptop = _login(client).get_json()["refresh_token"]
    phone = _login(client).get_json()["refresh_token"]
    client.post("/auth/refresh", json={"refresh_token": laptop})
    client.post("/auth/refresh", json={"refresh_token": laptop})  # replay kills the laptop's family
    assert client.post("/auth/refresh", json={"refresh_token": phone}).status_code == 200


def test_an_idle_session_ends_after_seven_days(client, acme, clock):
    token = _login(client).get_json()["refresh_token"]
    clock.advance(days=7, seconds=1)
    assert client.post("/auth/refresh", json={"refresh_token": token}).status_code == 401


def test_a_busy_session_still_ends_thirty_days_after_sign_in(client, acme, clock):
    token = _login(client).get_json()["refresh_token"]
    for _ in range(4):  # used every 6 days: never idle for 7
        clock.advance(days=6)
        body = client.post("/auth/refresh", json={"refresh_token": token}).get_json()
        token = body["refresh_token"]
    assert body["refresh_expires_in"] == 6 * 24 * 3600  # day 24: capped by the sign-in's day-30 end
    clock.advance(days=6)
    assert client.post("/auth/refresh", json={"refresh_token": token}).status_code == 401


def test_logout_ends_the_family_and_clears_the_cookie(client, acme):
    token = _login(client).get_json()["refresh_token"]
    response = client.post("/auth/logout", json={"refresh_token": token})
    assert response.status_code == 204 and re.search(r"stitch_refresh=;", response.headers["Set-Cookie"])
    assert client.post("/auth/refresh", json={"refresh_token": token}).status_code == 401


def test_deactivation_ends_every_session_of_the_user(client, acme, runtime):
    org, users = acme
    token = _login(client).get_json()["refresh_token"]
    runtime.use_cases["deactivate_user"](org.id, users["csm"].id)
    assert client.post("/auth/refresh", json={"refresh_token": token}).status_code == 401


def test_unknown_or_absent_refresh_tokens_are_401_problems(client):
    assert client.post("/auth/refresh", json={"refresh_token": "x" * 43}).status_code == 401
    response = client.post("/auth/refresh", json={})
    assert response.status_code == 401 and response.content_type == "application/problem+json"


def test_refresh_tokens_are_stored_only_as_digests(client, acme, uow):
    token = _login(client).get_json()["refresh_token"]
    stored = repr(uow.state)
    assert token not in stored and PASSWORD not in stored


def test_the_use_case_refuses_a_replay_directly(runtime, acme):
    session = runtime.use_cases["login"]("csm@acme.com", PASSWORD)
    runtime.use_cases["refresh"](session.refresh_token)
    with pytest.raises(InvalidRefreshToken):
        runtime.use_cases["refresh"](session.refresh_token)
