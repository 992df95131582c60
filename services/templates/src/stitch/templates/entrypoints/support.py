"""Small things every templates view needs: who is acting, and optimistic concurrency headers."""

from __future__ import annotations

from stitch.common.http.auth import current_principal
from stitch.common.http.conditional import etag, expected_version
from stitch.common.http.pagination import number_cursor
from stitch.templates.application.common import Actor

__all__ = ["actor", "etag", "expected_version", "number_cursor"]


def actor() -> Actor:
    principal = current_principal()
    return Actor(principal.org_id, principal.subject)
