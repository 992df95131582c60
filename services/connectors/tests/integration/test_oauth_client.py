"""AuthlibOAuthClient against the fake Slack authorization server on loopback."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import secrets
import socket
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from stitch.common.testing.fake_slack import FakeSlack
from stitch.connectors.adapters.oauth_client import AuthlibOAuthClient
from stitch.connectors.adapters.provider_registry import load_definitions
from stitch.connectors.adapters.slack_api import SlackWebApi
from stitch.connectors.application.providers_ports import TokenSet
from stitch.connectors.domain.failures import OAuthFailure, SendFailure

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
REDIRECT_URI = "https://stitch.example/api/connectors/oauth/slack/callback"


def client_for(fake_slack: FakeSlack, *, secret: str | None = None, client_id: str | None = None,
               base: str | None = None) -> AuthlibOAuthClient:
    credentials = {"slack": (client_id or fake_slack.client_id, secret or fake_slack.client_secret)}
    return AuthlibOAuthClient(load_definitions({"slack": base or fake_slack.url}), credentials, timeout=5,
                              clock=lambda: NOW)


@pytest.fixture
def client(fake_slack: FakeSlack) -> AuthlibOAuthClient:
    return client_for(fake_slack)


def approve(authorization_url: str) -> tuple[str, str]:
    """The admin's browser at the authorize page: (code, state) from the redirect back to Stitch."""
    response = requests.get(authorization_url, allow_redirects=False, timeout=5)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"{REDIRECT_URI}?")
    params = parse_qs(urlsplit(location).query)
    return params["code"][0], params["state"][0]


def connect(client: AuthlibOAuthClient) -> TokenSet:
    verifier = secrets.token_urlsafe(48)
    code, _ = approve(client.authorization_url("slack", state="s1", code_verifier=verifier, redirect_uri=REDIRECT_URI))
    return client.exchange_code("slack", code=code, code_verifier=verifier, redirect_uri=REDIRECT_URI)


def test_the_authorization_code_flow_with_pkce_gives_tokens_for_the_workspace(
        fake_slack: FakeSlack, client: AuthlibOAuthClient) -> None:
    state, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)

    url = client.authorization_url("slack", state=state, code_verifier=verifier, redirect_uri=REDIRECT_URI)
    assert url.startswith(f"{fake_slack.url}/oauth/v2/authorize?")
    code, returned_state = approve(url)
    tokens = client.exchange_code("slack", code=code, code_verifier=verifier, redirect_uri=REDIRECT_URI)

    assert returned_state == state
    [asked] = fake_slack.authorize_requests
    expected_challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert (asked.code_challenge, asked.code_challenge_method) == (expected_challenge, "S256")
    assert (asked.client_id, asked.scope, asked.redirect_uri) == ("fake-client-id", "chat:write", REDIRECT_URI)
    [issued] = fake_slack.issued
    assert (tokens.access_token, tokens.refresh_token) == (issued.access_token, issued.refresh_token)
    assert tokens.expires_at == NOW + timedelta(seconds=43200) and tokens.expires_at.tzinfo is not None
    assert tokens.scopes == ("chat:write",)
    assert (tokens.account_id, tokens.account_name) == ("T0LUMEN", "Lumen")
    assert issued.access_token not in repr(tokens) and issued.refresh_token not in repr(tokens)
    assert SlackWebApi(fake_slack.api_url).identify(tokens.access_token).account_id == "T0LUMEN"


def test_a_wrong_code_verifier_is_refused(fake_slack: FakeSlack, client: AuthlibOAuthClient) -> None:
    verifier, wrong = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    code, _ = approve(client.authorization_url("slack", state="s", code_verifier=verifier, redirect_uri=REDIRECT_URI))

    with pytest.raises(OAuthFailure) as failure:
        client.exchange_code("slack", code=code, code_verifier=wrong, redirect_uri=REDIRECT_URI)

    assert failure.value.retryable is False
    assert fake_slack.issued == []
    assert code not in str(failure.value) and wrong not in str(failure.value)


def test_a_code_works_once(fake_slack: FakeSlack, client: AuthlibOAuthClient) -> None:
    verifier = secrets.token_urlsafe(48)
    code, _ = approve(client.authorization_url("slack", state="s", code_verifier=verifier, redirect_uri=REDIRECT_URI))
    client.exchange_code("slack", code=code, code_verifier=verifier, redirect_uri=REDIRECT_URI)

    with pytest.raises(OAuthFailure) as failure:
        client.exchange_code("slack", code=code, code_verifier=verifier, redirect_uri=REDIRECT_URI)

    assert (failure.value.code, failure.value.retryable) == ("authorization_expired", False)
    assert "Connect Slack again" in failure.value.message


def test_a_declined_authorization_comes_back_with_access_denied_and_the_state(
        fake_slack: FakeSlack, client: AuthlibOAuthClient) -> None:
    fake_slack.deny_next()
    url = client.authorization_url("slack", state="s-declined", code_verifier=None, redirect_uri=REDIRECT_URI)
    response = requests.get(url, allow_redirects=False, timeout=5)
    params = parse_qs(urlsplit(response.headers["Location"]).query)
    assert params == {"error": ["access_denied"], "state": ["s-declined"]}


