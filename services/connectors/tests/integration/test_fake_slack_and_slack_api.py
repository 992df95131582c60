"""SlackWebApi through slack_sdk against the fake Slack Web API on loopback."""

from __future__ import annotations

import socket

import pytest
import requests

from stitch.common.testing.fake_slack import FakeSlack
from stitch.connectors.adapters.slack_api import SlackWebApi
from stitch.connectors.domain.failures import SendFailure
from stitch.connectors.domain.messages import SlackMessage


@pytest.fixture
def slack(fake_slack: FakeSlack) -> SlackWebApi:
    return SlackWebApi(fake_slack.api_url, timeout=5)


def test_a_message_is_posted_with_the_token_to_the_channel(fake_slack: FakeSlack, slack: SlackWebApi) -> None:
    channel_id = fake_slack.add_channel("#acme-onboarding", member=True)
    token = fake_slack.install().access_token

    ts = slack.post_message(token, SlackMessage("#acme-onboarding", "Welcome aboard, Acme!\nKickoff is Monday."))

    [posted] = fake_slack.messages
    assert (posted.channel, posted.token, posted.ts) == (channel_id, token, ts)
    assert posted.text == "Welcome aboard, Acme!\nKickoff is Monday."
    assert fake_slack.calls == ["chat.postMessage"]


def test_a_channel_id_works_as_well_as_its_name(fake_slack: FakeSlack, slack: SlackWebApi) -> None:
    channel_id = fake_slack.add_channel("acme-onboarding")
    slack.post_message(fake_slack.install().access_token, SlackMessage(channel_id, "Hello"))
    assert [message.channel for message in fake_slack.messages] == [channel_id]


def test_not_in_channel_says_to_invite_the_app_and_is_not_retried(fake_slack: FakeSlack, slack: SlackWebApi) -> None:
    fake_slack.add_channel("#acme-onboarding", member=False)
    token = fake_slack.install().access_token

    with pytest.raises(SendFailure) as failure:
        slack.post_message(token, SlackMessage("#acme-onboarding", "Welcome"))

    assert failure.value.code == "bot_not_in_channel"
    assert failure.value.retryable is False and failure.value.needs_reconnect is False
    assert "#acme-onboarding" in failure.value.message and "/invite @Stitch" in failure.value.message
    assert token not in str(failure.value) and "Welcome" not in str(failure.value)
    assert fake_slack.messages == []


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")  # the empty message, on purpose
@pytest.mark.parametrize(("arrange", "channel", "text", "code"), [
    (lambda slack: None, "#nowhere", "Hi", "channel_not_found"),
    (lambda slack: slack.add_channel("#old", archived=True), "#old", "Hi", "channel_archived"),
    (lambda slack: slack.add_channel("#acme"), "#acme", "x" * 40_001, "message_too_long"),
    (lambda slack: slack.add_channel("#acme"), "#acme", "   ", "empty_message"),
])
def test_channel_and_text_problems_name_the_channel_and_are_not_retried(
        fake_slack: FakeSlack, slack: SlackWebApi, arrange, channel: str, text: str, code: str) -> None:
    arrange(fake_slack)
    with pytest.raises(SendFailure) as failure:
        slack.post_message(fake_slack.install().access_token, SlackMessage(channel, text))
    assert (failure.value.code, failure.value.retryable) == (code, False)
    assert channel in failure.value.message


def test_rate_limit_is_retried_after_the_time_slack_asks_for(fake_slack: FakeSlack, slack: SlackWebApi) -> None:
    fake_slack.add_channel("#acme-onboarding")
    token = fake_slack.install().access_token
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(SendFailure) as failure:
        slack.post_message(token, SlackMessage("#acme-onboarding", "Hi"))

    assert (failure.value.code, failure.value.retryable, failure.value.retry_after) == ("rate_limited", True, 7)
    # No hidden retry inside slack_sdk: one call, and the next one goes through.
    assert fake_slack.calls == ["chat.postMessage"]
    slack.post_message(token, SlackMessage("#acme-onboarding", "Hi"))
    assert len(fake_slack.messages) == 1


def test_a_server_error_is_retryable(fake_slack: FakeSlack, slack: SlackWebApi) -> None:
    fake_slack.add_channel("#acme-onboarding")
    fake_slack.fail_next("chat.postMessage", status=500)
    with pytest.raises(SendFailure) as failure:
        slack.post_message(fake_slack.install().access_token, SlackMessage("#acme-onboarding", "Hi"))
    assert (failure.value.code, failure.value.retryable) == ("slack_unavailable", True)
    assert "<html>" not in failure.value.message
    assert fake_slack.calls == ["chat.postMessage"]


def test_a_revoked_token_needs_a_reconnect(fake_slack: FakeSlack, slack: SlackWebApi) -> None:
    fake_slack.add_channel("#acme-onboarding")
    token = fake_slack.install().access_token
    assert requests.post(f"{fake_slack.api_url}auth.revoke", data={"token": token}, timeout=5).json()["ok"] is True

    with pytest.raises(SendFailure) as failure:
        slack.post_message(token, SlackMessage("#acme-onboarding", "Hi"))
    assert (failure.value.code, failure.value.retryable, failure.value.needs_reconnect) == (
        "integration_needs_reconnect", False, True)
    assert "reconnect Slack in Settings → Integrations" in failure.value.message


def test_an_expired_token_is_renewed_and_tried_again_not_a_reconnect(fake_slack: FakeSlack, slack: SlackWebApi) -> None:
    token = fake_slack.install().access_token
    fake_slack.expire(token)
    with pytest.raises(SendFailure) as failure:
        slack.identify(token)
    assert (failure.value.code, failure.value.retryable, failure.value.needs_reconnect) == ("token_expired", True, False)


def test_a_missing_scope_needs_a_reconnect_that_grants_it(fake_slack: FakeSlack, slack: SlackWebApi) -> None:
    fake_slack.add_channel("#acme-onboarding")
    token = fake_slack.install(scope="users:read").access_token
    with pytest.raises(SendFailure) as failure:
        slack.post_message(token, SlackMessage("#acme-onboarding", "Hi"))
    assert (failure.value.code, failure.value.needs_reconnect, failure.value.retryable) == ("missing_scope", True, False)
    assert "chat:write" in failure.value.message


def test_a_closed_port_is_a_retryable_unreachable(fake_slack: FakeSlack) -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SendFailure) as failure:
        SlackWebApi(f"http://127.0.0.1:{port}/api/", timeout=2).post_message("xoxb-x", SlackMessage("#a", "Hi"))
    assert failure.value.code in {"slack_unreachable", "timeout"}
    assert failure.value.retryable is True


def test_a_server_that_does_not_answer_in_time_is_a_retryable_timeout() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (backlog) but never answers
        port = silent.getsockname()[1]
        with pytest.raises(SendFailure) as failure:
            SlackWebApi(f"http://127.0.0.1:{port}/api/", timeout=0.5).identify("xoxb-x")
    assert (failure.value.code, failure.value.retryable) == ("timeout", True)


def test_identify_names_the_workspace_and_the_bot(fake_slack: FakeSlack, slack: SlackWebApi) -> None:
    identity = slack.identify(fake_slack.install().access_token)
    assert (identity.account_id, identity.account_name, identity.bot_user_id) == (
        "T0LUMEN", "Lumen (lumen.slack.com)", "U0BOT")


def test_an_unknown_token_cannot_identify(fake_slack: FakeSlack, slack: SlackWebApi) -> None:
    with pytest.raises(SendFailure) as failure:
        slack.identify("xoxb-never-issued")
    assert failure.value.code == "integration_needs_reconnect"
