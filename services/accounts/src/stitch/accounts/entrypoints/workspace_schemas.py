"""What the CSM's account workspace shows: internal notes, the implementation view (actions by
milestone, with what each waits for and allows) and the timeline (milestones, planned and actual).

The views are drawn from the account and one "now" (the service clock's, so countdowns agree
with the scheduler); the operations are the staff view's own (schemas.action_operations).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from marshmallow import Schema, fields

from stitch.accounts.application.workqueue import preview_of
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.notes import BODY_MAX, Note
from stitch.accounts.domain.ownership import Access
from stitch.accounts.domain.plan import Action, Draft, Milestone
from stitch.accounts.domain.states import DONE_STATES, ActionState, MilestoneState
from stitch.accounts.entrypoints.history_text import last_error_text
from stitch.accounts.entrypoints.queue_schemas import DraftPreviewOut
from stitch.accounts.entrypoints.schemas import Strict, TriggerOut, action_operations, milestone_operations
from stitch.common.http.pagination import page_schema

ACCESS_WORDS = {Access.OWN: "own", Access.COLLABORATE: "collaborate", Access.NONE: "read"}
ACCESS_DOC = ("the caller's access: own (the owner or an admin: everything), collaborate (work actions, add "
              "notes) or read")


# -- notes ------------------------------------------------------------------------------------
class NoteIn(Strict):
    body = fields.String(required=True, metadata={"description": (
        f"1 to {BODY_MAX:,} characters once surrounding blanks are stripped; line breaks and tabs are kept, "
        "other control characters refused. Internal: never shown to the customer nor sent in any event")})


class NoteOut(Schema):
    id = fields.String()
    account_id = fields.String()
    body = fields.String()
    author_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)
    operations = fields.List(fields.String(), metadata={
        "description": "edit and delete for the note's author and admins (while the account is not archived)"})


NotePage = page_schema(NoteOut, "NotePage")


def note_view(note: Note, account: Account, user_id: str, sees_all: bool) -> dict[str, Any]:
    allowed = not account.archived and note.may_change(user_id, sees_all=sees_all)
    return {**vars(note), "operations": ["edit", "delete"] if allowed else []}


# -- the implementation view ------------------------------------------------------------------
class LastErrorOut(Schema):
    code = fields.String()
    message = fields.String()
    at = fields.String(allow_none=True)
    text = fields.String(metadata={"description": "in plain words, with whether retrying may help"})


class ImplementationActionOut(Schema):
    id = fields.String()
    label = fields.String()
    section = fields.String(metadata={"description": "where the CSM's view groups it (the template's csm.section)"})
    type = fields.String()
    state = fields.String()
    blocker = fields.Boolean(metadata={"description": "its milestone cannot complete before it is done"})
    trigger = fields.Nested(TriggerOut)
    due_at = fields.DateTime(allow_none=True, metadata={"description": "when a scheduled action fires"})
    due_in_seconds = fields.Integer(allow_none=True, metadata={
        "description": "countdown to due_at from the service's clock (as_of); negative when late"})
    ready_since = fields.DateTime(allow_none=True, metadata={"description": "since when it waits for the CSM"})
    draft = fields.Nested(DraftPreviewOut, allow_none=True, metadata={
        "description": "the draft waiting for review (or the last one written), as the review queue previews it"})
    warnings = fields.List(fields.String(), metadata={"description": "what to check in the draft before sending"})
    last_error = fields.Nested(LastErrorOut, allow_none=True)
    operations = fields.List(fields.String(), metadata={"description": "as in the account's staff view"})


class ImplementationMilestoneOut(Schema):
    id = fields.String()
    sequence = fields.Integer()
    name = fields.String()
    state = fields.String()
    target_date = fields.DateTime(allow_none=True)
    block_note = fields.String(allow_none=True)
    operations = fields.List(fields.String())
    actions = fields.List(fields.Nested(ImplementationActionOut))


class _AccountHeader(Schema):
    account_id = fields.String()
    company_name = fields.String()
    version = fields.Integer(metadata={"description": "also the ETag; send it as If-Match with a command"})
    archived = fields.Boolean()
    as_of = fields.DateTime(metadata={"description": "the service's clock: countdowns and lateness count from it"})
    current_milestone_id = fields.String(allow_none=True)


class ImplementationOut(_AccountHeader):
    access = fields.String(metadata={"description": ACCESS_DOC})
    milestones = fields.List(fields.Nested(ImplementationMilestoneOut))


# What a collaborator may do to an action (the owner may also edit and remove it): domain/ownership.py.
COLLABORATOR_OPERATIONS = frozenset({"start", "execute_now", "reschedule", "execute", "edit_draft", "redraft",
                                     "complete", "skip"})


def implementation_of(account: Account, now: datetime, access: Access) -> dict[str, Any]:
    """The operations offered are those the caller's access allows: none to a reader."""
    def allowed(operations: list[str], collaborator_may: frozenset[str] = COLLABORATOR_OPERATIONS) -> list[str]:
        if access is Access.OWN:
            return operations
        return [name for name in operations if name in collaborator_may] if access is Access.COLLABORATE else []

    milestones = [{**_milestone_header(m), "operations": allowed(milestone_operations(m, account.archived),
                                                                 frozenset()),
                   "actions": [{**_work_item(a, now),
                                "operations": allowed(action_operations(a, m, account.archived))}
                               for a in m.actions]}
                  for m in account.milestones]
    return {**_account_header(account, now), "access": ACCESS_WORDS[access], "milestones": milestones}


