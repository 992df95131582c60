"""The OAuthClient port over Authlib: authorization URL, code exchange, refresh, revocation.

Providers differ in small ways from RFC 6749 (Slack answers errors with HTTP 200 and
``{"ok": false}``, lists scopes with commas, names the workspace in ``team``); those differences
live in ``_QUIRKS``, one entry per provider, so a new provider adds an entry, not an ``if``.

Every refusal becomes an :class:`OAuthFailure` in plain words. No token, code, verifier or client
secret ever reaches an exception text or a log line: messages are built here from the provider's
error code only, and exceptions of the HTTP stack that could echo a request are not chained.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from stitch.connectors.application.providers_ports import TokenSet
from stitch.connectors.domain.failures import OAuthFailure
from stitch.connectors.domain.providers import ProviderDefinition


def _no_account(answer: Mapping[str, Any]) -> tuple[str | None, str | None]:
    return None, None


def _slack_team(answer: Mapping[str, Any]) -> tuple[str | None, str | None]:
    # An org-wide (Enterprise Grid) install has no team, only the enterprise.
    team = answer.get("team") or answer.get("enterprise") or {}
    return team.get("id"), team.get("name")


@dataclasses.dataclass(frozen=True)
class _Quirks:
    ok_flag: bool = False  # errors come as HTTP 200 {"ok": false, "error": …}: "ok" must be true
    scope_separator: str = " "  # how the authorize request lists scopes
    account: Callable[[Mapping[str, Any]], tuple[str | None, str | None]] = _no_account
    revoke_with_bearer: bool = False  # revocation authenticates with the token itself, not RFC 7009


_STANDARD = _Quirks()
_QUIRKS: Mapping[str, _Quirks] = {
    "slack": _Quirks(ok_flag=True, scope_separator=",", account=_slack_team, revoke_with_bearer=True),
}

# The grant is gone (expired, used, revoked): only a new connect flow can help.
_GRANT_GONE = frozenset({"invalid_grant", "invalid_code", "code_already_used", "invalid_refresh_token",
                         "token_revoked", "token_expired", "invalid_auth", "not_authed", "account_inactive"})
# Stitch's own app credentials are wrong: an operator must fix the settings.
_CLIENT_REJECTED = frozenset({"invalid_client", "invalid_client_id", "bad_client_secret", "unauthorized_client"})
_RATE_LIMITED = frozenset({"ratelimited", "rate_limited", "slow_down"})
_PROVIDER_TROUBLE = frozenset({"server_error", "temporarily_unavailable", "internal_error", "fatal_error",
                               "service_unavailable", "request_timeout"})
_SAFE_ERROR_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AuthlibOAuthClient:
    def __init__(self, definitions: Mapping[str, ProviderDefinition], credentials: Mapping[str, tuple[str, str]],
                 *, timeout: float = 10.0, clock: Callable[[], datetime] = _utc_now) -> None:
        """``credentials``: provider name → (client id, client secret) of Stitch's app there."""
        self._definitions, self._credentials = definitions, credentials
        self._timeout, self._clock = timeout, clock

    def authorization_url(self, provider: str, *, state: str, code_verifier: str | None, redirect_uri: str) -> str:
        definition, quirks = self._provider(provider)
        with self._session(definition) as session:
            url, _ = session.create_authorization_url(
                definition.authorize_url, state=state, redirect_uri=redirect_uri,
                code_verifier=code_verifier if definition.pkce else None,
                scope=quirks.scope_separator.join(definition.scope_names))
        return url

    def exchange_code(self, provider: str, *, code: str, code_verifier: str | None, redirect_uri: str) -> TokenSet:
        definition, quirks = self._provider(provider)
        with self._session(definition, "connecting") as session:
            answer = self._call(definition, "connecting", lambda: session.fetch_token(
                definition.token_url, grant_type="authorization_code", code=code, redirect_uri=redirect_uri,
                code_verifier=code_verifier if definition.pkce else None,
                timeout=self._timeout, allow_redirects=False))
        return self._token_set(definition, quirks, answer, "connecting", previous_refresh_token=None)

    def refresh(self, provider: str, refresh_token: str) -> TokenSet:
        definition, quirks = self._provider(provider)
        with self._session(definition, "refreshing") as session:
            answer = self._call(definition, "refreshing", lambda: session.refresh_token(
                definition.token_url, refresh_token=refresh_token, timeout=self._timeout, allow_redirects=False))
        # A provider that does not rotate omits refresh_token: the one we have stays valid.
        return self._token_set(definition, quirks, answer, "refreshing", previous_refresh_token=refresh_token)

    def revoke(self, provider: str, token: str) -> bool:
        """True once the provider confirmed. A token the provider already considers dead raises
        OAuthFailure(needs_reconnect=True): for a disconnect, that also means nothing is left."""
        definition, quirks = self._provider(provider)
        if not definition.revoke_url:
            return False
        revoke_url = definition.revoke_url
        with self._session(definition) as session:
            if quirks.revoke_with_bearer:
                response = self._call(definition, "disconnecting", lambda: session.post(
                    revoke_url, headers={"Authorization": f"Bearer {token}"}, withhold_token=True,
                    timeout=self._timeout, allow_redirects=False))
            else:
                response = self._call(definition, "disconnecting", lambda: session.revoke_token(
                    revoke_url, token=token, timeout=self._timeout, allow_redirects=False))
        self._check_answer(definition, "disconnecting", response, body_required=False)
        return True

    # -- plumbing ----------------------------------------------------------------------------------

    def _provider(self, provider: str) -> tuple[ProviderDefinition, _Quirks]:
        try:
            return self._definitions[provider], _QUIRKS.get(provider, _STANDARD)
        except KeyError:
            raise LookupError(f"no provider definition named {provider!r}") from None

    def _session(self, definition: ProviderDefinition, during: str | None = None) -> OAuth2Session:
        client_id, client_secret = self._credentials.get(definition.name, ("", ""))
        if not client_id or not client_secret:
            env = f"STITCH_{definition.name.upper()}"
            raise OAuthFailure("not_configured", f"{definition.title} is not set up on this Stitch. An admin needs to "
                               f"set {env}_CLIENT_ID and {env}_CLIENT_SECRET.", retryable=False)
        # trust_env=False: no ambient proxy or .netrc decides where client secrets and tokens go.
        session = OAuth2Session(client_id, client_secret, code_challenge_method="S256" if definition.pkce else None,
                                trust_env=False, default_timeout=self._timeout)
        if during is not None:
            # Read the answer before Authlib does, to turn Slack-style HTTP 200 errors (and any
            # refusal) into an OAuthFailure with our words.
            def check(response: requests.Response) -> requests.Response:
                self._check_answer(definition, during, response, body_required=True)
                return response

            session.register_compliance_hook("access_token_response", check)
            session.register_compliance_hook("refresh_token_response", check)
        return session

    def _call(self, definition: ProviderDefinition, during: str, call: Callable[[], Any]) -> Any:
        title = definition.title
        try:
            return call()
        except requests.Timeout as error:
            raise OAuthFailure("timeout", f"{title} did not answer within {self._timeout:g} s while {during}.",
                               retryable=True) from error
        except requests.RequestException as error:  # connection refused, DNS, TLS, reset
            raise OAuthFailure("provider_unreachable", f"Stitch could not reach {title} while {during}.",
                               retryable=True) from error
        except OAuthError as error:  # the compliance hook normally answers first; kept as a net
            raise self._refusal(definition, during, str(error.error)) from None
        except ValueError:  # Authlib: the answer was not a JSON object
            raise _unexpected(definition, during, None) from None

    def _check_answer(self, definition: ProviderDefinition, during: str, response: requests.Response, *,
                      body_required: bool) -> dict[str, Any] | None:
        status = response.status_code
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = None
        error = body.get("error") if body else None
        if error is None and body is not None and _QUIRKS.get(definition.name, _STANDARD).ok_flag \
                and body.get("ok") is not True:
            error = "unknown_error"
        if status == 429 or error in _RATE_LIMITED:
            raise OAuthFailure("rate_limited", f"{definition.title} asked Stitch to slow down while {during}.",
                               retryable=True,
                               retry_after=_retry_after(response.headers.get("Retry-After")))
        if status >= 500 or error in _PROVIDER_TROUBLE:
            raise OAuthFailure("provider_unavailable", f"{definition.title} had a problem while {during} "
                               f"({_error_label(error, status)}).", retryable=True)
        if error:
            raise self._refusal(definition, during, str(error))
        if status >= 300 or (body is None and body_required):
            raise _unexpected(definition, during, status)
        return body

    def _refusal(self, definition: ProviderDefinition, during: str, error: str) -> OAuthFailure:
        title, label = definition.title, _error_label(error, None)
        if error in _GRANT_GONE:
            if during == "connecting":
                message = (f"{title} did not accept the authorization ({label}): it expired or was already used. "
                           f"Connect {title} again from Settings → Integrations.")
            else:
                message = (f"{title} no longer accepts Stitch's access. An admin needs to reconnect {title} "
                           "in Settings → Integrations.")
            return OAuthFailure("authorization_expired", message, retryable=False, needs_reconnect=True)
        if error in _CLIENT_REJECTED:
            env = f"STITCH_{definition.name.upper()}"
            return OAuthFailure("client_credentials_rejected", f"{title} refused Stitch's app credentials "
                                f"({label}). An admin needs to check {env}_CLIENT_ID and {env}_CLIENT_SECRET.",
                                retryable=False)
        # A refresh the provider refuses for any other reason will not work later either.
        return OAuthFailure("provider_refused", f"{title} refused the request while {during} ({label}).",
                            retryable=False, needs_reconnect=during == "refreshing")

    def _token_set(self, definition: ProviderDefinition, quirks: _Quirks, answer: Mapping[str, Any], during: str,
                   *, previous_refresh_token: str | None) -> TokenSet:
        access_token = answer.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise _unexpected(definition, during, 200)
        try:
            expires_at = self._clock() + timedelta(seconds=int(answer["expires_in"]))
        except (KeyError, TypeError, ValueError):
            expires_at = None  # the token does not expire (or the provider does not say)
        scope = answer.get("scope")
        # RFC 6749 separates granted scopes with spaces, Slack with commas: accept both. Absent
        # means "as requested" (RFC 6749 5.1).
        scopes = tuple(part for part in re.split(r"[,\s]+", scope) if part) if isinstance(scope, str) \
            else definition.scope_names
        account_id, account_name = quirks.account(answer)
        return TokenSet(access_token=access_token, refresh_token=answer.get("refresh_token") or previous_refresh_token,
                        expires_at=expires_at, scopes=scopes, account_id=account_id, account_name=account_name)


def _unexpected(definition: ProviderDefinition, during: str, status: int | None) -> OAuthFailure:
    shown = f" (HTTP {status})" if status else ""
    return OAuthFailure("unexpected_answer", f"{definition.title} gave an answer Stitch does not understand while "
                        f"{during}{shown}. Check the provider's address in the settings.", retryable=False)


def _error_label(error: object, status: int | None) -> str:
    if isinstance(error, str) and _SAFE_ERROR_CODE.fullmatch(error):
        return error
    return f"HTTP {status}" if status else "unknown error"


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: rare for APIs; the delivery queue's own backoff applies
