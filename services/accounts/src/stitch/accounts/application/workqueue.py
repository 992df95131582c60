"""Work across accounts: the review queue, batch commands on actions, and the scheduled actions.

Lists are read straight from SQL, one query per page, without loading any aggregate (WorkQueries).
Every command still runs through the single-account command of plan.py, one account and one
transaction per item: ownership, rules, history and events are exactly those of the single
command, and one refused item never undoes or blocks another.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from stitch.accounts.application import plan
from stitch.accounts.application.common import Caller, Deps, Turn, call, on_account, read_account
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.errors import InvalidInput, NotAllowed, NotFound, RuleBroken
from stitch.accounts.domain.ownership import Access
from stitch.accounts.domain.states import ActionState, MilestoneState

EXCERPT_LENGTH = 280
CANCEL_REASON = "Cancelled from the scheduled actions list"


# -- what the queries answer ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class DraftPreview:
    number: int
    headline: str  # the email's subject or the meeting's title ("" for a Slack message)
    excerpt: str  # the start of the body, message or agenda, as plain text
    warnings: tuple[str, ...]
    edited: bool


@dataclasses.dataclass(frozen=True)
class ReviewItem:
    account_id: str
    company_name: str
    account_version: int  # what If-Match names for a command on the account
    primary_csm_id: str | None
    milestone_id: str
    milestone_name: str
    milestone_state: str
    milestone_target_date: datetime | None
    action_id: str
    label: str
    type: str
    ready_since: datetime
    draft: DraftPreview | None  # None: a portal task held for review
    last_error: dict[str, Any] | None  # e.g. the delivery that failed and put it back in ready
    overdue: bool = False  # its milestone is past its target date (set by the use case, by the clock)


@dataclasses.dataclass(frozen=True)
class ScheduledItem:
    account_id: str
    company_name: str
    account_version: int
    primary_csm_id: str | None
    milestone_id: str
    milestone_name: str
    action_id: str
    label: str
    type: str
    due_at: datetime
    delay_hours: int  # the trigger's delay after the milestone's start


@dataclasses.dataclass(frozen=True)
class QueueScope:
    org_id: str
    user_id: str | None  # whose accounts (owned or collaborating); None: every account of the org
    action_type: str | None = None
    account_id: str | None = None


class WorkQueries(Protocol):
    """Read-side queries across the org's non-archived accounts (adapters/work_queries.py)."""

    def review_queue(self, scope: QueueScope, limit: int, after: tuple[datetime, str] | None) -> list[ReviewItem]:
        """Ready actions, oldest ready first (ready_since, then action id); ``after`` is the last
        item's (ready_since, action_id) of the previous page."""
    def count_review_queue(self, scope: QueueScope) -> int: ...
    def scheduled(self, org_id: str, *, due_after: datetime | None, due_before: datetime | None,
                  account_id: str | None, limit: int, after: tuple[datetime, str] | None) -> list[ScheduledItem]:
        """Pending actions with a time, soonest first (due_at, then action id)."""
    def account_of_action(self, org_id: str, action_id: str) -> str | None: ...


def preview_of(draft: dict[str, Any] | None) -> DraftPreview | None:
    """A stored draft (its row) as the queue shows it: a headline and a short plain excerpt."""
    if draft is None:
        return None
    fields = draft.get("fields") or {}
    headline = fields.get("subject") or fields.get("title") or ""
    text = fields.get("body") or fields.get("message") or fields.get("agenda") or ""
    return DraftPreview(number=draft["number"], headline=headline if isinstance(headline, str) else "",
                        excerpt=plain_excerpt(text if isinstance(text, str) else ""),
                        warnings=tuple(draft.get("warnings") or ()), edited=bool(draft.get("edited")))


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # [text](url) and images: keep the text
_LINE_MARK = re.compile(r"^\s*(?:#{1,6}|>|[-*+]|\d+\.)\s+", re.MULTILINE)  # headings, quotes, list items
_EMPHASIS = re.compile(r"\*+|`+|~~|(?<!\w)_+|_+(?!\w)")  # not the _ inside first_last@example.com


