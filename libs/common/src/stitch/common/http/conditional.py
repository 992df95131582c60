"""Conditional requests: the ETag a GET gives is the resource's version; If-Match sends it back."""

from __future__ import annotations

import re

from flask import request

from stitch.common.http.problems import Problem

_ETAG = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')


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


def stale_version_response(error) -> tuple:
    """The 412 answer for :class:`stitch.common.concurrency.StaleVersion`, with the current ETag."""
    return Problem(412, "Precondition Failed", str(error), headers=etag(error.current)).as_response()
