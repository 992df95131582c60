"""What a delivery's content becomes on the wire: the branded email, the Slack message."""

from __future__ import annotations

from stitch.connectors.application.ports import UnitOfWork
from stitch.connectors.domain.connections import Connection
from stitch.connectors.domain.deliveries import Delivery
from stitch.connectors.domain.failures import SendFailure
from stitch.connectors.domain.messages import Branding, OutgoingEmail, Person, SlackMessage

ACCOUNT_CHANNEL = "account_channel"


def branding_of(uow: UnitOfWork, org_id: str) -> Branding:
    """The portal's branding once it published one; until then plain defaults with the org's name."""
    branding = uow.directory.branding(org_id)
    if branding is not None:
        return branding
    organization = uow.directory.org(org_id)
    return Branding.plain(organization.name if organization else "")


def compose_email(uow: UnitOfWork, delivery: Delivery) -> OutgoingEmail:
    content = delivery.content
    return OutgoingEmail(
        from_name=str(content["from_name"]), reply_to=content.get("reply_to") or None,
        to=_people(content["to"]), cc=_people(content.get("cc") or []), bcc=_people(content.get("bcc") or []),
        subject=str(content["subject"]), body_markdown=str(content["body_markdown"]),
        notification=bool(content.get("notification", False)), branding=branding_of(uow, delivery.org_id))


def slack_message(uow: UnitOfWork, delivery: Delivery, connection: Connection) -> SlackMessage:
    channel = str(delivery.content["channel"])
    if channel == ACCOUNT_CHANNEL:
        channel = (delivery.account_id and uow.account_channels.get(delivery.org_id, delivery.account_id)) \
            or connection.default_channel or ""
        if not channel:
            raise SendFailure("channel_not_set",
                              "No Slack channel is set for this account. Set the account's shared channel (or a "
                              "default channel for the workspace) in Settings → Integrations → Slack, then run "
                              "the action again.", retryable=False)
    return SlackMessage(channel=channel, text=str(delivery.content["text"]))


def unsendable(channel: str, content: object) -> str | None:
    """What makes a requested message impossible to send as written; None when it can be tried."""
    if channel not in ("email", "slack", "calendar"):
        return f"unknown channel {channel!r}"
    if not isinstance(content, dict):
        return f"the request has no {channel} message"
    if channel == "email":
        lists = [content.get(name) or [] for name in ("to", "cc", "bcc")]
        if not all(isinstance(people, list) for people in lists):
            return "its to, cc or bcc is not a list of people"
        if not lists[0] or not all(isinstance(p, dict) and p.get("email") for people in lists for p in people):
            return "it has no recipient, or a recipient without an address"
        if not content.get("subject") or not content.get("body_markdown") or not content.get("from_name"):
            return "its subject, body or sender name is empty"
    if channel == "slack" and (not content.get("channel") or not content.get("text")):
        return "its channel or text is empty"
    return None


def _people(items) -> tuple[Person, ...]:
    return tuple(Person(name=str(item.get("name") or ""), email=str(item["email"])) for item in items)
