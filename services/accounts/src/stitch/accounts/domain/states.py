"""The states and kinds the onboarding engine knows (thread-docs-digest §2)."""

from __future__ import annotations

from enum import StrEnum


class AccountStatus(StrEnum):
    PENDING_HANDOFF = "pending_handoff"  # created from a deal; the AE has not handed off yet
    ACTIVE = "active"
    AT_RISK = "at_risk"
    COMPLETED = "completed"  # set when the last milestone completes
    CHURNED = "churned"


class MilestoneState(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    BLOCKED = "blocked"


class ActionState(StrEnum):
    PENDING = "pending"  # the trigger has not fired (waiting for the milestone start or its time)
    REVIEW_PENDING = "review_pending"  # a draft was asked for and is being written
    READY = "ready"  # a draft (or a held portal task) waits for the CSM
    EXECUTING = "executing"  # approved; the delivery request is out at connectors
    EXECUTED = "executed"  # delivered, or published to the customer's portal
    COMPLETED = "completed"
    SKIPPED = "skipped"


class ActionType(StrEnum):
    SEND_EMAIL = "SEND_EMAIL"
    SLACK = "SLACK"
    COLLECT_INFO = "COLLECT_INFO"
    REQUEST_DOCS = "REQUEST_DOCS"
    REQUEST_ASSETS = "REQUEST_ASSETS"
    SCHEDULE_MEETING = "SCHEDULE_MEETING"


# Messages are drafted before a person approves them; a meeting's invitation is filled in the same way.
DRAFTED_TYPES = frozenset({ActionType.SEND_EMAIL, ActionType.SLACK, ActionType.SCHEDULE_MEETING})
# Tasks the customer does in the portal; published (executed) as soon as their trigger fires.
PORTAL_TASK_TYPES = frozenset({ActionType.COLLECT_INFO, ActionType.REQUEST_DOCS, ActionType.REQUEST_ASSETS})
# Done outside Stitch when the org has no connection that can deliver them (seed FAQ).
CONNECTION_TYPES = frozenset({ActionType.SLACK, ActionType.SCHEDULE_MEETING})

OPEN_STATES = frozenset({ActionState.PENDING, ActionState.REVIEW_PENDING, ActionState.READY})
DONE_STATES = frozenset({ActionState.COMPLETED, ActionState.SKIPPED})
# Once something reached the customer it cannot be unsent (seed FAQ), so it cannot be removed either.
SENT_STATES = frozenset({ActionState.EXECUTING, ActionState.EXECUTED, ActionState.COMPLETED})
