"""Milestone rules: start, complete, block and unblock (thread-docs-digest §2.2, §3.1).

Starting a milestone fires its ``milestone_start`` actions: at once when the delay is 0, else at
start + delay. Completing needs every blocker action done; then the next pending milestone starts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from stitch.accounts.domain.errors import InvalidInput, RuleBroken
from stitch.accounts.domain.states import DONE_STATES, ActionState, MilestoneState

if TYPE_CHECKING:
    from stitch.accounts.domain.happenings import Happened, OrgPolicy
    from stitch.accounts.domain.plan import Action, Milestone

BLOCK_NOTE_MAX = 1000


class MilestoneRules:
    """Mixed into the account aggregate."""

    milestones: list[Milestone]

    def start_milestone(self, milestone_id: str, now: datetime, actor: str | None, policy: OrgPolicy) -> None:
        self._writable()
        milestone = self.milestone(milestone_id)
        if milestone.state is not MilestoneState.PENDING:
            raise RuleBroken("milestone.start.not_pending",
                             f"the milestone is {milestone.state.value}; only a pending milestone can start",
                             state=milestone.state.value)
        self._start(milestone, now, actor, policy)

    def complete_milestone(self, milestone_id: str, now: datetime, actor: str | None, policy: OrgPolicy) -> None:
        self._writable()
        milestone = self.milestone(milestone_id)
        if milestone.state is not MilestoneState.IN_PROGRESS:
            hint = "unblock it first" if milestone.state is MilestoneState.BLOCKED else "start it first" \
                if milestone.state is MilestoneState.PENDING else "it is already completed"
            raise RuleBroken("milestone.complete.not_in_progress",
                             f"the milestone is {milestone.state.value}: {hint}", state=milestone.state.value)
        open_blockers = [a for a in milestone.actions if a.blocker and a.state not in DONE_STATES]
        if open_blockers:
            names = ", ".join(f"“{a.label}” ({a.state.value})" for a in open_blockers)
            raise RuleBroken("milestone.complete.open_blockers",
                             f"blocker actions are not completed: {names}",
                             blockers=[{"action_id": a.id, "label": a.label, "state": a.state.value}
                                       for a in open_blockers])
        milestone.state, milestone.completed_at = MilestoneState.COMPLETED, now
        self.record("milestone_completed", now, actor, milestone_id=milestone.id)
        following = next((m for m in self.milestones if m.sequence > milestone.sequence), None)
        if following is not None and following.state is MilestoneState.PENDING:
            self._start(following, now, actor, policy)
        self._after_milestone_completed(now, actor)

    def block_milestone(self, milestone_id: str, note: Any, now: datetime, actor: str | None) -> None:
        self._writable()
        if not isinstance(note, str) or not note.strip():
            raise InvalidInput(("note", "is required: say what the milestone waits on (the customer sees it)"))
        if len(note) > BLOCK_NOTE_MAX:
            raise InvalidInput(("note", f"must be at most {BLOCK_NOTE_MAX} characters"))
        milestone = self.milestone(milestone_id)
        if milestone.state in (MilestoneState.BLOCKED, MilestoneState.COMPLETED):
            raise RuleBroken("milestone.block.not_open", f"the milestone is {milestone.state.value}",
                             state=milestone.state.value)
        milestone.blocked_from, milestone.state = milestone.state, MilestoneState.BLOCKED
        milestone.block_note = note.strip()
        self.record("milestone_blocked", now, actor, milestone_id=milestone.id, detail={"note": milestone.block_note})

    def unblock_milestone(self, milestone_id: str, now: datetime, actor: str | None,
                          policy: OrgPolicy | None = None) -> None:
        """Back to the state it was blocked from. Given ``policy``, a milestone blocked while pending
        whose predecessors all completed meanwhile starts now: completing the one before it would
        have started it, had it not been blocked."""
        self._writable()
        milestone = self.milestone(milestone_id)
        if milestone.state is not MilestoneState.BLOCKED:
            raise RuleBroken("milestone.unblock.not_blocked", f"the milestone is {milestone.state.value}",
                             state=milestone.state.value)
        milestone.state = milestone.blocked_from or MilestoneState.IN_PROGRESS
        milestone.blocked_from, milestone.block_note = None, None
        self.record("milestone_unblocked", now, actor, milestone_id=milestone.id,
                    detail={"state": milestone.state.value})
        earlier = [m for m in self.milestones if m.sequence < milestone.sequence]
        if (policy is not None and milestone.state is MilestoneState.PENDING and earlier
                and all(m.state is MilestoneState.COMPLETED for m in earlier)):
            self._start(milestone, now, actor, policy)

    def _start(self, milestone: Milestone, now: datetime, actor: str | None, policy: OrgPolicy) -> None:
        milestone.state, milestone.started_at = MilestoneState.IN_PROGRESS, now
        milestone.target_date = now + timedelta(days=milestone.duration_days)
        self._replan_after(milestone)
        self.record("milestone_started", now, actor, milestone_id=milestone.id)
        for action in milestone.actions:
            if action.trigger.on_start and action.state is ActionState.PENDING:
                self._arm(action, milestone, now, actor, policy)

    def _replan_after(self, milestone: Milestone) -> None:
        """The milestones still ahead move with a late (or early) start: planned back to back again."""
        start = milestone.target_date
        for following in sorted(self.milestones, key=lambda m: m.sequence):
            if following.sequence <= milestone.sequence:
                continue
            if following.started_at is not None or following.state is MilestoneState.COMPLETED:
                break  # already running on its own dates
            following.planned_start = start
            following.target_date = start = start + timedelta(days=following.duration_days)

    def _arm(self, action: Action, milestone: Milestone, now: datetime, actor: str | None,
             policy: OrgPolicy) -> None:
        """Fire a start-triggered action now, or schedule it for start + delay."""
        if action.trigger.delay_hours == 0:
            self._fire(action, now, actor, policy)
            return
        action.due_at = milestone.started_at + timedelta(hours=action.trigger.delay_hours)
        self.record("action_scheduled", now, actor, milestone_id=milestone.id, action_id=action.id,
                    detail={"due_at": action.due_at.isoformat()})

    if TYPE_CHECKING:  # provided by the aggregate and the action rules
        def _writable(self) -> None: ...
        def milestone(self, milestone_id: str) -> Milestone: ...
        def record(self, kind: str, at: datetime, actor: str | None, **kwargs: Any) -> Happened: ...
        def _after_milestone_completed(self, now: datetime, actor: str | None) -> None: ...
        def _fire(self, action: Action, now: datetime, actor: str | None, policy: OrgPolicy) -> None: ...
