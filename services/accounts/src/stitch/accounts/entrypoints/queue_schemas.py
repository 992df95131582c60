"""Requests and answers of the review queue, the batch commands and the scheduled actions."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_dump, pre_dump, validate, validates_schema

from stitch.accounts.domain.states import ActionType
from stitch.accounts.entrypoints.schemas import RescheduleIn, Strict, id_field
from stitch.common.http.pagination import PageArgs, page_schema

BATCH_LIMIT = 100


# -- requests -----------------------------------------------------------------------------
class QueueFilterArgs(Schema):
    scope = fields.String(load_default="mine", validate=validate.OneOf(["mine", "all"]), metadata={
        "description": "mine: accounts you own or collaborate on; all: every account (manage_accounts only)"})
    type = fields.String(load_default=None, validate=validate.OneOf([t.value for t in ActionType]),
                         metadata={"description": "only actions of this type"})
    account_id = id_field(load_default=None, metadata={"description": "only this account's actions"})


class ReviewQueueArgs(PageArgs, QueueFilterArgs):
    pass


class ScheduledArgs(PageArgs):
    after = fields.AwareDateTime(load_default=None, metadata={"description": "due at or after this time"})
    before = fields.AwareDateTime(load_default=None, metadata={"description": "due before this time"})
    account_id = id_field(load_default=None, metadata={"description": "only this account's actions"})


class BatchItemIn(Strict):
    account_id = id_field(required=True)
    action_id = id_field(required=True)


class BatchIn(Strict):
    items = fields.List(fields.Nested(BatchItemIn), required=True,
                        validate=validate.Length(min=1, max=BATCH_LIMIT),
                        metadata={"description": f"1 to {BATCH_LIMIT} actions, each once; run in this order"})

    @validates_schema
    def _each_action_once(self, data, **_) -> None:
        first: dict[str, int] = {}
        repeated = {}
        for index, item in enumerate(data["items"]):
            seen = first.setdefault(item["action_id"], index)
            if seen != index:
                repeated[index] = [f"the same action as item {seen}: name each action once"]
        if repeated:
            raise ValidationError({"items": repeated})


class BatchSkipIn(BatchIn):
    reason = fields.String(load_default="", validate=validate.Length(max=2000),
                           metadata={"description": "kept in each action's history"})


class BatchRescheduleIn(BatchIn, RescheduleIn):
    @validates_schema
    def _one_time(self, data, **_) -> None:
        if (data.get("delay_hours") is None) == (data.get("at") is None):
            raise ValidationError({"delay_hours": ["give either delay_hours or at, one of the two"]})


class CancelIn(Strict):
    reason = fields.String(load_default="", validate=validate.Length(max=2000), metadata={
        "description": 'kept in the action\'s history; default "Cancelled from the scheduled actions list"'})


# -- answers ------------------------------------------------------------------------------
class DraftPreviewOut(Schema):
    number = fields.Integer(metadata={"description": "1 for the first draft, +1 per new draft asked for"})
    headline = fields.String(metadata={"description": "the email's subject or the meeting's title"})
    excerpt = fields.String(metadata={"description": "the first ~280 characters of the body, message or agenda, "
                                                     "as plain text"})
    warnings = fields.List(fields.String())
    edited = fields.Boolean(metadata={"description": "a person changed the draft"})


class WorkItemOut(Schema):
    account_id = fields.String()
    company_name = fields.String()
    account_version = fields.Integer(metadata={"description": "the account's ETag, for If-Match"})
    primary_csm_id = fields.String(allow_none=True)
    milestone_id = fields.String()
    milestone_name = fields.String()
    action_id = fields.String()
    label = fields.String()
    type = fields.String()


class ReviewItemOut(WorkItemOut):
    milestone_state = fields.String()
    milestone_target_date = fields.DateTime(allow_none=True)
    overdue = fields.Boolean(metadata={"description": "its milestone is past its target date"})
    ready_since = fields.DateTime(metadata={"description": "since when it waits for review (the queue's order)"})
    draft = fields.Nested(DraftPreviewOut, allow_none=True, metadata={
        "description": "null for a portal task held for review"})
    last_error = fields.Dict(allow_none=True, metadata={"description": "{code, message, at} of the last failure"})


class ScheduledItemOut(WorkItemOut):
    due_at = fields.DateTime(metadata={"description": "when it fires (the list's order)"})
    delay_hours = fields.Integer(metadata={"description": "its trigger's delay after the milestone's start"})


class CountOut(Schema):
    count = fields.Integer()


class ItemResultOut(Schema):
    account_id = fields.String()
    action_id = fields.String()
    outcome = fields.String(metadata={"description": "done, refused (rule says why), not_found or forbidden"})
    state = fields.String(allow_none=True, metadata={"description": "the action's state after; null: no such action"})
    rule = fields.String(metadata={"description": "why it was refused or forbidden (absent when done)"})
    message = fields.String(metadata={"description": "the same in plain words"})

    @post_dump
    def _without_empty(self, data, **_):
        return {key: value for key, value in data.items() if value is not None or key == "state"}


OUTCOMES = ("done", "refused", "not_found", "forbidden")


class BatchOut(Schema):
    results = fields.List(fields.Nested(ItemResultOut), metadata={"description": "one per item, in the order sent"})
    done = fields.Integer()
    refused = fields.Integer()
    not_found = fields.Integer()
    forbidden = fields.Integer()

    @pre_dump
    def _counted(self, batch, **_):
        return {"results": batch.results, **{outcome: batch.count(outcome) for outcome in OUTCOMES}}


ReviewQueuePage = page_schema(ReviewItemOut, "ReviewQueuePage")
ScheduledPage = page_schema(ScheduledItemOut, "ScheduledActionsPage")
