"""Opaque cursors for keyset pagination: the client sends back what it was given."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate

from stitch.common.http.problems import Problem


class PageArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None)


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """The response schema of one page of ``item``s: ``{"items": [...], "next_cursor": ...}``."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True),
        "next_cursor": fields.String(allow_none=True, required=True,
                                     metadata={"description": "pass as ?cursor= for the next page; null on the last"}),
    }, name=name)


def encode_cursor(*position: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str, ...] | None:
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return tuple(value)
    except (ValueError, RecursionError):  # RecursionError: deeply nested JSON
        pass
    raise cursor_problem()


def cursor_problem() -> Problem:
    """For a cursor that decodes but does not fit the list it is sent to (views raise it too)."""
    return Problem(422, "Request is not valid", "query.cursor: not a cursor this API issued",
                   errors=[{"name": "query.cursor", "reason": "not a cursor this API issued"}])


def number_cursor(cursor: str | None) -> int | None:
    """The position of a page ordered by a number (revisions, versions, history entries), as this
    API wrote it: one string of at most nine ASCII digits, else the cursor problem."""
    after = decode_cursor(cursor)
    if after is None:
        return None
    if len(after) != 1 or not (after[0].isascii() and after[0].isdigit() and len(after[0]) <= 9):
        raise cursor_problem()
    return int(after[0])


def time_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    """The position of a page ordered by a time, then an id (notes, queues), as this API wrote it:
    an ISO 8601 time with its offset and a non-empty id, else the cursor problem."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    try:
        at, item_id = position
        time = datetime.fromisoformat(at)
    except ValueError:
        raise cursor_problem() from None
    if time.utcoffset() is None or not item_id:
        raise cursor_problem()
    return time, item_id


def page_of(items: Sequence[Any], limit: int, position: Callable[[Any], Sequence[str]]) -> dict[str, Any]:
    """Views fetch ``limit + 1`` rows: the extra row only says whether there is a next page."""
    more = len(items) > limit
    items = list(items[:limit])
    return {"items": items, "next_cursor": encode_cursor(*position(items[-1])) if more else None}
