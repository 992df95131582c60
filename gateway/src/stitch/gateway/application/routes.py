"""The route table and the public-route list (DESIGN §4): everything else needs a valid token."""

from __future__ import annotations

import re

# Each entry: (why it is public, pattern on the path). Dev-only routes are public only in "dev".
PUBLIC_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (why, re.compile(pattern)) for why, pattern in (
        ("process health", r"^/(healthz|readyz|metrics)$"),
        ("suite health (statuses only without a token)", r"^/ops/health$"),
        ("token verification keys", r"^/\.well-known/jwks\.json$"),
        ("sign-in, refresh, sign-out, sign-up, email links, password reset, invitations", r"^/auth/[a-z-]+$"),
        ("API documents and their browsable UI", r"^/api/[a-z]+/(openapi\.json|docs(/.*)?)$"),
        ("CRM and provider webhooks", r"^/webhooks/.+$"),
        ("OAuth callbacks", r"^/oauth/[a-z0-9_-]+/callback$"),
        ("customer portal pages and magic links", r"^/portal/.+$"),
        ("AE handoff links", r"^/handoff/.+$"),
    )
)
DEV_ONLY_PUBLIC_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (why, re.compile(pattern)) for why, pattern in (
        ("development mailbox", r"^/dev/mail(/.*)?$"),
    )
)


def is_public(path: str, dev: bool) -> bool:
    routes = PUBLIC_ROUTES + (DEV_ONLY_PUBLIC_ROUTES if dev else ())
    return any(pattern.match(path) for _why, pattern in routes)
