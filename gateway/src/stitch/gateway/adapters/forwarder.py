"""Forwarding a request to the service that owns its path, with ids and trace context."""

from __future__ import annotations

import requests
from flask import Request, Response

from stitch.common import context

# Only these request headers reach a service. Anything else (X-Org-Id, X-Forwarded-User…) could
# be a spoofing attempt: services learn the tenant from the verified token, never from a header.
PASSED_REQUEST_HEADERS = ("Authorization", "Content-Type", "Accept", "Accept-Language", "Idempotency-Key",
                          "If-Match", "If-None-Match")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "content-encoding", "content-length"}


class ServiceUnavailable(Exception):
    pass


class Forwarder:
    def __init__(self, timeout: float) -> None:
        self._session = requests.Session()
        self._session.trust_env = False  # never route service traffic through an ambient proxy
        self._timeout = timeout

    def forward(self, base_url: str, incoming: Request, *, path: str | None = None,
                authorization: str | None = None, cookies: tuple[str, ...] = ()) -> Response:
        """Send ``incoming`` to ``base_url`` (at ``path`` if the gateway rewrote it), with
        ``authorization`` in place of the caller's (a token minted for an API key). Cookies are
        not forwarded, except those named in ``cookies`` (an OAuth callback's browser binding)."""
        headers = {name: incoming.headers[name] for name in PASSED_REQUEST_HEADERS if name in incoming.headers}
        if passed := [f"{name}={incoming.cookies[name]}" for name in cookies if name in incoming.cookies]:
            headers["Cookie"] = "; ".join(passed)
        if authorization is not None:
            headers["Authorization"] = authorization
        headers["X-Request-Id"] = context.request_id.get() or context.new_id()
        headers["X-Correlation-Id"] = context.correlation_id.get() or headers["X-Request-Id"]
        headers["traceparent"] = context.child_traceparent(context.traceparent.get())
        try:
            upstream = self._session.request(
                incoming.method, f"{base_url}{path or incoming.path}", params=incoming.query_string,
                data=incoming.get_data(cache=False), headers=headers, allow_redirects=False,
                timeout=(2.0, self._timeout),
            )
        except requests.RequestException as exc:
            raise ServiceUnavailable(str(exc)) from exc
        response = Response(upstream.content, status=upstream.status_code)
        for name, value in upstream.headers.items():
            if name.lower() not in HOP_BY_HOP:
                response.headers[name] = value
        return response
