"""Connecting Slack with OAuth 2.0 (state, PKCE, one browser, ten minutes, once), keeping the tokens
sealed, refreshing them before they expire, and disconnecting: the real runtime against the fake
slack.com on loopback."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from stitch.connectors.domain.deliveries import DeliveryStatus
from stitch.connectors.domain.errors import BadOAuthState
from stitch.connectors.entrypoints.http import create_app

pytestmark = pytest.mark.integration
CALLBACK = "http://127.0.0.1:8080/oauth/slack/callback"


def query(url: str) -> dict[str, str]:
    return {name: values[-1] for name, values in parse_qs(urlsplit(url).query).items()}


def spend_refresh_token(fake_slack, refresh_token: str) -> dict:
    """Someone else uses the refresh token at Slack (Slack rotates it: the old one dies)."""
    return requests.post(f"{fake_slack.api_url}oauth.v2.access", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": fake_slack.client_id,
        "client_secret": fake_slack.client_secret}).json()


def no_connection_kept(connectors, org: str) -> None:
    assert connectors.use["connections"](org) == []
    assert [row for row in connectors.rows("connection_secrets") if row["org_id"] == org] == []
    assert connectors.outbox("connectors.connection_changed.v1") == []


def test_start_connect_sends_the_browser_to_slack_with_state_pkce_and_least_scope(connectors, kit):
    started = connectors.use["start_connect"](kit.ORG_A, kit.ADMIN, "slack", None)

    url = started.authorization_url
    assert url.startswith(f"{connectors.slack.url}/oauth/v2/authorize?")
    params = query(url)
    assert params["client_id"] == "fake-client-id"
    assert params["redirect_uri"] == CALLBACK
    assert params["scope"] == "chat:write"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32
    assert started.expires_at == connectors.clock() + timedelta(minutes=10)
    [stored] = connectors.rows("oauth_states")
    # Only hashes of the state and of the browser secret are kept; the PKCE verifier is sealed.
    assert params["state"] not in json.dumps({k: kit.cell_text(v) for k, v in stored.items()})
    assert started.browser_secret not in json.dumps({k: kit.cell_text(v) for k, v in stored.items()})
    assert stored["org_id"] == kit.ORG_A and stored["used_at"] is None


def test_finish_connect_keeps_a_connected_workspace_and_says_so_without_tokens(connectors, kit):
    started = connectors.use["start_connect"](kit.ORG_A, kit.ADMIN, "slack", "/settings/integrations/slack")
    back = connectors.approve(started.authorization_url)

    target = connectors.use["finish_connect"]("slack", state=back["state"], browser_secret=started.browser_secret,
                                              code=back["code"], error=None)

    assert target == f"{kit.PUBLIC_URL}/settings/integrations/slack?provider=slack&result=connected"
    connection = connectors.slack_connection()
    assert connection.status == "connected"
    assert connection.scopes == ("chat:write",)
    assert (connection.account_id, connection.account_name) == ("T0LUMEN", "Lumen (lumen.slack.com)")
    assert connection.connected_by == kit.ADMIN
    [issued] = connectors.slack.issued  # the code was exchanged (with the right PKCE verifier) once
    assert issued.grant_type == "authorization_code"
    [changed] = connectors.outbox(kit.CONNECTION_CHANGED)
    assert changed["orgid"] == kit.ORG_A
    assert changed["data"] | {"changed_at": None} == {
        "connection_id": connection.id, "provider": "slack", "status": "connected",
        "account_name": "Lumen (lumen.slack.com)", "scopes": ["chat:write"], "changed_at": None}
    published = json.dumps(connectors.outbox())
    assert issued.access_token not in published and issued.refresh_token not in published


def test_a_replayed_state_is_refused(connectors, kit):
    started = connectors.use["start_connect"](kit.ORG_A, kit.ADMIN, "slack", None)
    back = connectors.approve(started.authorization_url)
    finish = dict(state=back["state"], browser_secret=started.browser_secret, code=back["code"], error=None)
    connectors.use["finish_connect"]("slack", **finish)

    with pytest.raises(BadOAuthState):
        connectors.use["finish_connect"]("slack", **finish)

    assert len(connectors.use["connections"](kit.ORG_A)) == 1
    assert len(connectors.slack.issued) == 1


def test_a_state_finished_from_another_browser_is_refused_and_nothing_is_kept(connectors, kit):
    started_by_a = connectors.use["start_connect"](kit.ORG_A, kit.ADMIN, "slack", None)
    started_by_b = connectors.use["start_connect"](kit.ORG_B, kit.ADMIN, "slack", None)
    back = connectors.approve(started_by_a.authorization_url)

    with pytest.raises(BadOAuthState):  # org B's browser holds a valid secret, but not this state's
        connectors.use["finish_connect"]("slack", state=back["state"], browser_secret=started_by_b.browser_secret,
                                         code=back["code"], error=None)
    with pytest.raises(BadOAuthState):
        connectors.use["finish_connect"]("slack", state=back["state"], browser_secret=secrets.token_urlsafe(32),
                                         code=back["code"], error=None)
    with pytest.raises(BadOAuthState):  # the state is spent: not even A's own browser can finish it now
        connectors.use["finish_connect"]("slack", state=back["state"], browser_secret=started_by_a.browser_secret,
                                         code=back["code"], error=None)

    no_connection_kept(connectors, kit.ORG_A)
    no_connection_kept(connectors, kit.ORG_B)
    assert "oauth.v2.access" not in connectors.slack.calls  # the code was never exchanged


def test_an_expired_state_is_refused(connectors, kit):
    started = connectors.use["start_connect"](kit.ORG_A, kit.ADMIN, "slack", None)
    back = connectors.approve(started.authorization_url)
    connectors.clock.move(minutes=11)

    with pytest.raises(BadOAuthState):
        connectors.use["finish_connect"]("slack", state=back["state"], browser_secret=started.browser_secret,
                                         code=back["code"], error=None)

    no_connection_kept(connectors, kit.ORG_A)


@pytest.mark.parametrize("state", ["never-issued-" + "x" * 30, "", None])
def test_an_unknown_or_missing_state_is_refused(connectors, kit, state):
    started = connectors.use["start_connect"](kit.ORG_A, kit.ADMIN, "slack", None)
    back = connectors.approve(started.authorization_url)

    with pytest.raises(BadOAuthState):
        connectors.use["finish_connect"]("slack", state=state, browser_secret=started.browser_secret,
                                         code=back["code"], error=None)

    no_connection_kept(connectors, kit.ORG_A)


def test_an_admin_who_declines_at_slack_is_sent_back_with_result_denied(connectors, kit):
    connectors.slack.deny_next()
    started = connectors.use["start_connect"](kit.ORG_A, kit.ADMIN, "slack", None)
    back = connectors.approve(started.authorization_url)
    assert back["error"] == "access_denied" and "code" not in back

    target = connectors.use["finish_connect"]("slack", state=back["state"], browser_secret=started.browser_secret,
                                              code=None, error=back["error"])

    assert target.startswith(f"{kit.PUBLIC_URL}/settings/integrations?")
    assert query(target) == {"provider": "slack", "result": "denied", "reason": "access_denied"}
    no_connection_kept(connectors, kit.ORG_A)


def test_tokens_are_kept_only_as_ciphertext(connectors, kit):
    connection = connectors.connect_slack()
    [issued] = connectors.slack.issued

    secrets_rows = [row for row in connectors.rows("connection_secrets") if row["connection_id"] == connection.id]
    assert sorted(row["field"] for row in secrets_rows) == ["access_token", "refresh_token"]
    for row in secrets_rows:
        assert row["key_id"] == "k1" and len(bytes(row["nonce"])) == 12
        assert len(bytes(row["ciphertext"])) >= 16  # the GCM tag at least
    for table, rows in connectors.all_rows().items():
        for row in rows:
            for column, value in row.items():
                text = kit.cell_text(value)
                for token in (issued.access_token, issued.refresh_token):
                    assert token not in text, f"a token in plain text in {table}.{column}"


def test_tokens_are_refreshed_within_five_minutes_of_expiry(connectors, kit):
    channel_id = connectors.slack.add_channel("#northwind-onboarding")
    connection = connectors.connect_slack()
    [first] = connectors.slack.issued
    connectors.clock.now = connection.token_expires_at - timedelta(minutes=6)
    assert connectors.use["refresh_due_tokens"]() == 0  # not due yet

    connectors.clock.now = connection.token_expires_at - timedelta(minutes=4)
    assert connectors.use["refresh_due_tokens"]() == 1

    refreshed = connectors.slack.issued[-1]
    assert refreshed.grant_type == "refresh_token" and refreshed.access_token != first.access_token
    assert spend_refresh_token(connectors.slack, first.refresh_token) == {"ok": False,
                                                                          "error": "invalid_refresh_token"}
    after = connectors.slack_connection()
    assert after.status == "connected"
    assert after.token_expires_at > connection.token_expires_at
    connectors.request_slack("#northwind-onboarding")
    connectors.run()
    [posted] = connectors.slack.messages
    latest = connectors.slack.issued[-1]  # (the clock test below says why this may be a second refresh)
    assert latest.grant_type == "refresh_token"
    assert (posted.channel, posted.token) == (channel_id, latest.access_token)  # a refreshed token is used


def test_a_refreshed_tokens_expiry_counts_from_the_services_clock(connectors, kit):
    """Expiry and the refresh decision must read one clock: else a refresh can be due again at once."""
    connection = connectors.connect_slack()
    connectors.clock.now = connection.token_expires_at - timedelta(minutes=4)

    assert connectors.use["refresh_due_tokens"]() == 1

    lifetime = timedelta(seconds=connectors.slack.token_lifetime)
    assert connectors.slack_connection().token_expires_at == connectors.clock() + lifetime
    assert connectors.use["refresh_due_tokens"]() == 0  # the new token is hours from expiry


def test_a_refused_refresh_marks_the_connection_needs_reconnect(connectors, kit):
    connectors.slack.add_channel("#northwind-onboarding")
    connection = connectors.connect_slack()
    [issued] = connectors.slack.issued
    assert spend_refresh_token(connectors.slack, issued.refresh_token)["ok"] is True  # Stitch's copy is dead now
    connectors.clock.now = connection.token_expires_at - timedelta(minutes=4)

    connectors.use["refresh_due_tokens"]()

    after = connectors.slack_connection()
    assert after.status == "needs_reconnect"
    assert "reconnect" in after.last_error
    changes = connectors.outbox(kit.CONNECTION_CHANGED)
    assert [c["data"]["status"] for c in changes] == ["connected", "needs_reconnect"]
    request = connectors.request_slack("#northwind-onboarding")
    connectors.run()
    assert connectors.delivery(request).error.code == "integration_needs_reconnect"
    assert connectors.slack.messages == []


def test_disconnect_revokes_erases_the_tokens_and_keeps_the_log(connectors, kit):
    connectors.slack.add_channel("#northwind-onboarding")
    connection = connectors.connect_slack()
    [issued] = connectors.slack.issued
    sent = connectors.request_slack("#northwind-onboarding")
    connectors.run()

    disconnected, revoked = connectors.use["disconnect"](kit.ORG_A, kit.ADMIN, "slack")

    assert revoked is True and connectors.slack.revoked == [issued.access_token]
    assert disconnected.status == "disconnected" and disconnected.disconnected_by == kit.ADMIN
    assert [row for row in connectors.rows("connection_secrets") if row["connection_id"] == connection.id] == []
    assert [row for row in connectors.rows("vault_index") if row["connection_id"] == connection.id] == []
    assert connectors.slack_connection() is None
    [kept] = connectors.use["connections"](kit.ORG_A)
    assert (kept.id, kept.status) == (connection.id, "disconnected")
    assert connectors.outbox(kit.CONNECTION_CHANGED)[-1]["data"]["status"] == "disconnected"
    assert connectors.delivery(sent).status is DeliveryStatus.DELIVERED  # the log stays

    after = connectors.request_slack("#northwind-onboarding")
    connectors.run()
    assert connectors.delivery(after).error.code == "integration_disconnected"
    assert len(connectors.slack.messages) == 1


def test_the_browser_callback_needs_the_cookie_that_started_the_flow(connectors, kit, test_keys):
    app = create_app(connectors.runtime)
    admin = test_keys.bearer(org=kit.ORG_A, role="admin", sub=kit.ADMIN)

    def start(client) -> dict[str, str]:
        response = client.post("/api/connectors/connections/slack/connect", json={}, headers=admin)
        assert response.status_code == 201, response.get_json()
        assert "stitch_oauth=" in response.headers["Set-Cookie"]
        return connectors.approve(response.get_json()["authorization_url"])

    elsewhere = app.test_client()  # a browser that did not start the flow: no cookie
    back = start(app.test_client())
    refused = elsewhere.get(f"/oauth/slack/callback?code={back['code']}&state={back['state']}")
    assert refused.status_code == 400
    assert connectors.use["connections"](kit.ORG_A) == []

    browser = app.test_client()
    back = start(browser)
    answered = browser.get(f"/oauth/slack/callback?code={back['code']}&state={back['state']}")
    assert answered.status_code == 303
    assert answered.headers["Location"] == f"{kit.PUBLIC_URL}/settings/integrations?provider=slack&result=connected"
    assert answered.headers["Cache-Control"] == "no-store"
    assert connectors.slack_connection().status == "connected"
