"""The account aggregate: a customer being onboarded, its contacts, and the plan it runs through.

Every change goes through a method here, which checks the rules, changes the state and records
what happened (:class:`Happened`). Milestone rules live in :mod:`.milestones`, action rules in
:mod:`.actions`; both are mixed into :class:`Account` so callers see one aggregate.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from stitch.accounts.domain.actions import ActionRules
from stitch.accounts.domain.contacts import EMAIL, Contact, ContactRules
from stitch.accounts.domain.errors import InvalidInput, NotFound, RuleBroken, Violation
from stitch.accounts.domain.happenings import Happened
from stitch.accounts.domain.happenings import new_id as default_new_id
from stitch.accounts.domain.milestones import MilestoneRules
from stitch.accounts.domain.ownership import Collaborator, OwnershipRules
from stitch.accounts.domain.plan import Action, Milestone, RevisionSnapshot, plan_from_revision
from stitch.accounts.domain.states import SENT_STATES, AccountStatus, ActionState, MilestoneState

DETAIL_FIELDS = ("company_name", "arr", "close_date", "industry", "company_size", "website", "notes",
                 "crm_notes", "custom_fields", "crm_source", "external_id", "ae_email")
# Staff-only details: never in an event, a portal answer or a draft request (a contract test checks).
INTERNAL_FIELDS = ("notes", "crm_notes", "arr", "custom_fields", "ae_email")
# Statuses a person may set; completed follows the last milestone, pending_handoff the handoff.
SETTABLE_STATUSES = frozenset({AccountStatus.ACTIVE, AccountStatus.AT_RISK, AccountStatus.CHURNED})


@dataclasses.dataclass
class Account(ContactRules, MilestoneRules, ActionRules, OwnershipRules):
    id: str
    org_id: str
    company_name: str
    created_at: datetime
    arr: Decimal | None = None
    close_date: date | None = None
    industry: str = ""
    company_size: str = ""
    website: str = ""
    notes: str = ""  # internal: never in an event or a portal answer
    crm_notes: str = ""  # raw notes from the CRM or the deal, as given (internal too)
    custom_fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    crm_source: str | None = None
    external_id: str | None = None
    ae_email: str | None = None
    duplicate_of: str | None = None  # set when a person asked for a second account for one deal
    primary_csm_id: str | None = None
    collaborators: list[Collaborator] = dataclasses.field(default_factory=list)
    status: AccountStatus = AccountStatus.ACTIVE
    archived: bool = False
    archived_reason: str = ""
    template_id: str | None = None
    revision_id: str | None = None
    revision_number: int | None = None
    applied_at: datetime | None = None
    contacts: list[Contact] = dataclasses.field(default_factory=list)
    milestones: list[Milestone] = dataclasses.field(default_factory=list)
    updated_at: datetime | None = None
    version: int = 0
    changes: list[Happened] = dataclasses.field(default_factory=list)  # recorded since loading

    # -- creating and describing ---------------------------------------------------------------

    @classmethod
    def create(cls, *, account_id: str, org_id: str, details: dict[str, Any], now: datetime, actor: str | None,
               status: AccountStatus = AccountStatus.ACTIVE, duplicate_of: str | None = None) -> Account:
        _check_details(details, creating=True)
        account = cls(id=account_id, org_id=org_id, company_name=details["company_name"], created_at=now,
                      status=status, duplicate_of=duplicate_of, updated_at=now)
        for key in DETAIL_FIELDS:
            if key in details:
                setattr(account, key, details[key])
        account.record("account_created", now, actor, detail={"status": status.value,
                                                              "duplicate_of": duplicate_of})
        return account

    def change_details(self, changes: dict[str, Any], now: datetime, actor: str | None) -> list[str]:
        self._writable()
        _check_details({"crm_source": self.crm_source, "external_id": self.external_id, **changes}, creating=False)
        changed = [key for key in DETAIL_FIELDS if key in changes and getattr(self, key) != changes[key]]
        for key in changed:
            setattr(self, key, changes[key])
        if changed:
            self.record("details_changed", now, actor, detail={"fields": changed})
        return changed

    def set_status(self, status: AccountStatus | str, now: datetime, actor: str | None) -> None:
        self._writable()
        if status not in AccountStatus.__members__.values():
            raise InvalidInput(("status", f"must be one of {', '.join(s.value for s in AccountStatus)}"))
        status = AccountStatus(status)
        if status not in SETTABLE_STATUSES:
            raise RuleBroken("account.status.not_settable",
                             f"status {status.value} is set by the onboarding itself, not by hand",
                             settable=sorted(s.value for s in SETTABLE_STATUSES))
        self._change_status(status, now, actor)

    def _change_status(self, status: AccountStatus, now: datetime, actor: str | None) -> None:
        if status is not self.status:
            previous, self.status = self.status, status
            self.record("status_changed", now, actor, detail={"from": previous.value, "to": status.value})

    def archive(self, reason: str, now: datetime, actor: str | None) -> None:
        if self.archived:
            raise RuleBroken("account.archive.already_archived", "the account is already archived")
        self.archived, self.archived_reason = True, reason.strip()
        self.record("archived", now, actor, detail={"reason": self.archived_reason})

    def unarchive(self, reason: str, now: datetime, actor: str | None) -> None:
        if not self.archived:
            raise RuleBroken("account.unarchive.not_archived", "the account is not archived")
        self.archived, self.archived_reason = False, ""
        self.record("unarchived", now, actor, detail={"reason": reason.strip()})

    def viewed_as_customer(self, now: datetime, actor: str | None) -> None:
        """A staff member previewed the portal as this customer (kept in the history)."""
        self.record("viewed_as_customer", now, actor)

    # -- the plan ------------------------------------------------------------------------------

    def apply_template(self, revision: RevisionSnapshot, now: datetime, actor: str | None, *,
                       confirm_reset: bool = False, new_id=None) -> bool:
        """Copy ``revision`` into this account. Reapplying resets every milestone and action, so it
        needs an explicit confirmation; what was already sent stays in the history."""
        self._writable()
        reapplied = bool(self.milestones) or self.revision_id is not None
        if reapplied and not confirm_reset:
            raise RuleBroken("account.reapply.needs_confirmation",
                             f"this account already runs revision {self.revision_number} of its template; "
                             "applying a template again resets every milestone and action "
                             "(send confirm_reset: true to go ahead)", revision=self.revision_number)
        if not revision.milestones:
            raise InvalidInput(("revision_id", "the revision has no milestones"))
        sent = sum(1 for action in self.actions() if action.state in SENT_STATES)
        if self.status is AccountStatus.COMPLETED:  # a fresh plan is not finished
            self._change_status(AccountStatus.ACTIVE, now, actor)
        self.milestones = plan_from_revision(revision, now, new_id or default_new_id)
        self.template_id, self.revision_id = revision.template_id, revision.revision_id
        self.revision_number, self.applied_at = revision.revision, now
        self.record("template_applied", now, actor, detail={
            "template_id": revision.template_id, "revision_id": revision.revision_id,
            "revision": revision.revision, "template_name": revision.name, "reapplied": reapplied,
            "sent_before_reset": sent})
        return reapplied

    # -- lookups and bookkeeping ---------------------------------------------------------------

    def milestone(self, milestone_id: str) -> Milestone:
        for milestone in self.milestones:
            if milestone.id == milestone_id:
                return milestone
        raise NotFound(f"no milestone {milestone_id} on this account")

    def action(self, action_id: str) -> Action:
        for action in self.actions():
            if action.id == action_id:
                return action
        raise NotFound(f"no action {action_id} on this account")

    def actions(self) -> list[Action]:
        return [action for milestone in self.milestones for action in milestone.actions]

    def current_milestone(self) -> Milestone | None:
        """The phase the account is in: the first one under way (or blocked), else the next to start."""
        for wanted in ({MilestoneState.IN_PROGRESS, MilestoneState.BLOCKED}, {MilestoneState.PENDING}):
            for milestone in self.milestones:
                if milestone.state in wanted:
                    return milestone
        return None

    def next_action_at(self) -> datetime | None:
        """When the account next needs its CSM: the earliest scheduled action's time, or since when an
        action has waited (a draft being written since its action fired; a ready one since it came
        to wait, as the review queue orders it)."""
        times = [action.due_at for action in self.actions() if action.state is ActionState.PENDING and action.due_at]
        times += [action.fired_at or action.due_at for action in self.actions()
                  if action.state is ActionState.REVIEW_PENDING]
        times += [action.ready_since or action.fired_at for action in self.actions() if action.state is ActionState.READY]
        times = [time for time in times if time is not None]
        return min(times) if times else None

    def record(self, kind: str, at: datetime, actor: str | None, *, milestone_id: str | None = None,
               action_id: str | None = None, detail: dict[str, Any] | None = None) -> Happened:
        happened = Happened(kind, at, actor, milestone_id, action_id, detail or {})
        self.changes.append(happened)
        self.updated_at = at
        return happened

    def _writable(self) -> None:
        if self.archived:
            raise RuleBroken("account.archived", "the account is archived and read-only; unarchive it first")

    def _after_milestone_completed(self, now: datetime, actor: str | None) -> None:
        if self.milestones and all(m.state is MilestoneState.COMPLETED for m in self.milestones):
            self._change_status(AccountStatus.COMPLETED, now, actor)


# The longest text each detail may hold (the HTTP schema holds clients to the same limits).
TEXT_LIMITS = {"company_name": 200, "industry": 200, "company_size": 100, "website": 2000, "notes": 20_000,
               "crm_notes": 50_000, "crm_source": 64, "external_id": 200, "ae_email": 320}
NULLABLE = frozenset({"crm_source", "external_id", "ae_email"})
ARR_MAX = Decimal("1e12")


def _check_details(details: dict[str, Any], *, creating: bool) -> None:
    """Every detail checked here too, so a command from another service (not only the HTTP schema)
    gets InvalidInput naming the field rather than a database error."""
    problems: list[Violation] = []
    if creating or "company_name" in details:
        name = details.get("company_name")
        if not isinstance(name, str) or not name.strip():
            problems.append(Violation("company_name", "is required"))
    for key, limit in TEXT_LIMITS.items():
        value = details.get(key)
        named = key == "company_name" and not (isinstance(value, str) and value.strip())  # reported above
        if key not in details or (value is None and key in NULLABLE) or named:
            continue
        if not isinstance(value, str):
            problems.append(Violation(key, "must be a string"))
        elif len(value) > limit:
            problems.append(Violation(key, f"must be at most {limit} characters"))
        elif key == "ae_email" and not EMAIL.match(value):
            problems.append(Violation(key, "must be an email address"))
    arr = details.get("arr")
    if arr is not None and (not isinstance(arr, (int, Decimal)) or isinstance(arr, bool)
                            or not Decimal(arr).is_finite() or arr < 0):
        problems.append(Violation("arr", "must be a number of at least 0"))
    elif arr is not None and arr > ARR_MAX:
        problems.append(Violation("arr", "must be at most 10^12"))
    close_date = details.get("close_date")
    if close_date is not None and (not isinstance(close_date, date) or isinstance(close_date, datetime)):
        problems.append(Violation("close_date", "must be a date"))
    custom = details.get("custom_fields", {})
    if not isinstance(custom, dict) or not all(isinstance(k, str) and 0 < len(k) <= 100 for k in custom):
        problems.append(Violation("custom_fields", "must be an object with names of 1 to 100 characters"))
    if (details.get("crm_source") is None) != (details.get("external_id") is None):
        problems.append(Violation("external_id", "crm_source and external_id go together"))
    if problems:
        raise InvalidInput(problems)
