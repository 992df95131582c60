"""Request and response schemas of the connectors API. No schema has a field for a token."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from stitch.common.http.pagination import PageArgs, page_schema

SLACK_CHANNEL = r"^(#[a-z0-9][a-z0-9_-]{0,79}|[CGD][A-Z0-9]{8,20})$"  # a name, or a channel id
CHANNEL_RULE = "a channel name like #acme-onboarding (lower case, digits, - and _) or a channel id"


class Closed(Schema):
    class Meta:
        ordered = True


class ScopeOut(Closed):
    name = fields.String(required=True)
    why = fields.String(required=True, metadata={"description": "what Stitch uses it for"})


class ErrorOut(Closed):
    code = fields.String(required=True)
    message = fields.String(required=True, metadata={"description": "plain words, no secrets"})
    retryable = fields.Boolean(required=True, metadata={"description": "whether trying again later may work"})


class ConnectionOut(Closed):
    id = fields.String(required=True)
    provider = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "connected, needs_reconnect, error, disconnected"})
    account_name = fields.String(required=True, metadata={"description": "the workspace at the provider"})
    scopes = fields.List(fields.String(), required=True, metadata={"description": "as granted"})
    connected_by = fields.String(required=True)
    connected_at = fields.DateTime(required=True)
    token_expires_at = fields.DateTime(allow_none=True, required=True)
    last_error = fields.String(allow_none=True, required=True)
    last_error_at = fields.DateTime(allow_none=True, required=True)
    disconnected_by = fields.String(allow_none=True, required=True)
    disconnected_at = fields.DateTime(allow_none=True, required=True)
    default_channel = fields.String(allow_none=True, required=True)
    version = fields.Integer(required=True)


class ProviderOut(Closed):
    name = fields.String(required=True)
    title = fields.String(required=True)
    purpose = fields.String(required=True)
    scopes = fields.List(fields.Nested(ScopeOut), required=True,
                         metadata={"description": "what connecting asks for, each with its reason (least privilege)"})
    configured = fields.Boolean(required=True, metadata={
        "description": "false: this server has no OAuth app for the provider yet (an operator sets it up)"})
    can_revoke = fields.Boolean(required=True, metadata={"description": "disconnecting revokes at the provider"})
    connection = fields.Nested(ConnectionOut, allow_none=True, required=True)


class ProviderList(Closed):
    items = fields.List(fields.Nested(ProviderOut), required=True)


class ConnectionList(Closed):
    items = fields.List(fields.Nested(ConnectionOut), required=True)


class ConnectionArgs(Schema):
    include_disconnected = fields.Boolean(load_default=False)


class ConnectIn(Schema):
    return_to = fields.String(load_default=None, validate=validate.Length(max=500), metadata={
        "description": "a path on Stitch to come back to afterwards (default /settings/integrations)"})


class ConnectOut(Closed):
    authorization_url = fields.String(required=True, metadata={"description": "send the browser here"})
    expires_at = fields.DateTime(required=True, metadata={"description": "finish at the provider before this"})
    scopes = fields.List(fields.Nested(ScopeOut), required=True)


class ConnectionPatch(Schema):
    default_channel = fields.String(required=True, allow_none=True, validate=validate.Regexp(SLACK_CHANNEL, error=CHANNEL_RULE),
                                    metadata={"description": "Slack: where an account's messages go when it has no channel"})


class DisconnectOut(Closed):
    connection = fields.Nested(ConnectionOut, required=True)
    revoked = fields.Boolean(required=True, metadata={"description": "the provider confirmed the revocation"})


class ConnectionTestOut(Closed):
    ok = fields.Boolean(required=True)
    account_name = fields.String(allow_none=True, required=True)
    error = fields.Nested(ErrorOut, allow_none=True, required=True)
    connection = fields.Nested(ConnectionOut, required=True)


class TestMessageIn(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(["email", "slack"]))
    to = fields.Email(load_default=None, metadata={
        "description": "email: a member of your organization (default: you); never an outside address"})
    slack_channel = fields.String(load_default=None, validate=validate.Regexp(SLACK_CHANNEL, error=CHANNEL_RULE),
                                  metadata={"description": "slack: the channel to post in (required for slack)"})


class AttemptOut(Closed):
    attempt = fields.Integer(required=True)
    started_at = fields.String(required=True)
    finished_at = fields.String()
    result = fields.String()
    error = fields.Nested(ErrorOut)


class PersonOut(Closed):
    name = fields.String(required=True)
    email = fields.String(required=True)


class DeliveryOut(Closed):
    id = fields.String(required=True)
    request_id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "action (an approved action) or test"})
    channel = fields.String(required=True)
    account_id = fields.String(allow_none=True, required=True)
    action_id = fields.String(allow_none=True, required=True)
    requested_by = fields.String(allow_none=True, required=True)
    requested_at = fields.DateTime(required=True)
    status = fields.String(required=True, metadata={"description": "queued, sending, retrying, delivered, failed"})
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.DateTime(allow_none=True, required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)
    provider_message_id = fields.String(allow_none=True, required=True)
    to = fields.List(fields.Nested(PersonOut), required=True)
    cc = fields.List(fields.Nested(PersonOut), required=True)
    bcc = fields.List(fields.Nested(PersonOut), required=True)
    subject = fields.String(allow_none=True, required=True)
    slack_channel = fields.String(allow_none=True, required=True)
    refused = fields.List(fields.String(), required=True)
    error = fields.Nested(ErrorOut, allow_none=True, required=True)
    attempt_log = fields.List(fields.Nested(AttemptOut), required=True)


class DeliveryDetailOut(DeliveryOut):
    body = fields.String(required=True, metadata={"description": "what was sent: the email's text or the Slack message"})
    from_name = fields.String(allow_none=True, required=True)
    reply_to = fields.String(allow_none=True, required=True)


DeliveryPage = page_schema(DeliveryOut, "DeliveryPage")


class DeliveryArgs(PageArgs):
    channel = fields.String(validate=validate.OneOf(["email", "slack", "calendar"]))
    status = fields.String(validate=validate.OneOf(["queued", "sending", "retrying", "delivered", "failed"]))
    kind = fields.String(validate=validate.OneOf(["action", "test"]))
    account_id = fields.String(validate=validate.Length(min=1, max=64))
    action_id = fields.String(validate=validate.Length(min=1, max=64))


class AccountChannelIn(Schema):
    channel = fields.String(required=True, validate=validate.Regexp(SLACK_CHANNEL, error=CHANNEL_RULE))


class AccountChannelOut(Closed):
    account_id = fields.String(required=True)
    channel = fields.String(required=True)


class AccountChannelList(Closed):
    items = fields.List(fields.Nested(AccountChannelOut), required=True)


def delivery_view(delivery, *, detail: bool = False) -> dict:
    content = delivery.content
    email = delivery.channel == "email"
    view = {**{name: getattr(delivery, name) for name in (
        "id", "request_id", "kind", "channel", "account_id", "action_id", "requested_by", "requested_at", "attempts",
        "next_attempt_at", "finished_at", "provider_message_id", "attempt_log")},
        "status": str(delivery.status), "refused": list(delivery.refused),
        "error": delivery.error.as_dict() if delivery.error else None,
        "to": content.get("to", []) if email else [], "cc": content.get("cc", []) if email else [],
        "bcc": content.get("bcc", []) if email else [], "subject": content.get("subject") if email else None,
        "slack_channel": content.get("channel") if delivery.channel == "slack" else None}
    if detail:
        view |= {"body": content.get("body_markdown") or content.get("text") or content.get("agenda") or "",
                 "from_name": content.get("from_name"), "reply_to": content.get("reply_to")}
    return view


def connection_view(connection) -> dict:
    return {name: getattr(connection, name) for name in (
        "id", "provider", "account_name", "connected_by", "connected_at", "token_expires_at", "last_error",
        "last_error_at", "disconnected_by", "disconnected_at", "default_channel", "version")} | {
        "status": str(connection.status), "scopes": list(connection.scopes)}
