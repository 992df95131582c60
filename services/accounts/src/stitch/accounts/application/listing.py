"""The accounts list: filters, sorts, keyset pages and the counts per status for the filter bar.

Read straight from the accounts table (its list columns are kept current on every save) and a
few small per-page queries, never by loading aggregates: an organization may hold 100,000
accounts. A page is found by its position in the sort: (sort value, id), where accounts without
a value (no ARR, no next action…) always come last, in either direction, ordered by id.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stitch.accounts.application.common import Deps
from stitch.accounts.domain.errors import InvalidInput
from stitch.accounts.domain.states import AccountStatus

NEXT_ACTION_WINDOWS = ("overdue", "today", "this_week", "none")
ARCHIVED_CHOICES = ("false", "true", "all")
NO_CSM = "none"  # csm_id=none: accounts nobody owns


@dataclasses.dataclass(frozen=True)
class SortKey:
    kind: type  # what a cursor's value is read back as
    nullable: bool  # some accounts have no value: they come after all the others


# What a list sorts by; text keys sort case-insensitively (the adapter sorts on lower(...)).
SORT_KEYS = {
    "company_name": SortKey(str, False), "arr": SortKey(Decimal, True), "close_date": SortKey(date, True),
    "created_at": SortKey(datetime, False), "updated_at": SortKey(datetime, True),
    "next_action_at": SortKey(datetime, True), "status": SortKey(str, False), "milestone": SortKey(str, True),
    "csm": SortKey(str, True),
}


@dataclasses.dataclass(frozen=True)
class AccountFilters:
    """What the caller asked for; every filter optional, all of them combined with AND."""

    statuses: frozenset[str] = frozenset()  # empty: any status
    milestone: str | None = None  # the current milestone's name, case-insensitive
    next_action: str | None = None  # one of NEXT_ACTION_WINDOWS
    tz: str = "UTC"  # where "today" is (an IANA name)
    arr_min: Decimal | None = None
    arr_max: Decimal | None = None
    csm_id: str | None = None  # the primary CSM; NO_CSM for unowned accounts
    mine: bool = False  # the caller owns it or collaborates on it
    template_id: str | None = None
    archived: str = "false"  # archived accounts are hidden unless asked for (seed FAQ)
    text: str = ""  # in the company name and the contacts' names and emails


@dataclasses.dataclass(frozen=True)
class Criteria:
    """The filters resolved against the caller and the clock: what the SQL compares."""

    org_id: str
    statuses: tuple[str, ...] | None = None
    archived: bool | None = None
    milestone: str | None = None
    no_next_action: bool = False
    next_action_from: datetime | None = None  # inclusive
    next_action_before: datetime | None = None  # exclusive
    arr_min: Decimal | None = None
    arr_max: Decimal | None = None
    csm_id: str | None = None
    unowned: bool = False
    member_id: str | None = None  # owner or collaborator
    template_id: str | None = None
    text: str = ""  # case-folded


@dataclasses.dataclass(frozen=True)
class ListOrder:
    key: str  # one of SORT_KEYS
    descending: bool = False


@dataclasses.dataclass(frozen=True)
class ListPosition:
    """Where a page ends: the last account's sort value (None: among those without one) and id."""

    value: Any
    id: str


@dataclasses.dataclass(frozen=True)
class MilestoneRef:
    id: str
    name: str


@dataclasses.dataclass(frozen=True)
class ContactRef:
    name: str
    email: str


@dataclasses.dataclass(frozen=True)
class ListedAccount:
    id: str
    company_name: str
    status: str
    archived: bool
    arr: Decimal | None
    close_date: date | None
    primary_csm_id: str | None
    collaborator_ids: tuple[str, ...]
    current_milestone: MilestoneRef | None
    next_action_at: datetime | None
    template_id: str | None
    revision_number: int | None
    created_at: datetime
    updated_at: datetime | None
    contacts_count: int
    primary_contact: ContactRef | None
    open_drafts: int  # actions whose draft waits in ready
    position: ListPosition  # its place in the order the page was read in


@dataclasses.dataclass(frozen=True)
class StatusCounts:
    by_status: dict[str, int]  # every status, zeros included
    total: int
    archived: int  # archived accounts the other filters match (whether or not they are shown)


class AccountListing(Protocol):
    def page(self, criteria: Criteria, order: ListOrder, limit: int,
             after: ListPosition | None) -> list[ListedAccount]:
        """Up to ``limit`` accounts after ``after`` in ``order`` (ties by id, valueless ones last)."""
    def count(self, criteria: Criteria) -> dict[tuple[str, bool], int]:
        """How many accounts match, by (status, archived)."""


# -- use cases ------------------------------------------------------------------------------

