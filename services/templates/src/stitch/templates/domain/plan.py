"""Milestones and actions: the plan a template holds (thread digest §1.5–1.6).

Both are plain values with stable ids. Ids survive edits, so a diff between two revisions can say
"renamed" instead of "removed and added", and accounts can map a revision's actions one to one.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from stitch.templates.domain.content import ACTION_TYPES, CUSTOMER_TASKS, SLACK, read_content
from stitch.templates.domain.merge_fields import shown_as_written_problem as as_written
from stitch.templates.domain.reading import Reader

MILESTONE_START, MANUAL = "milestone_start", "manual"
TRIGGER_TYPES = (MILESTONE_START, MANUAL)
DELAY_HOURS_MAX = 720  # 30 days after the milestone starts (thread digest §1.6)
NAME_MAX, DESCRIPTION_MAX, LONG_TEXT_MAX = 200, 2_000, 4_000
ACTIONS_PER_MILESTONE_MAX = 100


def new_id() -> str:
    return str(uuid.uuid4())


@dataclasses.dataclass(frozen=True)
class Action:
    id: str
    label: str
    description: str
    type: str
    trigger: dict[str, Any]  # {"type": "milestone_start", "delay_hours": 0} or {"type": "manual"}
    visibility: dict[str, Any]  # {"csm": {visible, label, section}, "portal": {visible, label, blocker}}
    content: dict[str, Any]

    def as_dict(self, *, with_id: bool = True) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        return data if with_id else {k: v for k, v in data.items() if k != "id"}


@dataclasses.dataclass(frozen=True)
class Milestone:
    id: str
    name: str
    duration_days: int
    internal_description: str  # "what we're doing": the CSM team's side, never shown to customers
    customer_description: str  # what the customer sees in the portal
    exit_criteria: str
    actions: tuple[Action, ...]

    def as_dict(self, *, with_id: bool = True) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in ("id", "name", "duration_days", "internal_description",
                                              "customer_description", "exit_criteria")}
        if not with_id:
            del data["id"]
        data["actions"] = [action.as_dict(with_id=with_id) for action in self.actions]
        return data


def read_action(reader: Reader, known_ids: frozenset[str] = frozenset()) -> Action:
    """An action from JSON. An ``id`` is kept only if it already belongs to this template."""
    action_type = reader.choice("type", ACTION_TYPES, required=True)
    action = Action(
        id=_keep_or_new(reader, known_ids),
        label=reader.text("label", max_length=NAME_MAX, required=True, check=as_written),
        description=reader.text("description", max_length=DESCRIPTION_MAX, one_line=False),
        type=action_type or "",
        trigger=_read_trigger(reader.object("trigger"), action_type),
        visibility=_read_visibility(reader.object("visibility"), action_type),
        content=read_content(action_type, reader.object("content")),
    )
    reader.finish()
    return action


def read_milestone(reader: Reader, known_ids: frozenset[str] = frozenset(),
                   with_actions: bool = True) -> Milestone:
    milestone = Milestone(
        id=_keep_or_new(reader, known_ids),
        name=reader.text("name", max_length=NAME_MAX, required=True, check=as_written),
        duration_days=reader.integer("duration_days", low=1, high=365, default=7) or 7,
        internal_description=reader.text("internal_description", max_length=LONG_TEXT_MAX, one_line=False),
        customer_description=reader.text("customer_description", max_length=LONG_TEXT_MAX, one_line=False,
                                         check=as_written),
        exit_criteria=reader.text("exit_criteria", max_length=DESCRIPTION_MAX, one_line=False),
        actions=tuple(read_action(action, known_ids)
                      for action in reader.objects("actions", max_items=ACTIONS_PER_MILESTONE_MAX))
        if with_actions else (),
    )
    reader.finish()
    return milestone


def _keep_or_new(reader: Reader, known_ids: frozenset[str]) -> str:
    given = reader.data.get("id")
    reader.consumed("id")
    return given if isinstance(given, str) and given in known_ids else new_id()


def _read_trigger(reader: Reader, action_type: str | None) -> dict[str, Any]:
    # Meetings are usually booked by hand (thread digest §3.1); everything else starts with its milestone.
    default = MANUAL if action_type == "SCHEDULE_MEETING" else MILESTONE_START
    kind = reader.choice("type", TRIGGER_TYPES, default=default)
    if kind == MANUAL:
        if reader.has("delay_hours") and reader.data["delay_hours"] not in (None, 0):
            reader.report("delay_hours", "only milestone_start triggers have a delay")
        reader.consumed("delay_hours")
        trigger: dict[str, Any] = {"type": MANUAL}
    else:
        trigger = {"type": MILESTONE_START,
                   "delay_hours": reader.integer("delay_hours", low=0, high=DELAY_HOURS_MAX, default=0)}
    reader.finish()
    return trigger


def _read_visibility(reader: Reader, action_type: str | None) -> dict[str, Any]:
    csm, portal = reader.object("csm"), reader.object("portal")
    # Customer tasks exist to be done in the portal; a Slack message lives in Slack, not the portal.
    portal_default = action_type != SLACK
    visibility = {
        "csm": {"visible": csm.boolean("visible", True),
                "label": csm.text("label", max_length=NAME_MAX, check=as_written),
                "section": csm.text("section", max_length=100)},
        "portal": {"visible": portal.boolean("visible", portal_default),
                   "label": portal.text("label", max_length=NAME_MAX, check=as_written),
                   "blocker": portal.boolean("blocker", False)},
    }
    if visibility["portal"]["blocker"] and not visibility["portal"]["visible"]:
        portal.report("blocker", "a blocker must be visible in the portal (customers must see what holds them up)")
    if action_type in CUSTOMER_TASKS and not visibility["portal"]["visible"]:
        portal.report("visible", f"a {action_type} action is a customer task and must be visible in the portal")
    for part in (csm, portal, reader):
        part.finish()
    return visibility
