"""Rate limits (Flask-Limiter): sign-in and mailed links per address and per client IP, and a
per-organization quota on every authenticated API call. A refused call gets 429 with
Retry-After, as problem+json.

Counters live in the storage named by STITCH_RATE_LIMIT_STORAGE_URL: memory for one embedded
process, Redis when several gateway replicas must share them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from flask import Flask, Response, g, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from stitch.common.http.problems import Problem
from stitch.gateway.config import Settings


def _email_in_body() -> str:
    """The address a sign-in or link request is about, as the gateway would store it."""
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return f"email:{email.strip().lower()}" if isinstance(email, str) else f"ip:{get_remote_address()}"


def _org_of_caller() -> str:
    return f"org:{g.principal.org_id}"


def _caller() -> str:
    return f"user:{g.principal.subject}"


def _client_ip() -> str:
    return f"ip:{get_remote_address()}"


@dataclasses.dataclass(frozen=True)
class RateLimits:
    limiter: Limiter
    login: Callable
    links: Callable
    tokens: Callable
    password_change: Callable
    invitations: Callable


def install(app: Flask, settings: Settings) -> RateLimits:
    """Call after the edge's before_request hook is registered: the per-org quota needs to know
    the caller, and Flask runs before_request hooks in the order they were added."""
    limiter = Limiter(
        get_remote_address, app=app, storage_uri=settings.rate_limit_storage_url,
        strategy="moving-window",  # a true "5 per minute": no double burst across a window edge
        headers_enabled=True, retry_after="delta-seconds", key_prefix="stitch-gateway",
        # Redis down: count in this process's memory rather than refuse every sign-in with a 500.
        in_memory_fallback_enabled=True,
        application_limits=[ApplicationLimit(settings.org_api_quota, key_function=_org_of_caller,
                                              exempt_when=lambda: g.get("principal") is None)],
    )
    app.register_error_handler(RateLimitExceeded, _too_many)

    def per_email_and_ip(per_email: str, per_ip: str) -> Callable:
        def decorate(view: Callable) -> Callable:
            return limiter.limit(per_ip, key_func=_client_ip, scope="ip")(
                limiter.limit(per_email, key_func=_email_in_body, scope="email")(view))
        return decorate

    return RateLimits(
        limiter=limiter,
        login=per_email_and_ip(settings.login_limit_per_email, settings.login_limit_per_ip),
        links=per_email_and_ip(settings.link_limit_per_email, settings.link_limit_per_ip),
        # One budget per client for every link check and spend, whichever route it calls.
        tokens=limiter.shared_limit(settings.token_limit_per_ip, scope="link-tokens", key_func=_client_ip),
        password_change=limiter.limit(settings.password_change_limit, key_func=_caller),
        invitations=limiter.limit(settings.invitation_limit_per_org, key_func=_org_of_caller, methods=["POST"]),
    )


def _too_many(error: RateLimitExceeded) -> Response:
    return Problem(429, "Too Many Requests", f"too many requests: the limit is {error.description}; "
                                             "try again after Retry-After seconds").as_response()
