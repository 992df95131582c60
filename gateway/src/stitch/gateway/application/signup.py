"""Day one: sign up with a work email, verify it, then create the organization (or join one).

Asking to sign up answers the same whatever the address's story (new, already a user, its domain
already taken): what differs goes into the mail, which only the mailbox's owner reads. That
keeps the sign-up form from telling a stranger who uses Stitch.

The verification link is checked by ``inspect_signup`` (as often as the page is opened) and spent
by ``complete_signup`` in the transaction that creates the user and, for a new domain, the
organization: a sign-up that fails (a taken slug, a weak password) leaves nothing behind and the
link still works.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from stitch.gateway.application import events, link_tokens, mails
from stitch.gateway.application.organizations import DEFAULT_SETTINGS, checked_password
from stitch.gateway.application.ports import Clock, Mailer, PasswordHasher, UnitOfWork
from stitch.gateway.domain.email_links import VERIFY_EMAIL, EmailLink
from stitch.gateway.domain.profile import change_profile
from stitch.gateway.domain.identity import (
    IdentityConflict, InvalidIdentity, Organization, User, email_domain, work_email,
)

CREATE_ORGANIZATION, JOIN_ORGANIZATION = "create_organization", "join_organization"


def request_signup(email: str, uow: UnitOfWork, mailer: Mailer, links: mails.LinkPolicy, clock: Clock,
                   personal_domains: Collection[str]) -> None:
    email = work_email(email, personal_domains)
    with uow:
        if uow.users.by_email(email) is not None:
            mail = mails.already_registered(email, links)
        elif (org := uow.organizations.by_email_domain(email_domain(email))) and not org.auto_join_role:
            admins = [u for u in uow.users.of_org(org.id) if u.active and u.role == "admin"]
            mail = mails.ask_your_admin(email, org, admins, links)
        else:
            link, raw = EmailLink.issue(VERIFY_EMAIL, email, clock(), links.verify_ttl,
                                        org_id=org.id if org else None)
            if not uow.email_links.replace_unused(link):
                return  # a racing request for this address mailed its link; same answer
            uow.commit()
            mail = mails.verify_email(email, raw, links, org)
    mailer.send(mail)


@dataclasses.dataclass(frozen=True)
class SignupPreview:
    email: str
    next: str  # create_organization or join_organization
    organization_name: str | None
    email_domain: str


_USED = "this link was already used: your account exists, so sign in"
_EXPIRED = "this link has expired: sign up again to get a new one"


def inspect_signup(token: str, uow: UnitOfWork, clock: Clock) -> SignupPreview:
    with uow:
        link = link_tokens.check(uow, token, VERIFY_EMAIL, clock(), used=_USED, expired=_EXPIRED)
        org = uow.organizations.get(link.org_id) if link.org_id else None
    return SignupPreview(link.email, JOIN_ORGANIZATION if org else CREATE_ORGANIZATION,
                         org.name if org else None, email_domain(link.email))


@dataclasses.dataclass(frozen=True)
class CompleteSignup:
    token: str
    name: str
    password: str
    title: str = ""
    organization_name: str | None = None
    organization_slug: str | None = None


def complete_signup(command: CompleteSignup, uow: UnitOfWork, hasher: PasswordHasher,
                    clock: Clock) -> tuple[User, Organization]:
    password_hash = hasher.hash(checked_password(command.password))
    now = clock()
    with uow:
        link = link_tokens.spend(uow, command.token, VERIFY_EMAIL, now, used=_USED, expired=_EXPIRED)
        if uow.users.by_email(link.email) is not None:
            raise IdentityConflict("an account with this email exists: sign in instead")
        if link.org_id:
            org, role = _joined(uow, link.org_id)
        else:
            org, role = _founded(uow, command, link.email, now), "admin"
        user = User.create(org.id, link.email, command.name, role, now, password_hash=password_hash)
        change_profile(user, title=command.title)
        uow.set_org(org.id)
        uow.users.add(user)
        uow.publish(events.USER_CREATED, events.user_data(user))
        uow.commit()
    return user, org


def _joined(uow: UnitOfWork, org_id: str) -> tuple[Organization, str]:
    org = uow.organizations.get(org_id)
    if org is None or not org.auto_join_role:  # auto-join was switched off since the link was sent
        raise IdentityConflict("this organization no longer lets its domain join directly: "
                               "ask an admin to invite you")
    return org, org.auto_join_role


def _founded(uow: UnitOfWork, command: CompleteSignup, email: str, now) -> Organization:
    if not command.organization_name:
        raise InvalidIdentity("organization.name", "is required to create your organization")
    if not command.organization_slug:
        raise InvalidIdentity("organization.slug", "is required to create your organization")
    domain = email_domain(email)
    try:
        org = Organization.create(command.organization_name, command.organization_slug, domain, now,
                                  settings=DEFAULT_SETTINGS)
    except InvalidIdentity as exc:  # name it as the sign-up form does: the organization's, not the user's
        raise InvalidIdentity(f"organization.{exc.field}", exc.rule) from None
    if uow.organizations.by_email_domain(domain) is not None:  # someone from the domain was quicker
        raise IdentityConflict(f"@{domain} already has a Stitch organization: ask its admin to invite you")
    if uow.organizations.by_slug(org.slug) is not None:
        raise IdentityConflict(f"the address {org.slug!r} is taken: choose another")
    uow.set_org(org.id)
    uow.organizations.add(org)
    uow.publish(events.ORGANIZATION_CREATED, events.organization_data(org))
    return org
