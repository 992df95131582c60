"""Organizations and their staff users: the rules that hold whoever creates or changes them."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

ROLES = ("admin", "csm", "ae", "viewer")
ACTIVE, DEACTIVATED = "active", "deactivated"
DEFAULT_CELL = "default"

# A slug names the org in portal URLs and hosts (<slug>.<portal-domain>), so it must be a DNS label.
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
RESERVED_SLUGS = frozenset({"api", "app", "auth", "admin", "www", "portal", "ops", "static", "assets",
                            "mail", "dev", "help", "status", "docs", "stitch"})
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$")


class InvalidIdentity(ValueError):
    """A value breaks a rule; ``field`` and ``rule`` name which, for a problem+json answer."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field, self.rule = field, rule


class IdentityConflict(Exception):
    """The change would break an invariant across records (a taken slug, the last admin)."""


def normalize_email(value: str, field: str = "email") -> str:
    email = value.strip().lower()
    local, at, domain = email.rpartition("@")
    if not at or not _EMAIL_LOCAL.match(local) or not _DOMAIN.match(domain) or len(email) > 254:
        raise InvalidIdentity(field, "must be an email address")
    return email


def work_email(value: str, personal_domains: Collection[str]) -> str:
    """A sign-up address must be a work one: each company gets its own organization by its domain,
    and a free-mail domain is shared by millions of strangers."""
    email = normalize_email(value)
    domain = email.rpartition("@")[2]
    labels = domain.split(".")
    if any(".".join(labels[i:]) in personal_domains for i in range(len(labels) - 1)):
        raise InvalidIdentity("email", f"must be a work email: personal addresses such as @{domain} "
                                       "are not accepted; use the address your company gave you")
    return email


def email_domain(email: str) -> str:
    return email.rpartition("@")[2]


def normalize_domain(value: str, field: str) -> str:
    domain = value.strip().lower().rstrip(".")
    if not _DOMAIN.match(domain):
        raise InvalidIdentity(field, "must be a domain name such as example.com")
    return domain


def _name(value: str, field: str, limit: int = 200) -> str:
    name = " ".join(value.split())
    if not name:
        raise InvalidIdentity(field, "must not be blank")
    if len(name) > limit:
        raise InvalidIdentity(field, f"must be at most {limit} characters")
    return name


@dataclasses.dataclass
class Organization:
    id: str
    name: str
    slug: str
    email_domain: str
    settings: dict[str, Any]
    cell: str
    created_at: datetime

    @classmethod
    def create(cls, name: str, slug: str, email_domain: str, now: datetime, *,
               org_id: str | None = None, settings: dict[str, Any] | None = None) -> Organization:
        slug = slug.strip().lower()
        if not _SLUG.match(slug):
            raise InvalidIdentity("slug", "must be 1-40 lowercase letters, digits or inner hyphens")
        if slug in RESERVED_SLUGS:
            raise InvalidIdentity("slug", "is reserved")
        return cls(id=org_id or str(uuid.uuid4()), name=_name(name, "name"), slug=slug,
                   email_domain=normalize_domain(email_domain, "email_domain"),
                   settings=dict(settings or {}), cell=DEFAULT_CELL, created_at=now)

    def rename(self, name: str) -> None:
        self.name = _name(name, "name")

    def change_settings(self, changes: dict[str, Any]) -> None:
        # Joining by email domain proves only a mailbox: never enough to become an admin.
        if changes.get("auto_join_role", "csm") not in ("csm", "ae", "viewer"):
            raise InvalidIdentity("settings.auto_join_role", "must be csm, ae or viewer (never admin)")
        self.settings = {**self.settings, **changes}

    @property
    def auto_join_role(self) -> str | None:
        """The role a verified sign-up from the org's email domain joins with; None: ask an admin."""
        if not self.settings.get("auto_join"):
            return None
        return self.settings.get("auto_join_role") or "csm"


@dataclasses.dataclass
class User:
    id: str
    org_id: str
    email: str
    name: str
    role: str
    status: str
    password_hash: str | None
    created_at: datetime
    updated_at: datetime
    title: str = ""
    avatar_url: str | None = None
    timezone: str | None = None  # None: the organization's
    notification_preferences: dict[str, Any] = dataclasses.field(default_factory=dict)
    last_active_at: datetime | None = None

    @classmethod
    def create(cls, org_id: str, email: str, name: str, role: str, now: datetime, *,
               user_id: str | None = None, password_hash: str | None = None) -> User:
        return cls(id=user_id or str(uuid.uuid4()), org_id=org_id, email=normalize_email(email),
                   name=_name(name, "name"), role=valid_role(role), status=ACTIVE, password_hash=password_hash,
                   created_at=now, updated_at=now)

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def change(self, now: datetime, *, name: str | None = None, role: str | None = None) -> bool:
        before = (self.name, self.role)
        if name is not None:
            self.name = _name(name, "name")
        if role is not None:
            self.role = valid_role(role)
        changed = (self.name, self.role) != before
        if changed:
            self.updated_at = now
        return changed

    def deactivate(self, now: datetime) -> bool:
        if not self.active:
            return False
        self.status, self.updated_at = DEACTIVATED, now
        return True


def valid_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidIdentity("role", f"must be one of {', '.join(ROLES)}")
    return role


def ensure_an_admin_remains(users: list[User], changed: User) -> None:
    """An organization always keeps one active admin, or nobody could manage it any more."""
    admins = [u for u in users if u.active and u.role == "admin" and u.id != changed.id]
    if not admins and not (changed.active and changed.role == "admin"):
        raise IdentityConflict("the organization must keep at least one active admin")
