"""The SlackApi port over slack_sdk's WebClient: chat.postMessage and auth.test.

Every way a call can go wrong becomes a :class:`SendFailure` whose words a CSM can act on
("invite the app to #acme-onboarding") and whose ``retryable`` verdict the delivery queue follows.
slack_sdk's own retries are off: the queue retries with backoff and records each attempt, so a
hidden retry here would only double the wait and hide attempts from the action's history.
"""

from __future__ import annotations

import http.client
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from stitch.connectors.application.providers_ports import WorkspaceIdentity
from stitch.connectors.domain.failures import SendFailure
from stitch.connectors.domain.messages import SlackMessage

# slack_sdk logs request and response bodies (message text) at DEBUG: its own logger, held at INFO.
_SDK_LOGGER_NAME = f"{__name__}.sdk"

RECONNECT_MESSAGE = ("Slack no longer accepts Stitch's access. An admin needs to reconnect Slack in "
                     "Settings → Integrations.")
_NEEDS_RECONNECT = frozenset({"invalid_auth", "not_authed", "token_revoked", "account_inactive"})
_SLACK_TROUBLE = frozenset({"fatal_error", "internal_error", "service_unavailable", "request_timeout"})
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{8,}")
_SAFE_ERROR_CODE = re.compile(r"[a-z0-9_.:,\-]{1,64}")


class SlackWebApi:
    def __init__(self, api_url: str, *, timeout: float = 10.0) -> None:
        """``api_url``: the Web API base the methods hang off (``https://slack.com/api/``)."""
        self._api_url, self._timeout = api_url, timeout
        self._sdk_logger = logging.getLogger(_SDK_LOGGER_NAME)
        self._sdk_logger.setLevel(logging.INFO)

    def post_message(self, token: str, message: SlackMessage) -> str:
        answer = self._call(token, message.channel, repeatable=False,
                            call=lambda client: client.chat_postMessage(channel=message.channel, text=message.text))
        return str(answer.get("ts") or "")  # posted either way: a missing id must not make it look failed

    def identify(self, token: str) -> WorkspaceIdentity:
        answer = self._call(token, None, repeatable=True, call=lambda client: client.auth_test())
        team_id = str(answer.get("team_id") or "")
        team = str(answer.get("team") or team_id)
        host = urlsplit(str(answer.get("url") or "")).hostname
        return WorkspaceIdentity(account_id=team_id, account_name=f"{team} ({host})" if host else team,
                                 bot_user_id=answer.get("user_id"))

    def _call(self, token: str, channel: str | None, *, repeatable: bool,
              call: Callable[[WebClient], SlackResponse]) -> SlackResponse:
        # One client per call: the token is per organization, and a WebClient holds one token.
        client = WebClient(token=token, base_url=self._api_url, timeout=self._timeout,
                           retry_handlers=[],  # the default would retry connection errors once
                           logger=self._sdk_logger)
        try:
            return call(client)
        except SlackApiError as error:
            # Not chained: the SDK's exception text repeats the whole answer.
            raise _failure_from_answer(error.response, channel) from None
        except URLError as error:  # urllib wraps what fails while sending the request: nothing was posted
            if isinstance(error.reason, TimeoutError):
                raise self._timed_out() from error
            raise _unreachable() from error
        except (OSError, http.client.HTTPException) as error:  # timed out or cut off while awaiting the answer
            # The request went out whole: Slack may have posted it. Posting again could post it twice.
            if not repeatable:
                raise _outcome_unknown() from error
            raise (self._timed_out() if isinstance(error, TimeoutError) else _unreachable()) from error

    def _timed_out(self) -> SendFailure:
        return SendFailure("timeout", f"Slack did not answer within {self._timeout:g} s.",
                           retryable=True)


def _outcome_unknown() -> SendFailure:
    return SendFailure("outcome_unknown", "Slack took the message but its answer never arrived, so it may or may not "
                       "have been posted. Check the channel before sending it again.", retryable=False)


def _unreachable() -> SendFailure:
    return SendFailure("slack_unreachable", "Stitch could not reach Slack.", retryable=True)


def _failure_from_answer(response: SlackResponse, channel: str | None) -> SendFailure:
    status = response.status_code
    data: Mapping[str, Any] = response.data if isinstance(response.data, dict) else {}
    # Above 499 the SDK invents an "error" from the HTML page: only Slack's own codes are used.
    error = str(data.get("error") or "") if status < 500 else ""
    where = _channel_label(channel) if channel else "the channel"
    if status == 429 or error == "ratelimited":
        return SendFailure("rate_limited", "Slack asked Stitch to slow down.",
                           retryable=True, retry_after=_retry_after(response.headers))
    if status >= 500 or error in _SLACK_TROUBLE:
        return SendFailure("slack_unavailable", f"Slack had a problem ({_label(error, status)}).",
                           retryable=True)
    if error == "not_in_channel":
        return SendFailure("bot_not_in_channel", f"The Stitch app is not in {where}. Invite it to the channel "
                           "(/invite @Stitch), then run the action again.", retryable=False)
    if error == "channel_not_found":
        return SendFailure("channel_not_found", f"Slack has no channel {where} that the Stitch app can see. Check "
                           "the channel on the account (a private channel needs /invite @Stitch first), then run "
                           "the action again.", retryable=False)
    if error == "is_archived":
        return SendFailure("channel_archived", f"{where[0].upper()}{where[1:]} is archived in Slack. Unarchive it "
                           "or choose another channel, then run the action again.", retryable=False)
    if error == "msg_too_long":
        return SendFailure("message_too_long", f"The message for {where} is too long for Slack (at most 40,000 "
                           "characters). Shorten it, then run the action again.", retryable=False)
    if error == "no_text":
        return SendFailure("empty_message", f"The message for {where} is empty. Write it, then run the action "
                           "again.", retryable=False)
    if error == "token_expired":  # the refresh token still works: Stitch renews the access and tries again
        return SendFailure("token_expired", "Slack's access for Stitch had expired; Stitch renews it.",
                           retryable=True)
    if error in _NEEDS_RECONNECT:
        return SendFailure("integration_needs_reconnect", RECONNECT_MESSAGE, retryable=False, needs_reconnect=True)
    if error == "missing_scope":
        needed = _label(data.get("needed"), None)
        return SendFailure("missing_scope", f"Stitch's Slack app lacks a permission it needs ({needed}). An admin "
                           "needs to reconnect Slack in Settings → Integrations to grant it.", retryable=False,
                           needs_reconnect=True)
    return SendFailure("slack_refused", f"Slack refused the request for {where} ({_label(error, status)}).",
                       retryable=False)


def _channel_label(channel: str) -> str:
    if channel.startswith("#"):
        return channel
    return f"channel {channel}" if _CHANNEL_ID.fullmatch(channel) else f"#{channel}"


def _label(error: object, status: int | None) -> str:
    if isinstance(error, str) and _SAFE_ERROR_CODE.fullmatch(error):
        return error
    return f"HTTP {status}" if status else "unknown error"


def _retry_after(headers: Mapping[str, Any]) -> float | None:
    value = next((value for name, value in headers.items() if name.lower() == "retry-after"), None)
    if isinstance(value, list):  # the SDK keeps some header values as lists
        value = value[0] if value else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None  # an HTTP date: the delivery queue's own backoff applies
