"""Bearer-token checks for views. Services verify tokens themselves (DESIGN §4)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request

from stitch.common.http.problems import Problem
from stitch.common.tokens import Principal, TokenError, TokenVerifier

CHALLENGE = {"WWW-Authenticate": "Bearer"}  # a 401 must name the scheme (RFC 9110 §15.5.2)
BEARER_SCHEME = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:
        principal = authenticate(current_app.extensions["stitch.verifier"])
        g.principal = principal
    return principal


def authenticate(verifier: TokenVerifier) -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "Unauthorized", "a bearer token is required", headers=CHALLENGE)
    try:
        return verifier.verify(token.strip())
    except TokenError as exc:
        raise Problem(401, "Unauthorized", str(exc), headers=CHALLENGE) from exc


def requires_auth(capability: str | None = None) -> Callable:
    """Decorate a view: a valid token is required, and ``capability`` if given (see
    :mod:`stitch.common.permissions`; views name capabilities, never roles)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if capability is not None and not principal.can(capability):
                raise Problem(403, "Forbidden", f"this needs the {capability!r} permission")
            return view(*args, **kwargs)

        wrapped._stitch_capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator
