"""Request and response schemas of CSM pools and of assigning accounts from them.

Shapes and lengths are checked here; the domain (domain/pools.py) checks the rules and names the
field it refuses, so the workflows command meets the same rules.
"""

from __future__ import annotations

from types import SimpleNamespace

from marshmallow import Schema, ValidationError, fields, pre_dump, validate, validates

from stitch.accounts.domain.pools import (CAPACITY_MAX, DESCRIPTION_LIMIT, MEMBER_ID_LIMIT, MEMBER_LIMIT, NAME_LIMIT,
                                          PoolRule)
from stitch.accounts.domain.ownership import NOTE_LIMIT
from stitch.accounts.entrypoints.schemas import Flag, Strict, id_field
from stitch.common.http.pagination import page_schema

BULK_LIMIT = 500
RULES = "round_robin: the members in their order, one each in turn; fewest_active: the member with the " \
        "fewest active accounts (ties: pool order)"


def _member_id(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=MEMBER_ID_LIMIT), **kwargs)


def _unique(values: list) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("list each one once")


class PoolChangeIn(Strict):
    """Every key is optional: the keys sent replace the pool's."""

    name = fields.String(validate=validate.Length(min=1, max=NAME_LIMIT), metadata={
        "description": "unique in the organization, whatever the case"})
    description = fields.String(validate=validate.Length(max=DESCRIPTION_LIMIT))
    rule = fields.String(validate=validate.OneOf([rule.value for rule in PoolRule]), metadata={"description": RULES})
    capacity = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=CAPACITY_MAX),
                              metadata={"description": "nobody gets another account from the pool while they own "
                                                       "this many active ones; null: no cap"})
    members = fields.List(_member_id(), validate=validate.Length(min=1, max=MEMBER_LIMIT), metadata={
        "description": "staff user ids (active CSMs or admins), in round-robin order"})

    @validates("members")
    def _members_once(self, members, **_) -> None:
        _unique(members)


class PoolIn(PoolChangeIn):
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_LIMIT), metadata={
        "description": "unique in the organization, whatever the case"})
    rule = fields.String(required=True, validate=validate.OneOf([rule.value for rule in PoolRule]),
                         metadata={"description": RULES})
    members = fields.List(_member_id(), required=True, validate=validate.Length(min=1, max=MEMBER_LIMIT), metadata={
        "description": "staff user ids (active CSMs or admins), in round-robin order"})


class AssignFromPoolIn(Strict):
    pool_id = id_field(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=NOTE_LIMIT), metadata={
        "description": "why, for the account's internal history (never sent to the customer)"})


class BulkAssignIn(Strict):
    account_ids = fields.List(id_field(), required=True,
                              validate=validate.Length(min=1, max=BULK_LIMIT),
                              metadata={"description": "assigned in this order"})
    reassign = Flag(load_default=False, metadata={
        "description": "also reassign accounts that have an owner (default: they are refused with the rule "
                       "account.already_owned)"})

    @validates("account_ids")
    def _accounts_once(self, account_ids, **_) -> None:
        _unique(account_ids)


class MemberOut(Schema):
    user_id = fields.String()
    name = fields.String(allow_none=True, metadata={"description": "null while the staff directory does not know them"})
    active = fields.Boolean(metadata={"description": "may own accounts now (an active CSM or admin); "
                                                     "the pool passes over the others"})
    active_accounts = fields.Integer(metadata={"description": "owned, not archived, pending_handoff/active/at_risk"})
    at_capacity = fields.Boolean()


class PoolOut(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()
    rule = fields.String(metadata={"description": RULES})
    capacity = fields.Integer(allow_none=True)
    members = fields.List(fields.Nested(MemberOut))
    next_member = fields.String(allow_none=True, metadata={"description": "round_robin: whose turn it is"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime(allow_none=True)
    version = fields.Integer(metadata={"description": "also the ETag; send If-Match to refuse lost updates"})

    @pre_dump
    def _flattened(self, view, **_):
        pool = view.pool
        turn = pool.whose_turn() if pool.rule is PoolRule.ROUND_ROBIN else None
        return SimpleNamespace(**{**vars(pool), "members": view.members, "next_member": turn})


class AssignedOut(Schema):
    account_id = fields.String()
    csm_id = fields.String()


class OverflowOut(Schema):
    account_id = fields.String()
    reason = fields.String()


class RefusedOut(Schema):
    account_id = fields.String()
    rule = fields.String(metadata={"description": "e.g. account.already_owned, account.archived, account.not_found"})
    message = fields.String()


class BulkAssignOut(Schema):
    assigned = fields.List(fields.Nested(AssignedOut))
    overflow = fields.List(fields.Nested(OverflowOut), metadata={
        "description": "accounts nobody in the pool could take (every member at capacity or inactive)"})
    refused = fields.List(fields.Nested(RefusedOut))
    by_member = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "each member's active accounts after this request"})


PoolPage = page_schema(PoolOut, "PoolPage")
