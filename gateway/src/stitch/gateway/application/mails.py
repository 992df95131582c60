"""The security mails the gateway sends, in words. Links are built from the configured public
URL, never from the request's Host header (a forged Host would otherwise send someone's reset
link to an attacker's site). The token rides in the URL fragment, which browsers never send to
a server, so it stays out of access logs and Referer headers."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from html import escape

from stitch.common.mail import Mail
from stitch.gateway.domain.identity import Organization, User
from stitch.gateway.domain.invitation import Invitation

VERIFY_PAGE, RESET_PAGE, INVITATION_PAGE, FORGOT_PAGE = (
    "/auth/verify-email", "/auth/reset-password", "/auth/accept-invitation", "/auth/forgot-password")


ROLE_NAMES = {"admin": "an admin", "csm": "a CSM", "ae": "an AE", "viewer": "a viewer"}


@dataclasses.dataclass(frozen=True)
class LinkPolicy:
    public_url: str
    verify_ttl: timedelta = timedelta(hours=24)
    reset_ttl: timedelta = timedelta(minutes=30)
    invitation_ttl: timedelta = timedelta(days=7)

    def link(self, page: str, token: str) -> str:
        return f"{self.public_url.rstrip('/')}{page}#token={token}"

    def page(self, page: str = "/") -> str:
        return f"{self.public_url.rstrip('/')}{page}"


def _mail(to: str, subject: str, paragraphs: list[str], action: tuple[str, str] | None = None) -> Mail:
    text = "\n\n".join(paragraphs + ([f"{action[0]}: {action[1]}"] if action else []))
    html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if action:
        html += f'<p><a href="{escape(action[1])}">{escape(action[0])}</a></p>'
    footer = "If you did not ask for this, ignore this mail: nothing happens without the link."
    return Mail(to=to, subject=subject, text=f"{text}\n\n-- \n{footer}\n", html=f"{html}<hr><p><small>{footer}</small></p>")


def _duration(ttl: timedelta) -> str:
    minutes = int(ttl.total_seconds() // 60)
    if minutes % (60 * 24) == 0:
        days = minutes // (60 * 24)
        return f"{days} day{'s' if days > 1 else ''}"
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' if minutes > 60 else ''}"
    return f"{minutes} minutes"


def verify_email(to: str, token: str, links: LinkPolicy, joining: Organization | None) -> Mail:
    next_step = (f"Then set your name and password to join {joining.name} on Stitch." if joining
                 else "Then tell us about yourself and set up your organization.")
    return _mail(to, "Verify your email to start with Stitch", [
        "Welcome to Stitch! Confirm that this address is yours.", next_step,
        f"The link works once and expires in {_duration(links.verify_ttl)}."],
        ("Verify my email", links.link(VERIFY_PAGE, token)))


def ask_your_admin(to: str, org: Organization, admins: list[User], links: LinkPolicy) -> Mail:
    who = ", ".join(f"{a.name} <{a.email}>" for a in admins[:3]) or "your Stitch admin"
    return _mail(to, f"{org.name} already uses Stitch", [
        f"Someone asked to sign up with this address. {org.name} already has a Stitch organization "
        f"for @{org.email_domain} addresses.",
        f"To join it, ask an admin to invite you: {who}."])


def already_registered(to: str, links: LinkPolicy) -> Mail:
    return _mail(to, "You already have a Stitch account", [
        "Someone asked to sign up with this address, and it already has a Stitch account.",
        f"Sign in at {links.page('/')}. Forgot your password? Reset it here: {links.page(FORGOT_PAGE)}"])


def reset_password(to: str, token: str, links: LinkPolicy) -> Mail:
    return _mail(to, "Reset your Stitch password", [
        "Someone asked to reset the password of this Stitch account.",
        f"The link works once and expires in {_duration(links.reset_ttl)}. Choosing a new password signs "
        "you out everywhere."], ("Choose a new password", links.link(RESET_PAGE, token)))


def password_changed(to: str, links: LinkPolicy) -> Mail:
    return _mail(to, "Your Stitch password was changed", [
        "The password of your Stitch account was just changed, and every session was signed out.",
        f"If this wasn't you, reset it at once: {links.page(FORGOT_PAGE)}, and tell your admin."])


def invitation(invite: Invitation, token: str, org: Organization, inviter: User | None, links: LinkPolicy) -> Mail:
    by = inviter.name if inviter else "An admin"
    return _mail(invite.email, f"{by} invited you to {org.name} on Stitch", [
        f"{by} invited you to join {org.name} on Stitch as {ROLE_NAMES.get(invite.role, invite.role)}.",
        "Stitch is where your team runs customer onboarding. Accept to set your name and password.",
        f"The invitation expires in {_duration(links.invitation_ttl)}."],
        ("Accept the invitation", links.link(INVITATION_PAGE, token)))