def plain_excerpt(markdown: str, limit: int = EXCERPT_LENGTH) -> str:
    """The start of a Markdown text as one line of plain text, cut at a word with an ellipsis."""
    text = " ".join(_EMPHASIS.sub("", _LINE_MARK.sub("", _LINK.sub(r"\1", markdown))).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,.;:") + "…"


# -- the review queue -------------------------------------------------------------------------

def review_queue(deps: Deps, org_id: str, caller: Caller, *, everyone: bool = False, action_type: str | None = None,
                 account_id: str | None = None, limit: int = 50,
                 after: tuple[datetime, str] | None = None) -> list[ReviewItem]:
    """The caller's ready actions (``everyone``: the org's, for those who oversee every account)."""
    scope = _scope(org_id, caller, everyone, action_type, account_id)
    with deps.uow() as uow:
        uow.set_org(org_id)
        items = uow.work.review_queue(scope, limit, after)
    now = deps.clock()
    return [dataclasses.replace(item, overdue=_overdue(item, now)) for item in items]


def review_queue_count(deps: Deps, org_id: str, caller: Caller, *, everyone: bool = False,
                       action_type: str | None = None, account_id: str | None = None) -> int:
    scope = _scope(org_id, caller, everyone, action_type, account_id)
    with deps.uow() as uow:
        uow.set_org(org_id)
        return uow.work.count_review_queue(scope)


def _scope(org_id: str, caller: Caller, everyone: bool, action_type: str | None,
           account_id: str | None) -> QueueScope:
    if everyone and not caller.sees_all:
        raise NotAllowed("review_queue.all_needs_manage_accounts",
                         "only those who oversee every account (admins) see everyone's review queue; "
                         "ask for scope=mine")
    return QueueScope(org_id, None if everyone else caller.user_id, action_type, account_id)


def _overdue(item: ReviewItem, now: datetime) -> bool:
    return (item.milestone_state != MilestoneState.COMPLETED.value and item.milestone_target_date is not None
            and item.milestone_target_date < now)


# -- batch commands ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class BatchItem:
    account_id: str
    action_id: str


@dataclasses.dataclass(frozen=True)
class ItemResult:
    account_id: str
    action_id: str
    outcome: str  # done | refused | not_found | forbidden
    state: str | None  # the action's state after the item ran (None: no such action)
    rule: str | None = None
    message: str | None = None


@dataclasses.dataclass(frozen=True)
class BatchResult:
    results: list[ItemResult]

    def count(self, outcome: str) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)


def batch_execute(deps: Deps, org_id: str, caller: Caller, items: list[BatchItem]) -> BatchResult:
    return _batch(deps, org_id, caller, items, plan.execute_action)


def batch_skip(deps: Deps, org_id: str, caller: Caller, items: list[BatchItem], reason: str = "") -> BatchResult:
    return _batch(deps, org_id, caller, items, plan.skip_action, reason=reason)


def batch_reschedule(deps: Deps, org_id: str, caller: Caller, items: list[BatchItem], *,
                     delay_hours: int | None = None, at: datetime | None = None) -> BatchResult:
    return _batch(deps, org_id, caller, items, plan.reschedule_action, delay_hours=delay_hours, at=at)


def _batch(deps: Deps, org_id: str, caller: Caller, items: list[BatchItem], command: Callable[..., Account],
           **arguments: Any) -> BatchResult:
    """Each item is the single command, in its own transaction, in the order given: two items of
    one account run one after the other, the second on what the first left."""
    return BatchResult([_run_item(deps, org_id, caller, item, command, arguments) for item in items])


