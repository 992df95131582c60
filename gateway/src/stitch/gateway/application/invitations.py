"""Admins invite teammates by email with a role; the invitee accepts from the mail and sets a
password. Pending invitations can be listed, resent (a new link; the old one stops working) and
revoked."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from stitch.gateway.application import events, mails
from stitch.gateway.application.organizations import checked_password
from stitch.gateway.application.ports import Clock, Mailer, PasswordHasher, UnitOfWork
from stitch.gateway.domain.credentials import digest
from stitch.gateway.domain.profile import change_profile
from stitch.gateway.domain.identity import IdentityConflict, User, normalize_email
from stitch.gateway.domain.invitation import Invitation, refusal


def invite(org_id: str, invited_by: str, email: str, role: str, uow: UnitOfWork, mailer: Mailer,
           links: mails.LinkPolicy, clock: Clock) -> Invitation:
    email, now = normalize_email(email), clock()
    with uow:
        uow.set_org(org_id)
        # Only this org's own users are refused here. Someone in another organization gets the
        # invitation like anyone else and is told on accepting (one email, one organization):
        # a 409 here would let any admin probe who uses Stitch.
        existing = uow.users.by_email(email)
        if existing is not None and existing.org_id == org_id:
            raise IdentityConflict("this address is already a user of this organization")
        if (pending := uow.invitations.pending_for(org_id, email)) and pending.state(now) == "pending":
            raise IdentityConflict("this address already has a pending invitation: resend it instead")
        org, inviter = uow.organizations.get(org_id), uow.users.get(org_id, invited_by)
        invitation, raw = Invitation.issue(org_id, email, role, invited_by, now, links.invitation_ttl)
        if pending:  # an expired one: the new invitation takes its place
            pending.revoke(now)
            uow.invitations.save(pending)
        uow.invitations.add(invitation)
        uow.commit()
    mailer.send(mails.invitation(invitation, raw, org, inviter, links))
    return invitation


def list_invitations(org_id: str, uow: UnitOfWork) -> list[Invitation]:
    with uow:
        return uow.invitations.open_of_org(org_id)


def resend(org_id: str, invitation_id: str, uow: UnitOfWork, mailer: Mailer, links: mails.LinkPolicy,
           clock: Clock) -> Invitation | None:
    with uow:
        uow.set_org(org_id)
        invitation = uow.invitations.get(org_id, invitation_id)
        if invitation is None:
            return None
        raw = invitation.resend(clock(), links.invitation_ttl)
        uow.invitations.save(invitation)
        org, inviter = uow.organizations.get(org_id), uow.users.get(org_id, invitation.invited_by)
        uow.commit()
    mailer.send(mails.invitation(invitation, raw, org, inviter, links))
    return invitation


def revoke(org_id: str, invitation_id: str, uow: UnitOfWork, clock: Clock) -> Invitation | None:
    with uow:
        uow.set_org(org_id)
        invitation = uow.invitations.get(org_id, invitation_id)
        if invitation is None:
            return None
        invitation.revoke(clock())
        uow.invitations.save(invitation)
        uow.commit()
    return invitation


@dataclasses.dataclass(frozen=True)
class InvitationPreview:
    email: str
    role: str
    organization_name: str
    invited_by: str | None
    expires_at: datetime


def inspect_invitation(token: str, uow: UnitOfWork, clock: Clock) -> InvitationPreview:
    with uow:
        invitation = uow.invitations.by_hash(digest(token))
        if invitation is None or invitation.state(clock()) != "pending":
            raise refusal(invitation, clock())
        org = uow.organizations.get(invitation.org_id)
        inviter = uow.users.get(invitation.org_id, invitation.invited_by)
    return InvitationPreview(invitation.email, invitation.role, org.name if org else "",
                             inviter.name if inviter else None, invitation.expires_at)


@dataclasses.dataclass(frozen=True)
class AcceptInvitation:
    token: str
    name: str
    password: str
    title: str = ""


def accept(command: AcceptInvitation, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock) -> User:
    password_hash = hasher.hash(checked_password(command.password))
    now = clock()
    with uow:
        invitation = uow.invitations.accept(digest(command.token), now)
        if invitation is None:
            raise refusal(uow.invitations.by_hash(digest(command.token)), now)
        if uow.users.by_email(invitation.email) is not None:  # one email, one organization
            raise IdentityConflict("this address already has a Stitch account: sign in with it, or ask "
                                   "the admin who invited you to use another address")
        user = User.create(invitation.org_id, invitation.email, command.name, invitation.role, now,
                           password_hash=password_hash)
        change_profile(user, title=command.title)
        uow.set_org(invitation.org_id)
        uow.users.add(user)
        uow.publish(events.USER_CREATED, events.user_data(user))
        uow.commit()
    return user
