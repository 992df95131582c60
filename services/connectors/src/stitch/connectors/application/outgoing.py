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
        to=_people(content["to"]), cc=_people(content.get("cc", [])), bcc=_people(content.get("bcc", [])),
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


def _people(items) -> tuple[Person, ...]:
    return tuple(Person(name=str(item.get("name") or ""), email=str(item["email"])) for item in items)
