"""marshmallow schemas of the gateway's own API. Responses list their fields: nothing else leaks
(no password hashes, no token digests)."""

from __future__ import annotations

import zoneinfo

from marshmallow import Schema, ValidationError, fields, validate

from stitch.common.http.pagination import page_schema

from stitch.common.permissions import API_KEY_SCOPES
from stitch.gateway.domain.identity import ROLES
from stitch.gateway.domain.profile import CHANNELS, NOTIFICATION_DEFAULTS

PASSWORD_RULE = "12 to 256 characters; a passphrase of a few words is best"


def _field(item, name: str):
    return item[name] if isinstance(item, dict) else getattr(item, name)


def _timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("must be an IANA time zone such as Europe/Paris or America/New_York")


class LoginIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)
    session = fields.String(load_default="cookie", validate=validate.OneOf(["cookie", "token"]),
                            metadata={"description": "cookie: the refresh token is set as an HttpOnly cookie "
                                                     "(web apps); token: it is returned in the body (CLIs)"})


class RefreshIn(Schema):
    refresh_token = fields.String(load_default=None, validate=validate.Length(min=1, max=200),
                                  metadata={"description": "omit to use the stitch_refresh cookie"})


class TokenOut(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    refresh_token = fields.String(metadata={"description": "only when the session was started with session=token"})
    refresh_expires_in = fields.Integer()


class OrganizationSettings(Schema):
    timezone = fields.String(validate=_timezone)
    locale = fields.String(validate=validate.Regexp(r"^[a-z]{2,3}(-[A-Z]{2})?$"))
    auto_join = fields.Boolean(metadata={"description": "verified sign-ups from the organization's email domain "
                                                        "join without an invitation"})
    auto_join_role = fields.String(validate=validate.OneOf(["csm", "ae", "viewer"]),
                                   metadata={"description": "the role they join with (never admin)"})


class OrganizationOut(Schema):
    id = fields.String()
    name = fields.String()
    slug = fields.String()
    email_domain = fields.String()
    settings = fields.Nested(OrganizationSettings)
    created_at = fields.DateTime()


class OrganizationPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    settings = fields.Nested(OrganizationSettings)


class UserOut(Schema):
    id = fields.String()
    email = fields.String()
    name = fields.String()
    title = fields.String()
    avatar_url = fields.String(allow_none=True)
    role = fields.String()
    status = fields.String()
    joined_at = fields.Function(lambda user: _field(user, "created_at").isoformat(), dump_only=True,
                                metadata={"description": "when the user joined", "format": "date-time"})
    last_active_at = fields.DateTime(allow_none=True, metadata={"description": "last sign-in or session refresh"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


NotificationChannels = Schema.from_dict({c: fields.Boolean() for c in CHANNELS}, name="NotificationChannels")
NotificationPreferences = Schema.from_dict(
    {kind: fields.Nested(NotificationChannels) for kind in NOTIFICATION_DEFAULTS}, name="NotificationPreferences")


class ProfileOut(UserOut):
    timezone = fields.String(allow_none=True, metadata={"description": "null: the organization's"})
    notification_preferences = fields.Nested(NotificationPreferences)


class ProfilePatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    title = fields.String(validate=validate.Length(max=100))
    avatar_url = fields.String(allow_none=True, validate=validate.Length(max=500))
    timezone = fields.String(allow_none=True, validate=_timezone)
    notification_preferences = fields.Nested(NotificationPreferences)


class PasswordChangeIn(Schema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, load_only=True, metadata={"description": PASSWORD_RULE})


UserPage = page_schema(UserOut, "UserPage")


class UserPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    role = fields.String(validate=validate.OneOf(ROLES))


class ApiKeyIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    scopes = fields.List(fields.String(validate=validate.OneOf(sorted(API_KEY_SCOPES))), required=True,
                         validate=validate.Length(min=1, max=len(API_KEY_SCOPES)))


class ApiKeyOut(Schema):
    id = fields.String()
    name = fields.String()
    prefix = fields.String(metadata={"description": "the public start of the key, to tell keys apart"})
    scopes = fields.List(fields.String())
    created_by = fields.String()
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)


class ApiKeyCreated(ApiKeyOut):
    key = fields.String(metadata={"description": "the secret key: shown once, never again"})


class ApiKeyList(Schema):
    items = fields.List(fields.Nested(ApiKeyOut))


class DomainIn(Schema):
    domain = fields.String(required=True, validate=validate.Length(min=3, max=253))


class DomainOut(Schema):
    domain = fields.String()
    verified = fields.Function(lambda d: d.verified_at is not None)
    verified_at = fields.DateTime(allow_none=True)
    record_name = fields.String(metadata={"description": "publish a TXT record with this name…"})
    record_value = fields.String(metadata={"description": "…and this value, then ask to verify"})


class DomainList(Schema):
    items = fields.List(fields.Nested(DomainOut))


# -- day one: sign-up, verification, password reset, invitations -----------------------------------

class EmailIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))


class AcceptedOut(Schema):
    message = fields.String()


class LinkTokenIn(Schema):
    token = fields.String(required=True, load_only=True, validate=validate.Length(min=20, max=100))


class SignupPreviewOut(Schema):
    email = fields.String()
    email_domain = fields.String()
    next = fields.String(metadata={"description": "create_organization, or join_organization (auto-join)"})
    organization_name = fields.String(allow_none=True, metadata={"description": "the org joined, if joining"})


class NewOrganizationIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    slug = fields.String(required=True, validate=validate.Length(min=1, max=40),
                         metadata={"description": "names the portal: /portal/<slug>/ and <slug>.<portal domain>"})


class CompleteSignupIn(LinkTokenIn):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, metadata={"description": PASSWORD_RULE})
    title = fields.String(load_default="", validate=validate.Length(max=100))
    organization = fields.Nested(NewOrganizationIn, load_default=None,
                                 metadata={"description": "required unless joining an organization"})


class SignupOut(Schema):
    user = fields.Nested(UserOut)
    organization = fields.Nested(OrganizationOut)


class ResetLinkOut(Schema):
    email = fields.String()


class ResetPasswordIn(LinkTokenIn):
    password = fields.String(required=True, load_only=True, metadata={"description": PASSWORD_RULE})


class InvitationIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class InvitationOut(Schema):
    id = fields.String()
    email = fields.String()
    role = fields.String()
    status = fields.String(metadata={"description": "pending or expired (revoked in a revoke's answer)"})
    invited_by = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    last_sent_at = fields.DateTime()
    send_count = fields.Integer()


class InvitationList(Schema):
    items = fields.List(fields.Nested(InvitationOut))


class InvitationPreviewOut(Schema):
    email = fields.String()
    role = fields.String()
    organization_name = fields.String()
    invited_by = fields.String(allow_none=True)
    expires_at = fields.DateTime()


class AcceptInvitationIn(LinkTokenIn):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, metadata={"description": PASSWORD_RULE})
    title = fields.String(load_default="", validate=validate.Length(max=100))
