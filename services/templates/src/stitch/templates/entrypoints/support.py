"""Small things every templates view needs: who is acting, and optimistic concurrency headers."""

from __future__ import annotations

import re

from flask import request

from stitch.common.http.auth import current_principal
from stitch.common.http.pagination import cursor_problem, decode_cursor
from stitch.common.http.problems import Problem
from stitch.templates.application.common import Actor

_ETAG = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')


def actor() -> Actor:
    principal = current_principal()
    return Actor(principal.org_id, principal.subject)


def expected_version() -> int | None:
    """The version named by If-Match (the ETag a GET gave), or None to write unconditionally."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _ETAG.match(header)
    if not match:
        raise Problem(400, "Request is not valid", 'header.If-Match: must be an ETag this API gave, like "3"',
                      errors=[{"name": "header.If-Match", "reason": 'must be an ETag this API gave, like "3"'}])
    return int(match.group(1))


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def number_cursor(cursor: str | None) -> int | None:
    """The position of a revision or version page: one number, as this API wrote it."""
    after = decode_cursor(cursor)
    if after is None:
        return None
    if len(after) != 1 or not (after[0].isascii() and after[0].isdigit() and len(after[0]) <= 9):
        raise cursor_problem()
    return int(after[0])
