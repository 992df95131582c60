"""Request and response schemas of the accounts API, and the staff view of an account.

Requests are checked here for shape (JSON types, lengths the tables hold, no unknown keys);
the domain checks every rule of the onboarding (what a state allows, what a definition must
hold) and names the field it refuses, so the same rules hold for events and workflows. Action
definitions are described in docs/templates/format.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

from marshmallow import RAISE, Schema, ValidationError, fields, pre_dump, validate, validates_schema

from stitch.accounts.domain.plan import definition_of
from stitch.accounts.domain.states import (CONNECTION_TYPES, DRAFTED_TYPES, AccountStatus, ActionState,
                                           MilestoneState)
from stitch.common.http.pagination import page_schema

FORMAT_DOC = "see docs/templates/format.md"
ARR_MAX = Decimal("999999999999.99")  # the column is NUMERIC(14, 2)


class Strict(Schema):
    class Meta:
        unknown = RAISE


def _text(limit: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=limit), **kwargs)


def id_field(**kwargs) -> fields.String:
    """An id in a request: what the tables hold (1 to 64 characters)."""
    return fields.String(validate=validate.Length(min=1, max=64), **kwargs)


class Flag(fields.Boolean):
    """A JSON ``true`` or ``false``, nothing else: "yes", "1" or 1 are refused, naming the field.

    marshmallow's Boolean reads "yes", "on", "1" and 1 as true; a flag such as ``confirm_reset``
    that asks for an explicit confirmation must not be given by accident.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(truthy={True}, falsy={False}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if not isinstance(value, bool):  # 1 == True and hashes alike: truthy={True} alone lets 1 through
            raise self.make_error("invalid", input=value)
        return value


# -- requests -----------------------------------------------------------------------------
class DetailsIn(Strict):
    """Every key is optional: the keys sent replace the account's, the rest stay."""

    company_name = fields.String(validate=validate.Length(min=1, max=200))
    arr = fields.Decimal(allow_none=True, places=2, validate=validate.Range(min=0, max=ARR_MAX),
                         metadata={"description": "annual recurring revenue, ≥ 0 (a number or a decimal string)"})
    close_date = fields.Date(allow_none=True)
    industry = _text(200)
    company_size = _text(100)
    website = _text(2000)
    notes = _text(20_000, metadata={"description": "internal: never shown to the customer or sent in events"})
    crm_notes = _text(50_000, metadata={"description": "raw notes from the CRM or the deal, as given (internal too)"})
    custom_fields = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=100)))
    crm_source = fields.String(allow_none=True, validate=validate.Length(min=1, max=64),
                               metadata={"description": "e.g. hubspot; goes with external_id"})
    external_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=200),
                                metadata={"description": "the deal's id in the CRM; one account per deal"})
    ae_email = fields.Email(allow_none=True, validate=validate.Length(max=320))


class ContactChangeIn(Strict):
    name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email(validate=validate.Length(max=320))
    title = _text(100)
    role = _text(64, metadata={"description": "e.g. it_admin; recipient rules name it as role:<role>"})
    is_primary = Flag(metadata={"description": "true makes this the primary contact (only one is)"})


class ContactIn(ContactChangeIn):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=320))


class AccountIn(DetailsIn):
    """Manual creation asks for what the CSM guide does: company name, ARR, close date and a primary
    contact's name and email; everything else is optional."""

    company_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    arr = fields.Decimal(required=True, places=2, validate=validate.Range(min=0, max=ARR_MAX),
                         metadata={"description": "annual recurring revenue, ≥ 0 (a number or a decimal string)"})
    close_date = fields.Date(required=True, metadata={"description": "when the deal closed"})
    contacts = fields.List(fields.Nested(ContactIn), required=True, validate=validate.Length(min=1, max=50),
                           metadata={"description": "at least one; the one marked is_primary (else the first) "
                                                    "is the primary contact"})
    template_id = id_field(metadata={"description": "apply this template's newest published revision"})
    revision_id = id_field(metadata={"description": "a specific published revision of template_id"})
    csm_id = id_field(metadata={"description": "the owning CSM (a CSM or an admin of the organization)"})
    allow_duplicate = Flag(load_default=False, metadata={
        "description": "create a second account for a deal that already has one"})

    @validates_schema(skip_on_field_errors=False)
    def _consistent(self, data, **_) -> None:
        """Rules between fields, reported with the rest: each names the field to change."""
        problems = {}
        if data.get("revision_id") and not data.get("template_id"):
            problems["revision_id"] = ["give template_id with revision_id"]
        contacts = data.get("contacts")
        if isinstance(contacts, list) and sum(bool(c.get("is_primary")) for c in contacts if isinstance(c, dict)) > 1:
            problems["contacts"] = ["at most one primary contact"]
        if problems:
            raise ValidationError(problems)


