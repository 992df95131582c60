"""Creating organizations and their staff directly (admin CLI, demo seed); sign-up and invitations build on it."""

from __future__ import annotations

import dataclasses
from typing import Any

from stitch.gateway.application import events
from stitch.gateway.application.ports import Clock, PasswordHasher, UnitOfWork
from stitch.gateway.domain.identity import IdentityConflict, InvalidIdentity, Organization, User, normalize_email

# auto_join: a verified sign-up from the org's email domain joins without an invitation, with
# auto_join_role. Off until an admin turns it on (an org decides who gets in).
DEFAULT_SETTINGS = {"timezone": "UTC", "locale": "en", "auto_join": False, "auto_join_role": "csm"}


@dataclasses.dataclass(frozen=True)
class CreateOrganization:
    name: str
    slug: str
    email_domain: str
    org_id: str | None = None  # fixed ids for the demo seed; random otherwise


def create_organization(command: CreateOrganization, uow: UnitOfWork, clock: Clock) -> Organization:
    org = Organization.create(command.name, command.slug, command.email_domain, clock(),
                              org_id=command.org_id, settings=DEFAULT_SETTINGS)
    with uow:
        if uow.organizations.by_slug(org.slug) is not None:
            raise IdentityConflict(f"the slug {org.slug!r} is taken")
        if uow.organizations.by_email_domain(org.email_domain) is not None:  # a domain maps to one org
            raise IdentityConflict(f"the email domain {org.email_domain!r} belongs to another organization")
        uow.set_org(org.id)
        uow.organizations.add(org)
        uow.publish(events.ORGANIZATION_CREATED, events.organization_data(org))
        uow.commit()
    return org


def get_organization(org_id: str, uow: UnitOfWork) -> Organization | None:
    with uow:
        return uow.organizations.get(org_id)


def update_organization(org_id: str, uow: UnitOfWork, *, name: str | None = None,
                        settings: dict[str, Any] | None = None) -> Organization | None:
    with uow:
        uow.set_org(org_id)
        org = uow.organizations.get(org_id)
        if org is None:
            return None
        if name is not None:
            org.rename(name)
        if settings:
            org.change_settings(settings)
        uow.organizations.save(org)
        uow.publish(events.ORGANIZATION_UPDATED, {**events.organization_data(org), "settings": org.settings})
        uow.commit()
    return org


@dataclasses.dataclass(frozen=True)
class CreateUser:
    org_slug: str
    email: str
    name: str
    role: str
    password: str | None = None
    user_id: str | None = None


def create_user(command: CreateUser, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock) -> User:
    email = normalize_email(command.email)
    password_hash = hasher.hash(checked_password(command.password)) if command.password is not None else None
    with uow:
        org = uow.organizations.by_slug(command.org_slug.strip().lower())
        if org is None:
            raise InvalidIdentity("org", "no organization has this slug")
        if uow.users.by_email(email) is not None:  # one email, one organization (DESIGN §4)
            raise IdentityConflict("a user with this email exists")
        user = User.create(org.id, email, command.name, command.role, clock(),
                           user_id=command.user_id, password_hash=password_hash)
        uow.set_org(org.id)
        uow.users.add(user)
        uow.publish(events.USER_CREATED, events.user_data(user))
        uow.commit()
    return user


PASSWORD_MIN, PASSWORD_MAX = 12, 256  # NIST SP 800-63B: length, not composition rules


def checked_password(password: str) -> str:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidIdentity("password", f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    return password
