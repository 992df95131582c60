"""What connectors deliver: an email or a Slack message, as the sending adapters receive it."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Person:
    name: str  # may be empty when only the address is known
    email: str


@dataclasses.dataclass(frozen=True)
class Branding:
    """How an organization's customer mail looks (from portal.branding_changed.v1).

    Until the portal publishes branding, ``plain()`` gives neutral defaults; a mail never waits
    for branding.
    """

    company_name: str = ""
    logo_url: str | None = None  # an absolute https URL the mail client loads
    primary_color: str = "#1f2937"  # "#rrggbb"
    accent_color: str = "#2563eb"
    support_email: str | None = None

    @classmethod
    def plain(cls, company_name: str = "") -> Branding:
        return cls(company_name=company_name)


@dataclasses.dataclass(frozen=True)
class OutgoingEmail:
    from_name: str  # the display name; the address is the configured sender (SPF/DKIM/DMARC)
    reply_to: str | None  # the CSM: replies go to a person, not to a no-reply box
    to: tuple[Person, ...]
    cc: tuple[Person, ...]
    bcc: tuple[Person, ...]
    subject: str
    body_markdown: str  # plain text with light Markdown; line breaks kept
    notification: bool  # a Stitch notification (gets List-Unsubscribe), not an action's email
    branding: Branding


@dataclasses.dataclass(frozen=True)
class SlackMessage:
    channel: str  # "#name" or a channel id, already resolved from "account_channel"
    text: str