class StatusIn(Strict):
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in AccountStatus]),
                           metadata={"description": "active, at_risk or churned; completed and pending_handoff "
                                                    "follow the onboarding itself (409)"})


class CsmIn(Strict):
    csm_id = id_field(required=True)
    note = _text(2000, load_default="", metadata={
        "description": "why, for a transfer: kept in the account's internal history, never sent to the customer"})
    keep_previous_as_collaborator = Flag(load_default=False, metadata={
        "description": "the previous owner stays on the account as a collaborator"})


class CollaboratorIn(Strict):
    user_id = id_field(required=True, metadata={"description": "an active CSM or admin of the organization"})


class ReasonIn(Strict):
    reason = _text(2000, load_default="")


class ApplyTemplateIn(Strict):
    template_id = id_field(required=True)
    revision_id = id_field(load_default=None, metadata={"description": "default: the newest published revision"})
    confirm_reset = Flag(load_default=False, metadata={
        "description": "required to reapply: every milestone and action starts over (what was sent stays "
                       "in the history)"})


class BlockIn(Strict):
    note = fields.String(required=True, metadata={"description": "what the milestone waits on; the customer sees it"})


class ActionChangeIn(Strict):
    label = fields.String()
    description = fields.String()
    type = fields.String(metadata={"description": "SEND_EMAIL, SLACK, SCHEDULE_MEETING, COLLECT_INFO, "
                                                  "REQUEST_DOCS or REQUEST_ASSETS"})
    trigger = fields.Dict(metadata={"description": '{"type": "milestone_start", "delay_hours": 0–720} '
                                                   'or {"type": "manual"}'})
    visibility = fields.Dict(metadata={"description": '{"csm": {visible, label, section}, '
                                                      '"portal": {visible, label, blocker}}'})
    content = fields.Dict(metadata={"description": f"type-specific; {FORMAT_DOC}"})


class ActionIn(ActionChangeIn):
    label = fields.String(required=True)
    type = fields.String(required=True)


class SkipIn(Strict):
    reason = _text(2000, load_default="")


class RedraftIn(Strict):
    instructions = _text(2000, load_default="", metadata={"description": "what the writer should do differently"})


class RescheduleIn(Strict):
    delay_hours = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=0, max=720),
                                 metadata={"description": "hours after the milestone's start"})
    at = fields.AwareDateTime(load_default=None, metadata={"description": "an exact future time, with its offset"})


class DraftIn(Strict):
    """The fields of the action's type: email, Slack message or meeting invitation."""

    subject = fields.String()
    body = fields.String(metadata={"description": "Markdown"})
    to = fields.List(fields.String(), metadata={"description": "recipient rules or addresses"})
    cc = fields.List(fields.String())
    bcc = fields.List(fields.String())
    channel = fields.String()
    message = fields.String()
    title = fields.String()
    agenda = fields.String()
    duration_minutes = fields.Integer(strict=True, validate=validate.Range(min=5, max=24 * 60))
    location = fields.String()
    attendees = fields.List(fields.String())


class SettingsIn(Strict):
    review_portal_tasks = Flag(metadata={
        "description": "hold portal tasks in ready until a CSM releases them"})
    auto_send = fields.List(fields.String(), metadata={
        "description": "action types sent without approval: among SEND_EMAIL, SLACK, SCHEDULE_MEETING"})


