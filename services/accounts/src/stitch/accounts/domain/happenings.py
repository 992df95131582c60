"""What happened to an account: every change is recorded once, as a :class:`Happened`.

The repository writes each one to the account's history (actor, time, subject); the application
turns the ones other services need into published events. Kinds are stable names (see
``KINDS``); ``detail`` holds what a person reading the history needs, never a secret.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

KINDS = frozenset({
    "account_created", "details_changed", "status_changed", "archived", "unarchived", "csm_assigned",
    "contact_added", "contact_changed", "template_applied",
    "milestone_started", "milestone_completed", "milestone_blocked", "milestone_unblocked",
    "action_added", "action_edited", "action_removed", "action_scheduled", "action_rescheduled",
    "draft_requested", "draft_written", "draft_edited", "action_ready", "action_approved",
    "delivery_requested", "action_executed", "delivery_failed", "action_completed", "action_skipped",
    "customer_submitted", "viewed_as_customer", "auto_send_held",
    "collaborator_added", "collaborator_removed", "note_added", "note_edited", "note_deleted",
})


def new_id() -> str:
    return str(uuid.uuid4())


@dataclasses.dataclass(frozen=True)
class Happened:
    kind: str
    at: datetime
    actor: str | None  # staff user id; None when an automation (scheduler, event, workflow) did it
    milestone_id: str | None = None
    action_id: str | None = None
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)
    id: str = dataclasses.field(default_factory=new_id)
    number: int = 0  # its place in the account's history (1, 2, 3…), given when it is stored

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown happening {self.kind!r}")  # a programming error


@dataclasses.dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclasses.dataclass(frozen=True)
class People:
    """Staff people an action may address, resolved by the application from its read models."""

    csm: Person | None = None
    ae: Person | None = None
    collaborators: tuple[Person, ...] = ()


@dataclasses.dataclass(frozen=True)
class OrgPolicy:
    """The org's rules the engine acts on (owned by accounts) and what its connections can deliver."""

    review_portal_tasks: bool = False  # hold portal tasks in ready until the CSM releases them
    auto_send: frozenset[str] = frozenset()  # action types that may go out without approval
    slack_connected: bool = False
    calendar_connected: bool = False

    def can_deliver(self, action_type: str) -> bool:
        if action_type == "SLACK":
            return self.slack_connected
        if action_type == "SCHEDULE_MEETING":
            return self.calendar_connected
        return True