def _run_item(deps: Deps, org_id: str, caller: Caller, item: BatchItem, command: Callable[..., Account],
              arguments: dict[str, Any]) -> ItemResult:
    def failed(outcome: str, rule: str | None, message: str) -> ItemResult:
        return ItemResult(item.account_id, item.action_id, outcome, _state_now(deps, org_id, item), rule, message)

    try:
        account = command(deps, org_id, item.account_id, caller, item.action_id, **arguments)
    except RuleBroken as refused:
        return failed("refused", refused.rule, refused.message)
    except InvalidInput as invalid:
        return failed("refused", "input.invalid", str(invalid))
    except NotAllowed as forbidden:
        return failed("forbidden", forbidden.rule, forbidden.message)
    except NotFound as missing:
        return failed("not_found", None, str(missing))
    return ItemResult(item.account_id, item.action_id, "done", account.action(item.action_id).state.value)


def _state_now(deps: Deps, org_id: str, item: BatchItem) -> str | None:
    """The action's state as it stands after a refusal (anyone of the org may read an account)."""
    try:
        return read_account(deps, org_id, item.account_id).action(item.action_id).state.value
    except NotFound:
        return None


# -- scheduled actions ------------------------------------------------------------------------

def scheduled_actions(deps: Deps, org_id: str, *, due_after: datetime | None = None,
                      due_before: datetime | None = None, account_id: str | None = None, limit: int = 50,
                      after: tuple[datetime, str] | None = None) -> list[ScheduledItem]:
    with deps.uow() as uow:
        uow.set_org(org_id)
        return uow.work.scheduled(org_id, due_after=due_after, due_before=due_before, account_id=account_id,
                                  limit=limit, after=after)


def trigger_scheduled_action(deps: Deps, org_id: str, caller: Caller, action_id: str, *,
                             expected_version: int | None = None) -> Account:
    """Fire a scheduled action now, as "execute now" on the account does (a message gets its draft)."""
    return _on_scheduled(deps, org_id, caller, action_id, plan.with_policy("start_action", action_id),
                         expected_version)


def cancel_scheduled_action(deps: Deps, org_id: str, caller: Caller, action_id: str, reason: str = "", *,
                            expected_version: int | None = None) -> Account:
    """Skip a scheduled action before its time, with the reason in its history."""
    change = call("skip", action_id, reason=reason.strip() or CANCEL_REASON)
    return _on_scheduled(deps, org_id, caller, action_id, change, expected_version)


def _on_scheduled(deps: Deps, org_id: str, caller: Caller, action_id: str, change: Callable[[Account, Turn], Any],
                  expected_version: int | None) -> Account:
    with deps.uow() as uow:
        uow.set_org(org_id)
        account_id = uow.work.account_of_action(org_id, action_id)
    if account_id is None:
        raise NotFound(f"no action {action_id} in this organization")

    def when_still_scheduled(account: Account, turn: Turn) -> Any:
        # Checked under the account's lock: the scheduler may have fired it since the list was read.
        action = account.action(action_id)
        if action.state is not ActionState.PENDING or action.due_at is None:
            why = ("it has no time (a manual action, or its milestone has not started)"
                   if action.state is ActionState.PENDING else "it is no longer scheduled")
            raise RuleBroken("action.not_scheduled", f"the action is {action.state.value}: {why}; only a scheduled "
                             "action can be triggered or cancelled here", state=action.state.value)
        return change(account, turn)

    return on_account(deps, org_id, account_id, caller, when_still_scheduled, expected_version=expected_version,
                      needs=Access.COLLABORATE)[1]


def use_cases(deps: Deps) -> dict[str, Callable[..., Any]]:
    return {name: functools.partial(function, deps) for name, function in {
        "review_queue": review_queue, "review_queue_count": review_queue_count,
        "batch_execute": batch_execute, "batch_skip": batch_skip, "batch_reschedule": batch_reschedule,
        "scheduled_actions": scheduled_actions, "trigger_scheduled_action": trigger_scheduled_action,
        "cancel_scheduled_action": cancel_scheduled_action}.items()}