# -- the staff view -------------------------------------------------------------------------
def action_operations(action, milestone, archived: bool) -> list[str]:
    """The commands that make sense for an action now, so a client shows only those buttons.

    Names, not routes: ``execute_now`` is POST …/start on a scheduled action; ``edit`` is PATCH
    of the definition, ``edit_draft`` PATCH …/draft, ``remove`` DELETE. The domain still decides:
    this is a hint drawn from the same rules, never a permission.
    """
    if archived:
        return []  # read-only until unarchived
    state = action.state
    if state is ActionState.PENDING:
        if not action.trigger.on_start:
            first = ["start"] if milestone.started_at is not None else []
        elif action.due_at is not None:
            first = ["execute_now", "reschedule"]
        else:  # its milestone has not started: it fires at start + delay
            first = ["reschedule"]
        return [*first, "skip", "edit", "remove"]
    if state is ActionState.REVIEW_PENDING:
        return ["skip"]
    if state is ActionState.READY:
        if action.type not in DRAFTED_TYPES:
            return ["execute", "skip"]  # a portal task held for review
        drafted = ["execute", *(["edit_draft"] if action.draft else []), "redraft", "skip"]
        # No Slack or calendar connection: the CSM does it outside Stitch and marks it done.
        return drafted + (["complete"] if action.type in CONNECTION_TYPES else [])
    if state is ActionState.EXECUTED:
        return ["complete"]
    return []  # executing: connectors holds it; completed and skipped are final


def milestone_operations(milestone, archived: bool) -> list[str]:
    if archived:
        return []
    return {MilestoneState.PENDING: ["start", "block"], MilestoneState.IN_PROGRESS: ["complete", "block"],
            MilestoneState.BLOCKED: ["unblock"]}.get(milestone.state, [])


class TriggerOut(Schema):
    type = fields.String(metadata={"description": "milestone_start or manual"})
    delay_hours = fields.Integer()


class DraftOut(Schema):
    number = fields.Integer(metadata={"description": "1 for the first draft, +1 per new draft asked for"})
    fields_ = fields.Dict(data_key="fields", attribute="fields")
    written_at = fields.DateTime()
    written_by = fields.String(metadata={"description": '"ai", "offline" or the staff user who edited it'})
    warnings = fields.List(fields.String())
    edited = fields.Boolean()


class ActionOut(Schema):
    id = fields.String()
    milestone_id = fields.String()
    position = fields.Integer()
    label = fields.String()
    description = fields.String()
    type = fields.String()
    trigger = fields.Nested(TriggerOut)
    visibility = fields.Function(lambda action: definition_of(action)["visibility"])
    content = fields.Dict()
    template_action_id = fields.String(allow_none=True, metadata={"description": "null: added to this account"})
    state = fields.String(metadata={"description": "pending, review_pending, ready, executing, executed, "
                                                   "completed or skipped"})
    due_at = fields.DateTime(allow_none=True)
    fired_at = fields.DateTime(allow_none=True)
    draft = fields.Nested(DraftOut, allow_none=True)
    last_error = fields.Dict(allow_none=True, metadata={"description": "{code, message, at} of the last failure"})
    executed_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    auto_sent = fields.Boolean()
    operations = fields.List(fields.String(), metadata={"description": (
        "commands that make sense now: start, execute_now (POST …/start), reschedule, execute, edit_draft, "
        "redraft, complete, skip, edit (PATCH), remove (DELETE)")})


class MilestoneOut(Schema):
    id = fields.String()
    sequence = fields.Integer()
    name = fields.String()
    duration_days = fields.Integer()
    internal_description = fields.String()
    customer_description = fields.String()
    exit_criteria = fields.String()
    template_milestone_id = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "pending, in_progress, blocked or completed"})
    planned_start = fields.DateTime(allow_none=True)
    target_date = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    block_note = fields.String(allow_none=True)
    overdue = fields.Boolean(metadata={"description": "not completed and past its target date"})
    operations = fields.List(fields.String(), metadata={"description": "start, complete, block or unblock"})
    actions = fields.List(fields.Nested(ActionOut))


