"""Forgot password: an emailed single-use link, then a new password that ends every session.

Asking for a link answers the same for any address, known or not, active or not; the mail is
handed to a background sender, so the answer takes the same time either way.
"""

from __future__ import annotations

from stitch.gateway.application import link_tokens, mails
from stitch.gateway.application.organizations import checked_password
from stitch.gateway.application.ports import Clock, Mailer, PasswordHasher, UnitOfWork
from stitch.gateway.domain.email_links import RESET_PASSWORD, EmailLink, UnknownLink
from stitch.gateway.domain.identity import InvalidIdentity, normalize_email

_USED = "this reset link was already used: sign in with your new password, or ask for a new link"
_EXPIRED = "this reset link has expired: ask for a new one"


def request_reset(email: str, uow: UnitOfWork, mailer: Mailer, links: mails.LinkPolicy, clock: Clock) -> None:
    try:
        email = normalize_email(email)
    except InvalidIdentity:
        return  # not an address: nobody to mail, and the answer must not differ
    with uow:
        user = uow.users.by_email(email)
        if user is None or not user.active:
            return
        uow.set_org(user.org_id)
        link, raw = EmailLink.issue(RESET_PASSWORD, email, clock(), links.reset_ttl,
                                    org_id=user.org_id, subject_id=user.id)
        if not uow.email_links.replace_unused(link):
            return  # a racing request for this address mailed its link; same answer
        uow.commit()
    mailer.send(mails.reset_password(email, raw, links))


def check_reset_link(token: str, uow: UnitOfWork, clock: Clock) -> str:
    """The address a reset link is for, so the page can say whose password changes."""
    with uow:
        return link_tokens.check(uow, token, RESET_PASSWORD, clock(), used=_USED, expired=_EXPIRED).email


def reset_password(token: str, password: str, uow: UnitOfWork, hasher: PasswordHasher, mailer: Mailer,
                   links: mails.LinkPolicy, clock: Clock) -> None:
    password_hash = hasher.hash(checked_password(password))  # a weak password spends nothing
    now = clock()
    with uow:
        link = link_tokens.spend(uow, token, RESET_PASSWORD, now, used=_USED, expired=_EXPIRED)
        user = uow.users.get(link.org_id, link.subject_id) if link.org_id and link.subject_id else None
        if user is None or not user.active:
            raise UnknownLink("this reset link is no longer valid: the account is not active")
        uow.set_org(user.org_id)
        user.password_hash, user.updated_at = password_hash, now
        uow.users.save(user)
        uow.refresh_tokens.revoke_subject(user.id, now)  # whoever knew the old password is out
        uow.commit()
    mailer.send(mails.password_changed(user.email, links))
