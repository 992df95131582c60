"""What every accounts view needs: who acts, the If-Match it sent, and an answer with its ETag."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stitch.accounts.application.common import Caller
from stitch.common.http.auth import current_principal
from stitch.common.http.conditional import etag, expected_version
from stitch.common.permissions import Capability

__all__ = ["actor", "caller", "command", "etag", "expected_version", "org_id", "shown"]


def org_id() -> str:
    return current_principal().org_id


def actor() -> tuple[str, str]:
    """(org_id, who): the token's organization and subject (a staff user, or an API key)."""
    principal = current_principal()
    return principal.org_id, principal.subject


def caller() -> tuple[str, Caller]:
    """(org_id, the caller as use cases check them against an account's owner and collaborators)."""
    principal = current_principal()
    return principal.org_id, Caller(principal.subject, sees_all=principal.can(Capability.MANAGE_ACCOUNTS))


def shown(account: Any, status: int | None = None, headers: dict[str, str] | None = None) -> tuple:
    """The staff view of ``account`` with its version as the ETag (what a later If-Match names)."""
    headers = {**etag(account.version), **(headers or {})}
    return (account, status, headers) if status else (account, headers)


def command(use_case: Callable[..., Any], account_id: str, *args: Any, **kwargs: Any) -> tuple:
    """Run a command on one account as the caller, refused (412) if If-Match names an older version."""
    org, who = caller()
    return shown(use_case(org, account_id, who, *args, expected_version=expected_version(), **kwargs))