class ContactOut(Schema):
    id = fields.String()
    name = fields.String()
    email = fields.String()
    title = fields.String()
    role = fields.String()
    is_primary = fields.Boolean()
    created_at = fields.DateTime(allow_none=True)


class CollaboratorOut(Schema):
    user_id = fields.String()
    added_at = fields.DateTime()
    added_by = fields.String(allow_none=True)


class AccountOut(Schema):
    """The staff view: everything, internal notes included (the portal has its own schemas)."""

    id = fields.String()
    company_name = fields.String()
    arr = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "exact, as a decimal string"})
    close_date = fields.Date(allow_none=True)
    industry = fields.String()
    company_size = fields.String()
    website = fields.String()
    notes = fields.String()
    crm_notes = fields.String()
    custom_fields = fields.Dict()
    crm_source = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)
    ae_email = fields.String(allow_none=True)
    duplicate_of = fields.String(allow_none=True, metadata={"description": "the deal's first account"})
    status = fields.String(metadata={"description": "pending_handoff, active, at_risk, completed or churned"})
    archived = fields.Boolean()
    archived_reason = fields.String()
    primary_csm_id = fields.String(allow_none=True)
    collaborators = fields.List(fields.Nested(CollaboratorOut), metadata={
        "description": "teammates who may view the account, work its actions and add notes"})
    current_milestone_id = fields.String(allow_none=True, metadata={"description": "the phase it is in"})
    current_milestone_name = fields.String(allow_none=True)
    next_action_at = fields.DateTime(allow_none=True, metadata={
        "description": "the earliest scheduled action, or since when a draft has waited for review"})
    template_id = fields.String(allow_none=True)
    revision_id = fields.String(allow_none=True)
    revision_number = fields.Integer(allow_none=True)
    applied_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime(allow_none=True)
    version = fields.Integer(metadata={"description": "also the ETag; send If-Match to refuse lost updates"})
    contacts = fields.List(fields.Nested(ContactOut))
    milestones = fields.List(fields.Nested(MilestoneOut))

    @pre_dump
    def _with_presentation(self, account, **_):
        """Add what the view computes: overdue (by the wall clock) and each item's operations."""
        now = datetime.now(UTC)

        def milestone_view(milestone):
            actions = [SimpleNamespace(**vars(action),
                                       operations=action_operations(action, milestone, account.archived))
                       for action in milestone.actions]
            return SimpleNamespace(**{**vars(milestone), "actions": actions}, overdue=milestone.is_overdue(now),
                                   operations=milestone_operations(milestone, account.archived))

        current = account.current_milestone()
        return SimpleNamespace(**{**vars(account), "milestones": [milestone_view(m) for m in account.milestones]},
                               current_milestone_id=current.id if current else None,
                               current_milestone_name=current.name if current else None,
                               next_action_at=account.next_action_at())


class HistoryEntryOut(Schema):
    id = fields.String()
    number = fields.Integer(metadata={"description": "its place in the account's history: 1, 2, 3…"})
    kind = fields.String(metadata={"description": "e.g. milestone_started, draft_edited, action_executed"})
    at = fields.DateTime()
    actor = fields.String(allow_none=True, metadata={"description": "a staff user; null when automation did it"})
    milestone_id = fields.String(allow_none=True)
    action_id = fields.String(allow_none=True)
    detail = fields.Dict()
    text = fields.String(metadata={"description": (
        "the entry in plain words, naming milestones and actions as the account calls them now, e.g. "
        "Could not send “Welcome email”: the mailbox is full (retrying may help)")})


class SettingsOut(Schema):
    review_portal_tasks = fields.Boolean()
    auto_send = fields.Function(lambda settings: sorted(settings.auto_send))
    version = fields.Integer(metadata={"description": "also the ETag; send If-Match to refuse lost updates"})
    updated_at = fields.DateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)


class CatalogEntryOut(Schema):
    template_id = fields.String()
    name = fields.String()
    created_at = fields.DateTime()
    recorded_at = fields.DateTime()


CatalogPage = page_schema(CatalogEntryOut, "CatalogPage")
HistoryPage = page_schema(HistoryEntryOut, "HistoryPage")
