"""An account's plan: milestone instances holding action instances, copied from a template revision.

The copy is a snapshot (thread-docs-digest §3.7): later template edits never reach it. Ids are the
account's own, and each instance remembers the template milestone or action it came from.
"""

from __future__ import annotations

import copy
import dataclasses
from datetime import datetime, timedelta
from typing import Any

from stitch.accounts.domain.states import PORTAL_TASK_TYPES, ActionState, ActionType, MilestoneState


@dataclasses.dataclass(frozen=True)
class Trigger:
    type: str  # "milestone_start" | "manual"
    delay_hours: int = 0

    @property
    def on_start(self) -> bool:
        return self.type == "milestone_start"


@dataclasses.dataclass(frozen=True)
class Draft:
    """What the CSM reviews: the filled-in message (email, Slack message or meeting invitation)."""

    number: int  # 1 for the first draft, +1 per new draft asked for
    fields: dict[str, Any]  # email: subject, body, to, cc, bcc; slack: channel, message; meeting: title, agenda, ...
    written_at: datetime
    written_by: str  # "ai", "offline" or a staff user id after an edit
    warnings: tuple[str, ...] = ()  # e.g. "{{ae_name}} has no value for this account"
    edited: bool = False


@dataclasses.dataclass
class Action:
    id: str
    milestone_id: str
    position: int
    label: str
    description: str
    type: ActionType
    trigger: Trigger
    content: dict[str, Any]
    csm_visible: bool = True
    csm_label: str = ""
    csm_section: str = ""
    portal_visible: bool = False
    portal_label: str = ""
    blocker: bool = False
    template_action_id: str | None = None  # None: added to this account only
    state: ActionState = ActionState.PENDING
    due_at: datetime | None = None  # when a pending scheduled action fires
    fired_at: datetime | None = None
    draft: Draft | None = None
    draft_request: str | None = None  # the outstanding draft request (review_pending)
    draft_instructions: str = ""  # what the CSM asked the writer for with it
    delivery_request: str | None = None  # the outstanding delivery request (executing)
    last_error: dict[str, Any] | None = None  # {"code", "message", "at"} of the last failure
    ready_since: datetime | None = None  # when it last came to wait for the CSM (edits keep it)
    executed_at: datetime | None = None
    completed_at: datetime | None = None
    auto_sent: bool = False

    @property
    def is_portal_task(self) -> bool:
        return self.type in PORTAL_TASK_TYPES

    @property
    def customer_label(self) -> str:
        return self.portal_label or self.label


@dataclasses.dataclass
class Milestone:
    id: str
    sequence: int
    name: str
    duration_days: int
    internal_description: str = ""
    customer_description: str = ""
    exit_criteria: str = ""
    template_milestone_id: str | None = None
    state: MilestoneState = MilestoneState.PENDING
    planned_start: datetime | None = None
    target_date: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    block_note: str | None = None  # shown in the portal while blocked
    blocked_from: MilestoneState | None = None  # the state unblocking returns to
    actions: list[Action] = dataclasses.field(default_factory=list)

    def is_overdue(self, now: datetime) -> bool:
        return (self.state is not MilestoneState.COMPLETED and self.target_date is not None
                and self.target_date < now)

    @property
    def started(self) -> bool:
        return self.started_at is not None and self.state is not MilestoneState.COMPLETED


@dataclasses.dataclass(frozen=True)
class RevisionSnapshot:
    """A published template revision, as the local copy of ``templates.template_published.v1`` holds it."""

    template_id: str
    revision_id: str
    revision: int
    name: str
    milestones: tuple[dict[str, Any], ...]  # the event's milestones, in sequence order


def plan_from_revision(revision: RevisionSnapshot, anchor: datetime, new_id) -> list[Milestone]:
    """Milestone and action instances for one account, planned back to back from ``anchor``."""
    milestones, start = [], anchor
    for sequence, source in enumerate(revision.milestones, start=1):
        milestone_id = new_id()
        days = int(source.get("duration_days") or 0)
        milestone = Milestone(
            id=milestone_id, sequence=sequence, name=source["name"], duration_days=days,
            internal_description=source.get("internal_description", ""),
            customer_description=source.get("customer_description", ""),
            exit_criteria=source.get("exit_criteria", ""), template_milestone_id=source.get("id"),
            planned_start=start, target_date=start + timedelta(days=days))
        milestone.actions = [action_from_definition(item, milestone_id, position, new_id(), item.get("id"))
                             for position, item in enumerate(source.get("actions", []), start=1)]
        milestones.append(milestone)
        start = milestone.target_date
    return milestones


def action_from_definition(definition: dict[str, Any], milestone_id: str, position: int, action_id: str,
                           template_action_id: str | None = None) -> Action:
    """An action instance from a checked definition (a revision's action or a per-account addition)."""
    trigger = definition.get("trigger") or {}
    visibility = definition.get("visibility") or {}
    csm, portal = visibility.get("csm") or {}, visibility.get("portal") or {}
    return Action(
        id=action_id, milestone_id=milestone_id, position=position, label=definition["label"],
        description=definition.get("description", ""), type=ActionType(definition["type"]),
        trigger=Trigger(trigger.get("type", "manual"), int(trigger.get("delay_hours") or 0)),
        content=copy.deepcopy(definition.get("content") or {}),
        csm_visible=bool(csm.get("visible", True)), csm_label=csm.get("label", ""),
        csm_section=csm.get("section", ""), portal_visible=bool(portal.get("visible", False)),
        portal_label=portal.get("label", ""), blocker=bool(portal.get("blocker", False)),
        template_action_id=template_action_id)


def definition_of(action: Action) -> dict[str, Any]:
    """The editable definition of an action, in the shape ``action_from_definition`` reads."""
    return {
        "label": action.label, "description": action.description, "type": action.type.value,
        "trigger": {"type": action.trigger.type, "delay_hours": action.trigger.delay_hours},
        "visibility": {"csm": {"visible": action.csm_visible, "label": action.csm_label,
                               "section": action.csm_section},
                       "portal": {"visible": action.portal_visible, "label": action.portal_label,
                                  "blocker": action.blocker}},
        "content": copy.deepcopy(action.content),
    }
