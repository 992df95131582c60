"""Small things every templates view needs: who is acting, and optimistic concurrency headers."""

from __future__ import annotations

from stitch.common.http.auth import current_principal
from stitch.common.http.conditional import etag, expected_version
from stitch.common.http.pagination import cursor_problem, decode_cursor
from stitch.templates.application.common import Actor

__all__ = ["actor", "etag", "expected_version", "number_cursor"]


def actor() -> Actor:
    principal = current_principal()
    return Actor(principal.org_id, principal.subject)


def number_cursor(cursor: str | None) -> int | None:
    """The position of a revision or version page: one number, as this API wrote it."""
    after = decode_cursor(cursor)
    if after is None:
        return None
    if len(after) != 1 or not (after[0].isascii() and after[0].isdigit() and len(after[0]) <= 9):
        raise cursor_problem()
    return int(after[0])
