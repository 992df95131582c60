"""Request ids, correlation ids, traceparent, access logs and request metrics for Flask apps."""

from __future__ import annotations

import logging
import re
import time

from flask import Flask, Response, g, request

from stitch.common import context, metrics

log = logging.getLogger("stitch.access")
_QUIET = ("/healthz", "/readyz", "/metrics")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


def install_request_context(app: Flask, service: str) -> None:
    @app.before_request
    def _enter() -> None:
        rid = _clean(request.headers.get("X-Request-Id")) or context.new_id()
        g._stitch_ctx = context.bound(
            request_id=rid,
            correlation_id=_clean(request.headers.get("X-Correlation-Id")) or rid,
            causation_id=rid,
            traceparent=_valid_traceparent(request.headers.get("traceparent")) or context.new_traceparent(),
        )
        g._stitch_ctx.__enter__()
        g._stitch_started = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        response.headers["X-Request-Id"] = context.request_id.get() or ""
        if request.path in _QUIET:
            return response
        route = request.url_rule.rule if request.url_rule else "unmatched"  # bounded label values
        elapsed = time.perf_counter() - getattr(g, "_stitch_started", time.perf_counter())
        metrics.HTTP_REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
        metrics.HTTP_LATENCY.labels(service, request.method, route).observe(elapsed)
        log.info("%s %s %s", request.method, request.path, response.status_code,
                 extra={"status": response.status_code, "duration_ms": round(elapsed * 1000, 1)})
        return response

    @app.teardown_request
    def _leave(_exc: BaseException | None) -> None:
        ctx = g.pop("_stitch_ctx", None)
        if ctx is not None:
            ctx.__exit__(None, None, None)


def _valid_traceparent(value: str | None) -> str | None:
    return value if value and _TRACEPARENT.match(value) else None


def _clean(value: str | None) -> str | None:
    """Accept a caller's id only if it is short and printable (it ends up in logs)."""
    if value and len(value) <= 128 and value.isprintable():
        return value
    return None
