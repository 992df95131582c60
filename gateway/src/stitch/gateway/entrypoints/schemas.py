"""marshmallow schemas of the gateway's own API. Responses list their fields: nothing else leaks
(no password hashes, no token digests)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from stitch.common.http.pagination import page_schema

from stitch.common.permissions import API_KEY_SCOPES
from stitch.gateway.domain.identity import ROLES


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
    timezone = fields.String(validate=validate.Length(min=1, max=64))
    locale = fields.String(validate=validate.Regexp(r"^[a-z]{2,3}(-[A-Z]{2})?$"))


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
    role = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


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
