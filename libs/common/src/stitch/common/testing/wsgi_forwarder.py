"""A forwarder for tests: the gateway's ``forward`` port, delivered to in-process WSGI apps.

It stands in for the gateway's HTTP ``Forwarder`` (same call, same answer type) but dispatches
to a Flask app chosen by base URL through its test client, so a whole suite runs in one
process with no sockets. Only the request headers the real forwarder passes reach the service,
with the same ``path`` and ``authorization`` overrides, so what a service sees here is what it
would see over HTTP. stitch.common imports no part (import-linter), so the caller hands over
the gateway's header lists.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

from flask import Flask, Request, Response
from urllib3.util import parse_url

from stitch.common import context


class NoAppAtBaseUrl(LookupError):
    """The gateway forwarded to a base URL the test did not map to an app."""


@dataclasses.dataclass(frozen=True)
class ForwardedCall:
    base_url: str
    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    status: int


class WsgiForwarder:
    def __init__(self, apps: Mapping[str, Flask], *, passed_headers: Collection[str],
                 hop_by_hop: Collection[str] = ()) -> None:
        """``apps``: base URL (as the gateway's settings name it) → app; ``passed_headers``: the
        request headers that reach a service; ``hop_by_hop``: response headers that do not."""
        self.apps = {url.rstrip("/"): app for url, app in apps.items()}
        self._passed = tuple(passed_headers)
        self._hop_by_hop = {name.lower() for name in hop_by_hop}
        self.calls: list[ForwardedCall] = []

    def forward(self, base_url: str, incoming: Request, *, path: str | None = None,
                authorization: str | None = None, cookies: tuple[str, ...] = ()) -> Response:
        app = self.apps.get(base_url.rstrip("/"))
        if app is None:
            raise NoAppAtBaseUrl(f"no app is mapped to {base_url!r}")
        headers = {name: incoming.headers[name] for name in self._passed if name in incoming.headers}
        if passed := [f"{name}={incoming.cookies[name]}" for name in cookies if name in incoming.cookies]:
            headers["Cookie"] = "; ".join(passed)  # only the cookies the gateway names, as over HTTP
        if authorization is not None:
            headers["Authorization"] = authorization
        headers["X-Request-Id"] = context.request_id.get() or context.new_id()
        headers["X-Correlation-Id"] = context.correlation_id.get() or headers["X-Request-Id"]
        headers["traceparent"] = context.child_traceparent(context.traceparent.get())
        # requests builds its URL with urllib3, which removes dot segments and quotes the path:
        # the service sees what it would see over HTTP (/api/x/docs/../y arrives as /api/x/y).
        target = parse_url(f"http://in-process.invalid{path or incoming.path}").path or "/"
        query = incoming.query_string.decode("latin-1")
        # No cookie jar: werkzeug would replace the Cookie header with the jar's (empty) contents.
        with app.test_client(use_cookies=False) as client:
            upstream = client.open(target, method=incoming.method, headers=headers, query_string=query,
                                   data=incoming.get_data(cache=False))
        self.calls.append(ForwardedCall(base_url, incoming.method, target, query, headers, upstream.status_code))
        response = Response(upstream.get_data(), status=upstream.status_code)
        for name, value in upstream.headers.items():
            if name.lower() not in self._hop_by_hop:
                response.headers[name] = value
        return response

    def probe(self, urls: Mapping[str, str]) -> dict[str, Any]:
        """The gateway's ``probe`` port over the same apps: each service's ``/readyz``."""
        answers = {}
        for service, url in urls.items():
            app = self.apps.get(url.rstrip("/"))
            if app is None:
                answers[service] = {"status": "unreachable", "error": "NoAppAtBaseUrl"}
                continue
            with app.test_client() as client:
                body = client.get("/readyz").get_json()
            answers[service] = {"status": body["status"], "checks": body["checks"]}
        return answers