def _work_item(action: Action, now: datetime) -> dict[str, Any]:
    scheduled = action.state is ActionState.PENDING and action.due_at is not None
    waiting = action.state is ActionState.READY
    return {"id": action.id, "label": action.label, "section": action.csm_section, "type": action.type.value,
            "state": action.state.value, "blocker": action.blocker, "trigger": action.trigger,
            "due_at": action.due_at,
            "due_in_seconds": math.floor((action.due_at - now).total_seconds()) if scheduled else None,
            "ready_since": action.ready_since if waiting else None,
            "draft": _preview(action.draft), "warnings": list(action.draft.warnings) if action.draft else [],
            "last_error": {**action.last_error, "text": last_error_text(action.label, action.last_error)}
            if action.last_error else None}


def _preview(draft: Draft | None) -> Any:
    """The review queue's preview (one look for a draft wherever it is shown), from the draft as
    the aggregate holds it rather than as its row."""
    if draft is None:
        return None
    return preview_of({"number": draft.number, "fields": draft.fields, "warnings": draft.warnings,
                       "edited": draft.edited})


# -- the timeline -----------------------------------------------------------------------------
class ProgressOut(Schema):
    done = fields.Integer(metadata={"description": "actions completed or skipped"})
    total = fields.Integer()
    percent = fields.Integer(metadata={"description": "done / total, rounded; 0 without actions"})


class TimelineMilestoneOut(Schema):
    id = fields.String()
    sequence = fields.Integer()
    name = fields.String()
    state = fields.String(metadata={"description": "pending, in_progress, blocked or completed"})
    planned_start = fields.DateTime(allow_none=True)
    target_date = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    block_note = fields.String(allow_none=True, metadata={"description": "what a blocked milestone waits on"})
    overdue = fields.Boolean(metadata={"description": "not completed and past its target date"})
    days_late = fields.Integer(allow_none=True, metadata={
        "description": "whole days (begun) past the target date: still open now, or when it completed; "
                       "null when on time"})
    progress = fields.Nested(ProgressOut)


class TimelineOut(_AccountHeader):
    progress = fields.Nested(ProgressOut, metadata={"description": "over every action of the account"})
    milestones = fields.List(fields.Nested(TimelineMilestoneOut))


def timeline_of(account: Account, now: datetime) -> dict[str, Any]:
    milestones = [{**_milestone_header(m), "planned_start": m.planned_start, "started_at": m.started_at,
                   "completed_at": m.completed_at, "overdue": m.is_overdue(now), "days_late": _days_late(m, now),
                   "progress": _progress(m.actions)} for m in account.milestones]
    return {**_account_header(account, now), "progress": _progress(account.actions()), "milestones": milestones}


def _days_late(milestone: Milestone, now: datetime) -> int | None:
    end = milestone.completed_at if milestone.state is MilestoneState.COMPLETED else now
    if milestone.target_date is None or end is None or end <= milestone.target_date:
        return None
    return math.ceil((end - milestone.target_date) / timedelta(days=1))


def _progress(actions: list[Action]) -> dict[str, int]:
    done = sum(1 for action in actions if action.state in DONE_STATES)
    return {"done": done, "total": len(actions), "percent": round(100 * done / len(actions)) if actions else 0}


# -- shared -------------------------------------------------------------------------------------
def _account_header(account: Account, now: datetime) -> dict[str, Any]:
    current = account.current_milestone()
    return {"account_id": account.id, "company_name": account.company_name, "version": account.version,
            "archived": account.archived, "as_of": now, "current_milestone_id": current.id if current else None}


def _milestone_header(milestone: Milestone) -> dict[str, Any]:
    return {"id": milestone.id, "sequence": milestone.sequence, "name": milestone.name,
            "state": milestone.state.value, "target_date": milestone.target_date,
            "block_note": milestone.block_note if milestone.state is MilestoneState.BLOCKED else None}
