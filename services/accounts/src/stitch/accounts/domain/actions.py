"""Action rules: the state machine of one action instance (thread-docs-digest §2.1, §3.4; seed FAQ).

``pending → (trigger) → review_pending → (draft written) → ready → (approved) → executing →
(delivered) → executed → (submitted / marked done) → completed``; portal tasks go straight to
``executed`` (or wait in ``ready`` when the org reviews them first); ``skipped`` from any open
state. Nothing reaches a customer without a person's approval unless the org allows auto-send
for the action's type, and then the history says so.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from stitch.accounts.domain.errors import InvalidInput, RuleBroken, Violation
from stitch.accounts.domain.happenings import new_id
from stitch.accounts.domain.merge import unfilled
from stitch.accounts.domain.plan import Draft, Trigger, action_from_definition
from stitch.accounts.domain.recipients import resolve
from stitch.accounts.domain.states import (CONNECTION_TYPES, DRAFTED_TYPES, OPEN_STATES, SENT_STATES,
                                           ActionState, ActionType, MilestoneState)

if TYPE_CHECKING:
    from stitch.accounts.domain.contacts import Contact
    from stitch.accounts.domain.happenings import Happened, OrgPolicy, People
    from stitch.accounts.domain.plan import Action, Milestone

# What a CSM may change in a draft, per type, and what each value must be.
DRAFT_FIELDS: dict[ActionType, dict[str, type]] = {
    ActionType.SEND_EMAIL: {"subject": str, "body": str, "to": list, "cc": list, "bcc": list},
    ActionType.SLACK: {"channel": str, "message": str},
    ActionType.SCHEDULE_MEETING: {"title": str, "agenda": str, "duration_minutes": int, "location": str,
                                  "attendees": list},
}
DRAFT_TEXT_MAX = 50_000
CHANNELS = {ActionType.SEND_EMAIL: "email", ActionType.SLACK: "slack", ActionType.SCHEDULE_MEETING: "calendar"}


class ActionRules:
    """Mixed into the account aggregate."""

    contacts: list[Contact]

    # -- firing ----------------------------------------------------------------------------------

    def start_action(self, action_id: str, now: datetime, actor: str | None, policy: OrgPolicy) -> None:
        """The CSM's "Start" on a manual action, or "execute now" on a scheduled one."""
        self._writable()
        action = self.action(action_id)
        _require(action, {ActionState.PENDING}, "action.start.not_pending", "only a pending action can be started")
        if self.milestone(action.milestone_id).started_at is None:
            raise RuleBroken("action.start.milestone_not_started",
                             "start the action's milestone first: its actions run once it has started")
        self._fire(action, now, actor, policy)

    def fire_due(self, action_id: str, now: datetime, policy: OrgPolicy) -> bool:
        """The scheduler's turn: fire a scheduled action whose time has come (False if it no longer is)."""
        action = self._still_there(action_id)
        if (action is None or self.archived or action.state is not ActionState.PENDING
                or action.due_at is None or action.due_at > now):
            return False
        self._fire(action, now, None, policy)
        return True

    def _fire(self, action: Action, now: datetime, actor: str | None, policy: OrgPolicy) -> None:
        action.fired_at, action.due_at = now, None
        if action.type in DRAFTED_TYPES:
            self._ask_for_draft(action, now, actor, instructions="")
        elif policy.review_portal_tasks:
            action.state, action.ready_since = ActionState.READY, now
            self.record("action_ready", now, actor, milestone_id=action.milestone_id, action_id=action.id,
                        detail={"held_for_review": True})
        else:
            self._publish_task(action, now, actor, auto=False)

    def _ask_for_draft(self, action: Action, now: datetime, actor: str | None, instructions: str) -> None:
        action.state, action.draft_request = ActionState.REVIEW_PENDING, new_id()
        action.draft_instructions = instructions
        self.record("draft_requested", now, actor, milestone_id=action.milestone_id, action_id=action.id,
                    detail={"request_id": action.draft_request, "instructions": instructions})

    def _publish_task(self, action: Action, now: datetime, actor: str | None, *, auto: bool) -> None:
        action.state, action.executed_at = ActionState.EXECUTED, now
        self.record("action_executed", now, actor, milestone_id=action.milestone_id, action_id=action.id,
                    detail={"channel": "portal", "auto_sent": auto})

    # -- drafts ----------------------------------------------------------------------------------

    def attach_draft(self, action_id: str, request_id: str, fields: dict[str, Any], warnings: tuple[str, ...],
                     written_by: str, now: datetime, policy: OrgPolicy, people: People) -> bool:
        """The draft asked for by ``request_id`` is written; False when that request is no longer current."""
        action = self._still_there(action_id)
        if action is None or action.state is not ActionState.REVIEW_PENDING or action.draft_request != request_id:
            return False
        number = action.draft.number + 1 if action.draft else 1
        action.draft = Draft(number, dict(fields), now, written_by, tuple(warnings))
        action.state, action.draft_request, action.ready_since = ActionState.READY, None, now
        self.record("draft_written", now, None, milestone_id=action.milestone_id, action_id=action.id,
                    detail={"number": number, "written_by": written_by, "warnings": list(warnings)})
        self.record("action_ready", now, None, milestone_id=action.milestone_id, action_id=action.id)
        if action.type.value in policy.auto_send and policy.can_deliver(action.type.value) and not self.archived:
            self._auto_send(action, now, policy, people)
        return True

    def _auto_send(self, action: Action, now: datetime, policy: OrgPolicy, people: People) -> None:
        """Send without approval, as the org allows; a draft with anything to check waits for a person."""
        try:
            if action.draft.warnings:
                raise RuleBroken("action.auto_send.draft_has_warnings",
                                 "the draft has warnings to check: " + "; ".join(action.draft.warnings))
            self._execute(action, now, None, policy, people, auto=True)
        except RuleBroken as held:
            action.last_error = {"code": held.rule, "message": f"not sent automatically: {held.message}",
                                 "at": now.isoformat()}
            self.record("auto_send_held", now, None, milestone_id=action.milestone_id, action_id=action.id,
                        detail={"code": held.rule, "message": held.message})

    def edit_draft(self, action_id: str, changes: dict[str, Any], now: datetime, actor: str | None) -> None:
        self._writable()
        action = self.action(action_id)
        _require(action, {ActionState.READY}, "action.draft.not_ready", "only a ready draft can be edited")
        if action.draft is None:
            raise RuleBroken("action.draft.none", "this action has no draft to edit")
        allowed = DRAFT_FIELDS[action.type]
        problems = [Violation(f"draft.{key}", f"is not a field of a {action.type.value} draft")
                    for key in changes if key not in allowed]
        for key, value in changes.items():
            expected = allowed.get(key)
            if expected is None:
                continue
            if not isinstance(value, expected) or isinstance(value, bool):
                problems.append(Violation(f"draft.{key}", f"must be a {expected.__name__}"))
            elif expected is list and not all(isinstance(item, str) and item.strip() for item in value):
                problems.append(Violation(f"draft.{key}", "must be a list of recipient rules or addresses"))
            elif expected is str and len(value) > DRAFT_TEXT_MAX:
                problems.append(Violation(f"draft.{key}", f"must be at most {DRAFT_TEXT_MAX} characters"))
            elif key == "duration_minutes" and not 5 <= value <= 600:
                problems.append(Violation("draft.duration_minutes", "must be from 5 to 600 minutes"))
            elif key == "to" and not value:
                problems.append(Violation("draft.to", "must name at least one recipient"))
        if problems:
            raise InvalidInput(problems)
        changed = sorted(key for key, value in changes.items() if action.draft.fields.get(key) != value)
        if not changed:
            return
        action.draft = dataclasses.replace(action.draft, fields={**action.draft.fields, **changes},
                                           written_at=now, written_by=actor or "system", edited=True)
        self.record("draft_edited", now, actor, milestone_id=action.milestone_id, action_id=action.id,
                    detail={"fields": changed})

    def request_new_draft(self, action_id: str, now: datetime, actor: str | None, instructions: str = "") -> None:
        self._writable()
        action = self.action(action_id)
        if action.type not in DRAFTED_TYPES:
            raise RuleBroken("action.draft.not_drafted", f"a {action.type.value} action has no draft")
        _require(action, {ActionState.READY}, "action.draft.not_ready", "a new draft can be asked for a ready action")
        self._ask_for_draft(action, now, actor, instructions.strip()[:2000])

    # -- approval and delivery -------------------------------------------------------------------

    def execute(self, action_id: str, now: datetime, actor: str | None, policy: OrgPolicy, people: People) -> None:
        """The CSM approves: a message goes to connectors for delivery; a held portal task is published."""
        self._writable()
        action = self.action(action_id)
        _require(action, {ActionState.READY}, "action.execute.not_ready", "only a ready action can be executed")
        self._execute(action, now, actor, policy, people, auto=False)

    def _execute(self, action: Action, now: datetime, actor: str | None, policy: OrgPolicy, people: People, *,
                 auto: bool) -> None:
        if action.is_portal_task:
            self.record("action_approved", now, actor, milestone_id=action.milestone_id, action_id=action.id,
                        detail={"auto_sent": auto})
            self._publish_task(action, now, actor, auto=auto)
            return
        if not policy.can_deliver(action.type.value):
            what = "Slack is" if action.type is ActionType.SLACK else "no calendar (Google or Microsoft) is"
            raise RuleBroken("action.execute.no_connection",
                             f"{what} connected, so Stitch cannot deliver this: do it yourself and mark it "
                             "done, or connect the integration", type=action.type.value)
        delivery = self._delivery(action, people)
        action.state, action.delivery_request, action.last_error = ActionState.EXECUTING, new_id(), None
        action.auto_sent = auto
        self.record("action_approved", now, actor, milestone_id=action.milestone_id, action_id=action.id,
                    detail={"auto_sent": auto})
        self.record("delivery_requested", now, actor, milestone_id=action.milestone_id, action_id=action.id,
                    detail={"request_id": action.delivery_request, "channel": CHANNELS[action.type],
                            "auto_sent": auto, "delivery": delivery})

    def _delivery(self, action: Action, people: People) -> dict[str, Any]:
        """What connectors delivers, with recipients resolved now (contacts may have changed since)."""
        fields = action.draft.fields if action.draft else {}
        leftovers = sorted({name for value in fields.values() if isinstance(value, str) for name in unfilled(value)})
        if leftovers:
            raise RuleBroken("action.execute.unfilled_merge_fields",
                             "the draft still holds " + ", ".join("{{%s}}" % n for n in leftovers)
                             + ": edit them out before executing", fields=leftovers)
        if action.type is ActionType.SLACK:
            return {"slack": {"channel": fields.get("channel") or "account_channel", "text": fields.get("message", "")}}
        if action.type is ActionType.SCHEDULE_MEETING:
            attendees = resolve(fields.get("attendees", ["primary_contact", "csm"]), self.contacts, people)
            if not attendees:
                raise RuleBroken("action.execute.no_recipients",
                                 "nobody to invite: add a primary contact or name attendees in the draft")
            return {"meeting": {"title": fields.get("title", action.label), "agenda": fields.get("agenda", ""),
                                "duration_minutes": fields.get("duration_minutes", 30),
                                "location": fields.get("location", ""), "attendees": _people(attendees)}}
        to = resolve(fields.get("to", ["primary_contact"]), self.contacts, people)
        if not to:
            raise RuleBroken("action.execute.no_recipients",
                             "nobody to send this to: add a primary contact or name a recipient in the draft")
        return {"email": {"from_name": people.csm.name if people.csm else "", "notification": False,
                          "reply_to": people.csm.email if people.csm else None, "to": _people(to),
                          "cc": _people(resolve(fields.get("cc", []), self.contacts, people)),
                          "bcc": _people(resolve(fields.get("bcc", []), self.contacts, people)),
                          "subject": fields.get("subject", ""), "body_markdown": fields.get("body", "")}}

    def delivery_succeeded(self, request_id: str, now: datetime, detail: dict[str, Any] | None = None) -> bool:
        action = self._delivering(request_id)
        if action is None:
            return False  # a redelivered or outdated result: already applied, or the plan was reset
        action.state, action.executed_at, action.delivery_request = ActionState.EXECUTED, now, None
        self.record("action_executed", now, None, milestone_id=action.milestone_id, action_id=action.id,
                    detail={**(detail or {}), "channel": CHANNELS[action.type], "auto_sent": action.auto_sent})
        return True

    def delivery_failed(self, request_id: str, code: str, message: str, now: datetime,
                        retryable: bool | None = None) -> bool:
        """``retryable``: whether connectors thinks trying again later may work (None: it did not say)."""
        action = self._delivering(request_id)
        if action is None:
            return False
        action.state, action.delivery_request, action.ready_since = ActionState.READY, None, now
        said = {"retryable": retryable} if retryable is not None else {}
        action.last_error = {"code": code, "message": message, **said, "at": now.isoformat()}
        self.record("delivery_failed", now, None, milestone_id=action.milestone_id, action_id=action.id,
                    detail={"code": code, "message": message, **said})
        return True

    def _still_there(self, action_id: str) -> Action | None:
        """The action, or None when a reapply or a removal took it away (outside facts arrive late)."""
        return next((a for a in self.actions() if a.id == action_id), None)

    def _delivering(self, request_id: str) -> Action | None:
        return next((a for a in self.actions() if a.delivery_request == request_id
                     and a.state is ActionState.EXECUTING), None)

    # -- finishing -------------------------------------------------------------------------------

    def mark_done(self, action_id: str, now: datetime, actor: str | None, policy: OrgPolicy | None = None) -> None:
        """``policy`` given: a ready Slack message or meeting counts as done outside only when the org
        has no connection that could deliver it (with one, Execute sends it)."""
        self._writable()
        action = self.action(action_id)
        done_outside = action.state is ActionState.READY and action.type in CONNECTION_TYPES
        if done_outside and policy is not None and policy.can_deliver(action.type.value):
            raise RuleBroken("action.complete.use_execute",
                             "the org's connection can deliver this: execute it rather than marking it done")
        if action.state is not ActionState.EXECUTED and not done_outside:
            raise RuleBroken("action.complete.not_executed",
                             f"the action is {action.state.value}: only an executed action (or a meeting or "
                             "Slack message done outside Stitch, from ready) can be marked done",
                             state=action.state.value)
        self._complete(action, now, actor, done_outside=done_outside)

    def customer_submitted(self, action_id: str, submission_id: str, now: datetime) -> bool:
        action = self._still_there(action_id)
        if action is None:
            return False  # the plan was reset since the task was published; the portal keeps the answers
        self.record("customer_submitted", now, None, milestone_id=action.milestone_id, action_id=action.id,
                    detail={"submission_id": submission_id})
        if not action.is_portal_task or action.state is not ActionState.EXECUTED:
            return False  # recorded in the history; the task's state is left as it is
        self._complete(action, now, None, done_outside=False)
        return True

    def _complete(self, action: Action, now: datetime, actor: str | None, *, done_outside: bool) -> None:
        action.state, action.completed_at = ActionState.COMPLETED, now
        self.record("action_completed", now, actor, milestone_id=action.milestone_id, action_id=action.id,
                    detail={"done_outside": done_outside})

    def skip(self, action_id: str, now: datetime, actor: str | None, reason: str = "") -> None:
        self._writable()
        action = self.action(action_id)
        withdrawn = action.is_portal_task and action.state is ActionState.EXECUTED  # off the customer's list
        if not withdrawn:
            _require(action, OPEN_STATES, "action.skip.not_open",
                     "only a pending, review_pending or ready action (or a portal task not yet done) can be skipped")
        action.state, action.due_at, action.draft_request = ActionState.SKIPPED, None, None
        self.record("action_skipped", now, actor, milestone_id=action.milestone_id, action_id=action.id,
                    detail={"reason": reason.strip()[:2000], "withdrawn_from_portal": withdrawn})

    # -- per-account changes ---------------------------------------------------------------------

    def reschedule(self, action_id: str, now: datetime, actor: str | None, *, delay_hours: int | None = None,
                   at: datetime | None = None) -> None:
        """A new delay (from the milestone start) or an exact time, for this account only."""
        self._writable()
        if (delay_hours is None) == (at is None):
            raise InvalidInput(("delay_hours", "give either delay_hours or at, not both"))
        action = self.action(action_id)
        _require(action, {ActionState.PENDING}, "action.reschedule.not_pending",
                 "only a pending action can be rescheduled")
        if not action.trigger.on_start:
            raise RuleBroken("action.reschedule.manual", "a manual action has no schedule: start it when it is time")
        milestone = self.milestone(action.milestone_id)
        if delay_hours is not None:
            if not isinstance(delay_hours, int) or isinstance(delay_hours, bool) or not 0 <= delay_hours <= 720:
                raise InvalidInput(("delay_hours", "must be a whole number from 0 to 720"))
            action.trigger = Trigger(action.trigger.type, delay_hours)
            if milestone.started_at is not None:
                action.due_at = milestone.started_at + timedelta(hours=delay_hours)
        else:
            if milestone.started_at is None:
                raise RuleBroken("action.reschedule.milestone_not_started",
                                 "an exact time needs a started milestone: give delay_hours instead")
            if not isinstance(at, datetime) or at.tzinfo is None:
                raise InvalidInput(("at", "must be a date-time with a time zone offset"))
            if at <= now:
                raise InvalidInput(("at", "must be in the future (use execute-now to run it at once)"))
            action.due_at = at
        self.record("action_rescheduled", now, actor, milestone_id=milestone.id, action_id=action.id,
                    detail={"delay_hours": action.trigger.delay_hours,
                            "due_at": action.due_at.isoformat() if action.due_at else None})

    def add_action(self, milestone_id: str, definition: dict[str, Any], action_id: str, now: datetime,
                   actor: str | None, policy: OrgPolicy) -> Action:
        self._writable()
        milestone = self.milestone(milestone_id)
        if milestone.state is MilestoneState.COMPLETED:
            raise RuleBroken("milestone.completed", "the milestone is completed: add the action to an open one")
        action = action_from_definition(definition, milestone.id, len(milestone.actions) + 1, action_id)
        milestone.actions.append(action)
        self.record("action_added", now, actor, milestone_id=milestone.id, action_id=action.id,
                    detail={"label": action.label, "type": action.type.value})
        if milestone.started_at is not None and action.trigger.on_start:
            self._arm(action, milestone, now, actor, policy)
        return action

    def edit_action(self, action_id: str, definition: dict[str, Any], now: datetime, actor: str | None,
                    policy: OrgPolicy) -> None:
        self._writable()
        action = self.action(action_id)
        _require(action, {ActionState.PENDING}, "action.edit.not_pending",
                 "only a pending action's definition can be edited; edit its draft instead")
        milestone = self.milestone(action.milestone_id)
        if milestone.state is MilestoneState.COMPLETED:
            raise RuleBroken("milestone.completed", "the milestone is completed: its actions can no longer be edited")
        edited = action_from_definition(definition, milestone.id, action.position, action.id,
                                        action.template_action_id)
        index = milestone.actions.index(action)
        milestone.actions[index] = edited
        self.record("action_edited", now, actor, milestone_id=milestone.id, action_id=action.id)
        if not edited.trigger.on_start or milestone.started_at is None:
            return  # manual now, or not armed yet: nothing is scheduled
        if edited.trigger == action.trigger and action.due_at is not None:
            edited.due_at = action.due_at  # a wording change keeps the time (a reschedule included)
        else:
            self._arm(edited, milestone, now, actor, policy)

    def remove_action(self, action_id: str, now: datetime, actor: str | None) -> None:
        self._writable()
        action = self.action(action_id)
        if action.state in SENT_STATES:
            raise RuleBroken("action.remove.already_sent",
                             f"the action is {action.state.value}: what reached the customer cannot be unsent; "
                             "skip it instead", state=action.state.value)
        milestone = self.milestone(action.milestone_id)
        milestone.actions.remove(action)
        for position, other in enumerate(milestone.actions, start=1):
            other.position = position
        self.record("action_removed", now, actor, milestone_id=milestone.id, action_id=action.id,
                    detail={"label": action.label})

    if TYPE_CHECKING:  # provided by the aggregate and the milestone rules
        archived: bool
        def _writable(self) -> None: ...
        def action(self, action_id: str) -> Action: ...
        def actions(self) -> list[Action]: ...
        def milestone(self, milestone_id: str) -> Milestone: ...
        def record(self, kind: str, at: datetime, actor: str | None, **kwargs: Any) -> Happened: ...
        def _arm(self, action: Action, milestone: Milestone, now: datetime, actor: str | None,
                 policy: OrgPolicy) -> None: ...


def _require(action: Action, states: set[ActionState] | frozenset[ActionState], rule: str, why: str) -> None:
    if action.state not in states:
        raise RuleBroken(rule, f"the action is {action.state.value}: {why}", state=action.state.value)


def _people(people) -> list[dict[str, str]]:
    return [{"name": p.name, "email": p.email} for p in people]