def list_accounts(deps: Deps, org_id: str, user_id: str | None, filters: AccountFilters, order: ListOrder,
                  limit: int, after: ListPosition | None = None) -> list[ListedAccount]:
    """A page of the organization's accounts; ``user_id`` is who "mine" means."""
    if order.key not in SORT_KEYS:
        raise InvalidInput(("sort", f"must be one of {', '.join(SORT_KEYS)}"))
    criteria = criteria_for(org_id, user_id, filters, deps.clock())
    with deps.uow() as uow:
        uow.set_org(org_id)
        return uow.listing.page(criteria, order, limit, after)


def count_accounts(deps: Deps, org_id: str, user_id: str | None, filters: AccountFilters) -> StatusCounts:
    """Per status, with every filter but the status one (the filter bar shows what each would give)."""
    criteria = dataclasses.replace(criteria_for(org_id, user_id, filters, deps.clock()), statuses=None,
                                   archived=None)
    with deps.uow() as uow:
        uow.set_org(org_id)
        counted = uow.listing.count(criteria)
    shown = _archived_flag(filters.archived)
    by_status = {status.value: 0 for status in AccountStatus}
    for (status, archived), number in counted.items():
        if shown is None or archived is shown:
            by_status[status] = by_status.get(status, 0) + number
    archived_total = sum(number for (_, archived), number in counted.items() if archived)
    return StatusCounts(by_status=by_status, total=sum(by_status.values()), archived=archived_total)


def criteria_for(org_id: str, user_id: str | None, filters: AccountFilters, now: datetime) -> Criteria:
    after, before = next_action_window(filters.next_action, now, time_zone(filters.tz))
    unowned = filters.csm_id == NO_CSM
    return Criteria(
        org_id=org_id, statuses=tuple(sorted(filters.statuses)) or None, archived=_archived_flag(filters.archived),
        milestone=filters.milestone, no_next_action=filters.next_action == "none", next_action_from=after,
        next_action_before=before, arr_min=filters.arr_min, arr_max=filters.arr_max,
        csm_id=None if unowned else filters.csm_id, unowned=unowned,
        # an API key has no accounts of its own: "mine" then matches none (an impossible id)
        member_id=(user_id or "") if filters.mine else None, template_id=filters.template_id,
        text=filters.text.strip().casefold())


def next_action_window(window: str | None, now: datetime,
                       zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """[from, before) in UTC: overdue is before today began, this week ends on Sunday at 24:00."""
    if window in (None, "none"):
        return None, None
    if window not in NEXT_ACTION_WINDOWS:
        raise InvalidInput(("next_action", f"must be one of {', '.join(NEXT_ACTION_WINDOWS)}"))
    today = now.astimezone(zone).date()

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), zone).astimezone(UTC)

    start = midnight(today)
    if window == "overdue":
        return None, start
    if window == "today":
        return start, midnight(today + timedelta(days=1))
    return start, midnight(today + timedelta(days=7 - today.weekday()))


def _archived_flag(archived: str) -> bool | None:
    if archived not in ARCHIVED_CHOICES:
        raise InvalidInput(("archived", f"must be one of {', '.join(ARCHIVED_CHOICES)}"))
    return {"false": False, "true": True, "all": None}[archived]


@functools.lru_cache(maxsize=64)
def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(("tz", "must be an IANA time zone such as Europe/Paris or America/New_York")) from None


# -- positions as cursors carry them -----------------------------------------------------------

def position_parts(order: ListOrder, position: ListPosition) -> tuple[str, ...]:
    """The position as text, with the order it belongs to (a cursor is refused in another order)."""
    value = position.value
    text = "" if value is None else value.isoformat() if isinstance(value, date) else str(value)
    return (order.key, "desc" if order.descending else "asc", "null" if value is None else "value", text,
            position.id)


def position_from_parts(order: ListOrder, parts: tuple[str, ...]) -> ListPosition:
    """The inverse of :func:`position_parts`; ValueError for parts of another order or none of ours."""
    if len(parts) != 5 or parts[:2] != (order.key, "desc" if order.descending else "asc"):
        raise ValueError("a cursor of another sort or order")
    _, _, null, text, account_id = parts
    key = SORT_KEYS[order.key]
    if not account_id or null not in ("null", "value") or (null == "null" and (text or not key.nullable)):
        raise ValueError("not a cursor of this list")
    return ListPosition(None if null == "null" else _PARSERS[key.kind](text), account_id)


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("positions carry UTC offsets")
    return value


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not value.is_finite():
        raise ValueError("not a number")
    return value


_PARSERS: dict[type, Callable[[str], Any]] = {str: str, Decimal: _decimal, date: date.fromisoformat,
                                             datetime: _aware}


def use_cases(deps: Deps) -> dict[str, Callable[..., Any]]:
    return {"list_accounts": functools.partial(list_accounts, deps),
            "count_accounts": functools.partial(count_accounts, deps)}
