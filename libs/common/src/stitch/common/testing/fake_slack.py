"""A fake slack.com for tests: a real HTTP server on loopback that slack_sdk and Authlib talk to.

It plays one Slack app installed in one workspace ("Lumen", T0LUMEN): the OAuth v2 authorize page
(auto-approving), ``oauth.v2.access`` (code exchange with PKCE, refresh with token rotation),
``auth.revoke``, ``auth.test`` and ``chat.postMessage``. It answers the way Slack does (HTTP 200
with ``{"ok": false, "error": …}`` for API errors, 429 with ``Retry-After``), so the adapters are
tested through the real client libraries and their real error paths, not through mocks.

Tests arrange channels (``add_channel``), script failures (``fail_next``, ``deny_next``,
``expire``) and read what happened (``messages``, ``revoked``, ``issued``, ``calls``,
``authorize_requests``).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from werkzeug.datastructures import MultiDict
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

TEAM = {"id": "T0LUMEN", "name": "Lumen"}
BOT_USER_ID, BOT_ID, APP_ID, ADMIN_USER_ID = "U0BOT", "B0BOT", "A0APP", "U0ADMIN"
DEFAULT_SCOPE = "chat:write"
MAX_TEXT = 40_000  # Slack truncates beyond this and answers msg_too_long


@dataclasses.dataclass(frozen=True)
class AuthorizeRequest:
    client_id: str
    scope: str
    redirect_uri: str
    state: str
    code_challenge: str | None
    code_challenge_method: str | None


@dataclasses.dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    scope: str
    grant_type: str  # "authorization_code", "refresh_token" or "install" (arranged by a test)


@dataclasses.dataclass(frozen=True)
class PostedMessage:
    channel: str  # the channel id
    text: str
    token: str
    ts: str


@dataclasses.dataclass
class Channel:
    id: str
    name: str  # without "#"
    member: bool
    archived: bool


@dataclasses.dataclass
class _Grant:
    """One installation: its access tokens and current refresh token die together when revoked."""

    scope: str
    refresh_token: str = ""
    revoked: bool = False


@dataclasses.dataclass
class _AccessToken:
    grant: _Grant
    expires_at: float


@dataclasses.dataclass
class _PendingCode:
    redirect_uri: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None


@dataclasses.dataclass
class _ScriptedFailure:
    status: int
    error: str | None
    retry_after: int


class _QuietHandler(WSGIRequestHandler):
    # The request line carries state and PKCE challenges: keep it out of test logs.
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class FakeSlack:
    def __init__(self, *, client_id: str = "fake-client-id", client_secret: str = "fake-client-secret",
                 token_lifetime: int = 43200) -> None:
        self.client_id, self.client_secret, self.token_lifetime = client_id, client_secret, token_lifetime
        self.messages: list[PostedMessage] = []
        self.revoked: list[str] = []
        self.issued: list[IssuedTokens] = []
        self.calls: list[str] = []
        self.authorize_requests: list[AuthorizeRequest] = []
        self.channels: dict[str, Channel] = {}
        self._codes: dict[str, _PendingCode] = {}
        self._access: dict[str, _AccessToken] = {}
        self._refresh: dict[str, _Grant] = {}
        self._failures: dict[str, list[_ScriptedFailure]] = {}
        self._deny_next = False
        self._ts = itertools.count(100)
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        # A short poll interval: stopping waits for the loop to notice, once per test.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    # -- arranging -------------------------------------------------------------------------------

    def add_channel(self, name: str, *, member: bool = True, archived: bool = False) -> str:
        """A channel of the workspace; ``member``: the app's bot was invited to it. Its id."""
        with self._lock:
            channel = Channel(f"C{len(self.channels) + 1:08d}", name.lstrip("#"), member, archived)
            self.channels[channel.id] = channel
            return channel.id

    def install(self, scope: str = DEFAULT_SCOPE) -> IssuedTokens:
        """Tokens as if an admin had completed the OAuth flow (for tests that only post)."""
        with self._lock:
            return self._issue(_Grant(scope), "install")

    def deny_next(self) -> None:
        """The next authorize request is declined by the admin (error=access_denied)."""
        self._deny_next = True

    def fail_next(self, method: str, count: int = 1, *, status: int | None = None, error: str | None = None,
                  retry_after: int = 1) -> None:
        """The next ``count`` calls of ``method`` ("chat.postMessage") fail: ``status`` 429 (the
        default) answers ``ratelimited`` with Retry-After, a 5xx answers a non-JSON error page as
        Slack's edge does, ``error`` alone answers HTTP 200 ``{"ok": false, "error": error}``."""
        if status is None:
            status = 200 if error else 429
        failure = _ScriptedFailure(status, error, retry_after)
        with self._lock:
            self._failures.setdefault(method, []).extend([failure] * count)

    def expire(self, token: str) -> None:
        """The access token is past its expiry: Slack then answers token_expired."""
        with self._lock:
            self._access[token].expires_at = 0.0

    # -- HTTP --------------------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.method == "GET" and request.path == "/oauth/v2/authorize":
            response = self._authorize(request)
        elif request.method == "POST" and request.path.startswith("/api/"):
            response = self._api(request, request.path.removeprefix("/api/"))
        else:
            response = Response("not found", status=404, content_type="text/plain")
        return response(environ, start_response)

    def _authorize(self, request: Request) -> Response:
        args = request.args
        with self._lock:
            self.calls.append("oauth.v2.authorize")
            if args.get("client_id") != self.client_id or not args.get("redirect_uri"):
                # Slack shows an error page to the admin and does not redirect.
                return Response("invalid_client_id or missing redirect_uri", status=400, content_type="text/plain")
            authorize = AuthorizeRequest(args.get("client_id", ""), args.get("scope", ""), args["redirect_uri"],
                                         args.get("state", ""), args.get("code_challenge"),
                                         args.get("code_challenge_method"))
            self.authorize_requests.append(authorize)
            if self._deny_next:
                self._deny_next = False
                return _redirect(authorize.redirect_uri, error="access_denied", state=authorize.state)
            code = secrets.token_urlsafe(16)
            self._codes[code] = _PendingCode(authorize.redirect_uri, authorize.scope or DEFAULT_SCOPE,
                                             authorize.code_challenge, authorize.code_challenge_method)
        return _redirect(authorize.redirect_uri, code=code, state=authorize.state)

    def _api(self, request: Request, method: str) -> Response:
        params = _params(request)
        with self._lock:
            self.calls.append(method)
            scripted = self._failures.get(method)
            if scripted:
                return _scripted(scripted.pop(0))
            handler = {
                "oauth.v2.access": self._oauth_access,
                "auth.revoke": self._auth_revoke,
                "auth.test": self._auth_test,
                "chat.postMessage": self._post_message,
            }.get(method)
            if handler is None:
                return _answer({"ok": False, "error": "unknown_method"})
            return _answer(handler(request, params))

    # -- methods (called with the lock held) -------------------------------------------------------

    def _oauth_access(self, request: Request, params: MultiDict[str, str]) -> dict[str, Any]:
        client_id, client_secret = _client_credentials(request, params)
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if not hmac.compare_digest(client_secret.encode(), self.client_secret.encode()):
            return {"ok": False, "error": "bad_client_secret"}
        if params.get("grant_type") == "refresh_token":
            grant = self._refresh.pop(params.get("refresh_token", ""), None)
            if grant is None or grant.revoked:
                return {"ok": False, "error": "invalid_refresh_token"}
            return self._token_answer(self._issue(grant, "refresh_token"))
        pending = self._codes.pop(params.get("code", ""), None)  # single use, even when refused below
        if pending is None:
            return {"ok": False, "error": "invalid_code"}
        if params.get("redirect_uri", pending.redirect_uri) != pending.redirect_uri:
            return {"ok": False, "error": "bad_redirect_uri"}
        if pending.code_challenge and not _pkce_matches(pending, params.get("code_verifier", "")):
            return {"ok": False, "error": "invalid_code_verifier"}
        answer = self._token_answer(self._issue(_Grant(pending.scope), "authorization_code"))
        answer["authed_user"] = {"id": ADMIN_USER_ID}
        return answer

    def _auth_revoke(self, request: Request, params: MultiDict[str, str]) -> dict[str, Any]:
        token = _bearer(request) or params.get("token", "")
        grant = self._refresh.get(token) or (self._access[token].grant if token in self._access else None)
        if grant is None:
            return {"ok": False, "error": "invalid_auth"}
        if grant.revoked:
            return {"ok": False, "error": "token_revoked"}
        grant.revoked = True  # the installation goes: its access and refresh tokens stop working
        self.revoked.append(token)
        return {"ok": True, "revoked": True}

    def _auth_test(self, request: Request, params: MultiDict[str, str]) -> dict[str, Any]:
        refused = self._refused(_bearer(request) or params.get("token", ""))
        if refused:
            return refused
        return {"ok": True, "url": "https://lumen.slack.com/", "team": TEAM["name"], "user": "stitch",
                "team_id": TEAM["id"], "user_id": BOT_USER_ID, "bot_id": BOT_ID}

    def _post_message(self, request: Request, params: MultiDict[str, str]) -> dict[str, Any]:
        token = _bearer(request) or params.get("token", "")
        refused = self._refused(token, needs="chat:write")
        if refused:
            return refused
        channel = self._channel(params.get("channel", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel.archived:
            return {"ok": False, "error": "is_archived"}
        if not channel.member:
            return {"ok": False, "error": "not_in_channel"}
        text = params.get("text", "")
        if not text.strip():
            return {"ok": False, "error": "no_text"}
        if len(text) > MAX_TEXT:
            return {"ok": False, "error": "msg_too_long"}
        ts = f"1700000000.{next(self._ts):06d}"
        self.messages.append(PostedMessage(channel.id, text, token, ts))
        return {"ok": True, "channel": channel.id, "ts": ts,
                "message": {"type": "message", "text": text, "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts}}

    # -- helpers -----------------------------------------------------------------------------------

    def _issue(self, grant: _Grant, grant_type: str) -> IssuedTokens:
        access_token = f"xoxb-{secrets.token_urlsafe(24)}"
        grant.refresh_token = f"xoxe-1-{secrets.token_urlsafe(32)}"  # rotation: the old one is popped
        self._access[access_token] = _AccessToken(grant, time.time() + self.token_lifetime)
        self._refresh[grant.refresh_token] = grant
        issued = IssuedTokens(access_token, grant.refresh_token, grant.scope, grant_type)
        self.issued.append(issued)
        return issued

    def _token_answer(self, issued: IssuedTokens) -> dict[str, Any]:
        return {"ok": True, "access_token": issued.access_token, "token_type": "bot", "scope": issued.scope,
                "bot_user_id": BOT_USER_ID, "app_id": APP_ID, "team": dict(TEAM), "enterprise": None,
                "is_enterprise_install": False, "refresh_token": issued.refresh_token,
                "expires_in": self.token_lifetime}

    def _refused(self, token: str, needs: str | None = None) -> dict[str, Any] | None:
        if not token:
            return {"ok": False, "error": "not_authed"}
        access = self._access.get(token)
        if access is None:
            return {"ok": False, "error": "invalid_auth"}
        if access.grant.revoked:
            return {"ok": False, "error": "token_revoked"}
        if access.expires_at <= time.time():
            return {"ok": False, "error": "token_expired"}
        if needs and needs not in access.grant.scope.replace(",", " ").split():
            return {"ok": False, "error": "missing_scope", "needed": needs, "provided": access.grant.scope}
        return None

    def _channel(self, reference: str) -> Channel | None:
        if reference in self.channels:
            return self.channels[reference]
        name = reference.lstrip("#")
        return next((channel for channel in self.channels.values() if channel.name == name), None)


def _params(request: Request) -> MultiDict[str, str]:
    """Slack takes JSON (with a Bearer token) or a form for every write method."""
    if request.is_json:
        body = request.get_json(silent=True)
        return MultiDict({key: str(value) for key, value in (body or {}).items() if value is not None})
    return MultiDict(request.form)


def _bearer(request: Request) -> str | None:
    auth = request.authorization
    return auth.token if auth is not None and auth.type == "bearer" else None


def _client_credentials(request: Request, params: MultiDict[str, str]) -> tuple[str, str]:
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        # RFC 6749 2.3.1: clients form-encode both parts before Basic encoding; Authlib does.
        return unquote_plus(auth.username or ""), unquote_plus(auth.password or "")
    return params.get("client_id", ""), params.get("client_secret", "")


def _pkce_matches(pending: _PendingCode, verifier: str) -> bool:
    if pending.code_challenge_method == "plain":
        expected = verifier
    else:
        expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    return bool(verifier) and hmac.compare_digest(expected, pending.code_challenge or "")


def _redirect(redirect_uri: str, **params: str) -> Response:
    parts = urlsplit(redirect_uri)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return Response(status=302, headers={"Location": urlunsplit(parts._replace(query=query))})


def _answer(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=200, content_type="application/json; charset=utf-8")


def _scripted(failure: _ScriptedFailure) -> Response:
    if failure.status == 429:
        response = _answer({"ok": False, "error": "ratelimited"})
        response.status_code = 429
        response.headers["Retry-After"] = str(failure.retry_after)
        return response
    if failure.status >= 500:
        return Response("<html><body>Slack is having trouble</body></html>", status=failure.status,
                        content_type="text/html")
    response = _answer({"ok": False, "error": failure.error or "fatal_error"})
    response.status_code = failure.status
    return response