def test_refresh_rotates_the_refresh_token_and_the_old_one_is_refused(
        fake_slack: FakeSlack, client: AuthlibOAuthClient) -> None:
    first = connect(client)

    second = client.refresh("slack", first.refresh_token)

    assert second.refresh_token not in (None, first.refresh_token)
    assert second.access_token != first.access_token
    assert second.expires_at == NOW + timedelta(seconds=43200)
    assert (second.account_id, second.scopes) == ("T0LUMEN", ("chat:write",))
    with pytest.raises(OAuthFailure) as failure:
        client.refresh("slack", first.refresh_token)
    assert (failure.value.code, failure.value.needs_reconnect, failure.value.retryable) == (
        "authorization_expired", True, False)
    assert first.refresh_token not in str(failure.value)
    assert client.refresh("slack", second.refresh_token).access_token  # the newest one still works


def test_revoke_is_confirmed_and_the_token_then_stops_working(fake_slack: FakeSlack, client: AuthlibOAuthClient) -> None:
    tokens = connect(client)

    assert client.revoke("slack", tokens.access_token) is True

    assert fake_slack.revoked == [tokens.access_token]
    with pytest.raises(SendFailure) as failure:
        SlackWebApi(fake_slack.api_url).identify(tokens.access_token)
    assert failure.value.needs_reconnect is True
    with pytest.raises(OAuthFailure):
        client.refresh("slack", tokens.refresh_token)


def test_revoking_a_dead_token_says_the_grant_is_gone(fake_slack: FakeSlack, client: AuthlibOAuthClient) -> None:
    tokens = connect(client)
    client.revoke("slack", tokens.access_token)
    with pytest.raises(OAuthFailure) as failure:
        client.revoke("slack", tokens.access_token)
    assert (failure.value.code, failure.value.needs_reconnect) == ("authorization_expired", True)


def test_a_provider_without_revocation_answers_false(fake_slack: FakeSlack) -> None:
    definitions = load_definitions({"slack": fake_slack.url})
    definitions["slack"] = dataclasses.replace(definitions["slack"], revoke_url=None)
    client = AuthlibOAuthClient(definitions, {"slack": (fake_slack.client_id, fake_slack.client_secret)})
    assert client.revoke("slack", "xoxb-anything") is False
    assert fake_slack.calls == []


@pytest.mark.parametrize(("secret", "client_id", "missing"), [
    ("not-the-secret", None, "bad_client_secret"),
    (None, "someone-else", "invalid_client_id"),
])
def test_wrong_app_credentials_tell_the_admin_which_settings_to_check(
        fake_slack: FakeSlack, secret: str | None, client_id: str | None, missing: str) -> None:
    good = client_for(fake_slack)
    verifier = secrets.token_urlsafe(48)
    code, _ = approve(good.authorization_url("slack", state="s", code_verifier=verifier, redirect_uri=REDIRECT_URI))
    wrong = client_for(fake_slack, secret=secret, client_id=client_id)

    with pytest.raises(OAuthFailure) as failure:
        wrong.exchange_code("slack", code=code, code_verifier=verifier, redirect_uri=REDIRECT_URI)

    assert (failure.value.code, failure.value.retryable) == ("client_credentials_rejected", False)
    assert missing in failure.value.message
    assert "STITCH_SLACK_CLIENT_ID" in failure.value.message and "STITCH_SLACK_CLIENT_SECRET" in failure.value.message
    assert "not-the-secret" not in str(failure.value)


def test_rate_limits_and_server_errors_at_the_token_endpoint_are_retryable(
        fake_slack: FakeSlack, client: AuthlibOAuthClient) -> None:
    tokens = connect(client)
    fake_slack.fail_next("oauth.v2.access", status=429, retry_after=7)
    fake_slack.fail_next("oauth.v2.access", status=503)

    with pytest.raises(OAuthFailure) as limited:
        client.refresh("slack", tokens.refresh_token)
    with pytest.raises(OAuthFailure) as broken:
        client.refresh("slack", tokens.refresh_token)

    assert (limited.value.code, limited.value.retryable, limited.value.retry_after) == ("rate_limited", True, 7)
    assert (broken.value.code, broken.value.retryable, broken.value.needs_reconnect) == (
        "provider_unavailable", True, False)
    assert client.refresh("slack", tokens.refresh_token).access_token  # the grant survived both


def test_an_unreachable_authorization_server_is_retryable(fake_slack: FakeSlack) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = client_for(fake_slack, base=f"http://127.0.0.1:{port}")
    with pytest.raises(OAuthFailure) as failure:
        client.refresh("slack", "xoxe-1-whatever")
    assert (failure.value.code, failure.value.retryable) == ("provider_unreachable", True)
    assert "xoxe-1-whatever" not in str(failure.value)


def test_a_provider_without_app_credentials_is_not_configured(fake_slack: FakeSlack) -> None:
    client = AuthlibOAuthClient(load_definitions({"slack": fake_slack.url}), {})
    with pytest.raises(OAuthFailure) as failure:
        client.authorization_url("slack", state="s", code_verifier=None, redirect_uri=REDIRECT_URI)
    assert (failure.value.code, failure.value.retryable) == ("not_configured", False)
    assert "STITCH_SLACK_CLIENT_ID" in failure.value.message
