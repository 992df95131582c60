"""The accounts list and its counts on SQLite and on PostgreSQL under RLS, against ~60 accounts made
through the real use cases (so the list columns are what saving an aggregate writes).

The expected answers are computed here from the aggregates themselves (read back whole), with
each filter and sort written out in Python: every filter, every sort both ways with valueless
accounts last, cursor walks of 7 that give exactly the unpaged order, the other organization's
accounts never in an answer, and the counts per status.
"""

from __future__ import annotations

import dataclasses
import random
import types
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from stitch.accounts import config
from stitch.accounts.adapters.tables import metadata
from stitch.accounts.adapters.unit_of_work import AccountsUnitOfWork
from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.application.listing import (
    SORT_KEYS,
    AccountFilters,
    ListOrder,
    position_from_parts,
    position_parts,
)
from stitch.accounts.application.ports import StaffUser
from stitch.accounts.bootstrap import bootstrap
from stitch.accounts.domain.plan import RevisionSnapshot
from stitch.accounts.domain.states import AccountStatus, ActionState
from stitch.common.db.engine import make_engine
from stitch.common.db.migrate import upgrade
from stitch.common.db.uow import make_session_factory

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 20, 30, tzinfo=UTC)  # a Wednesday; already Thursday 09:30 in Auckland
PAST = NOW - timedelta(days=30)
STAFF = ("csm-a", "csm-b", "csm-c", "admin-z")  # the same ids in both organizations
# Hours from NOW when a "Light" account's one email is due: around today's and this week's edges in
# UTC and in Auckland (UTC+13): -19h is today in UTC but overdue there, +14h tomorrow in UTC but
# today there, +90h this week in UTC but next week there.
DUE_OFFSETS = (-100, -50, -21, -19, -2, 1, 3, 10, 14, 30, 60, 90, 110, 200)
WORDS = ("Initech", "Globex", "Umbrella", "Hooli", "Vandelay", "Soylent", "Tyrell", "Wonka", "Stark")
SPECIAL_NAMES = ("Acme", "ACME", "acme", "100% Juice", "a_b Labs", "Axb Corp", "Smørrebrød ApS")
PEOPLE = (("Grace Hopper", "grace@{d}"), ("Ada Lovelace", "ada@{d}"), ("Alan Turing", "alan@{d}"),
          ("Jo Doe", "jo@{d}"))
ARRS = (None, None, Decimal("0.00"), Decimal("1200.00"), Decimal("48000.50"), Decimal("48000.50"),
        Decimal("48000.50"), Decimal("99999.99"), Decimal("250000.00"))


def email(label: str, delay: int | None) -> dict:
    trigger = {"type": "manual", "delay_hours": 0} if delay is None else {"type": "milestone_start",
                                                                           "delay_hours": delay}
    return {"id": str(uuid.uuid4()), "label": label, "type": "SEND_EMAIL", "trigger": trigger,
            "content": {"subject": f"{label} {{{{company_name}}}}", "body": "Hello {{contact_first_name}}"}}


def milestone(name: str, *actions: dict) -> dict:
    return {"id": str(uuid.uuid4()), "name": name, "duration_days": 7,
            "actions": [{**action, "position": n} for n, action in enumerate(actions, start=1)]}


STANDARD = RevisionSnapshot(str(uuid.uuid4()), str(uuid.uuid4()), 1, "Standard", (
    milestone("Kickoff", email("Welcome", 0), email("Intro", 0)), milestone("Setup", email("Guide", 0)),
    milestone("Go live", email("Call", None))))
LIGHT = RevisionSnapshot(str(uuid.uuid4()), str(uuid.uuid4()), 3, "Light",
                         (milestone("Discovery", email("Follow-up", 24)),))


class Clock:
    def __init__(self) -> None:
        self.now = PAST

    def __call__(self) -> datetime:
        return self.now


@dataclasses.dataclass
class Spec:
    name: str
    arr: Decimal | None
    close_date: date | None
    csm: str | None
    collaborators: tuple[str, ...]
    contacts: tuple[dict, ...]
    template: str | None  # "standard" | "light" | None
    progress: str  # standard: none|started|skipped|advanced|blocked; light: none|due|completed
    due: int | None  # light, "due": hours from NOW
    status: str
    archived: bool


@dataclasses.dataclass(frozen=True)
class Expected:
    """An account as its aggregate says, in the shape the list answers."""

    id: str
    name: str
    status: str
    archived: bool
    arr: Decimal | None
    close_date: date | None
    csm: str | None
    collaborators: tuple[str, ...]
    milestone: tuple[str, str] | None
    next_action_at: datetime | None
    template_id: str | None
    revision_number: int | None
    created_at: datetime
    updated_at: datetime | None
    contacts: tuple[tuple[str, str, bool], ...]
    open_drafts: int


def specs(rng: random.Random, count: int, domain: str, dues: list[int]) -> list[Spec]:
    made = []
    for n in range(count):
        name = SPECIAL_NAMES[n] if n < len(SPECIAL_NAMES) else f"{WORDS[n % len(WORDS)]} {n:02d}"
        template = "light" if n % 3 == 2 else rng.choice((None, "standard", "standard"))
        if template == "light" and dues:
            progress, due = "due", dues.pop()
        elif template == "light":
            progress, due = rng.choice(("none", "completed")), None
        else:
            progress = rng.choice(("none", "started", "skipped", "advanced", "blocked")) if template else "none"
            due = None
        csm = rng.choice((None, *STAFF))
        people = rng.sample(PEOPLE, rng.randint(0, 3))
        made.append(Spec(
            name=name, arr=rng.choice(ARRS), close_date=rng.choice((None, date(2026, rng.randint(1, 11), 15))),
            csm=csm, collaborators=tuple(rng.sample([s for s in STAFF if s != csm], rng.randint(0, 2))),
            contacts=tuple({"name": person, "email": address.format(d=domain)} for person, address in people),
            template=template, progress=progress, due=due,
            status=rng.choice(("active", "active", "active", "at_risk", "churned", "pending_handoff")),
            archived=n >= len(SPECIAL_NAMES) and rng.random() < 0.15))
    assert not dues, "every due offset has an account"
    return made


def build(units: Callable[[], AccountsUnitOfWork]) -> types.SimpleNamespace:
    """Accounts in two organizations: {org: [Expected]}, the use cases, the org and the other org."""
    clock = Clock()
    use = bootstrap(config.load(), uow=units, clock=clock).use_cases
    org, other = str(uuid.uuid4()), str(uuid.uuid4())
    with units() as uow:
        for org_id in (org, other):
            uow.set_org(org_id)
            for revision in (STANDARD, LIGHT):
                uow.revisions.add(org_id, revision, PAST)
            for user in STAFF:
                uow.staff.upsert(org_id, StaffUser(user, user.title(), f"{user}@vendor.example",
                                                   "admin" if user.startswith("admin") else "csm", True), PAST)
            uow.commit()
    rng = random.Random(20261125)
    made = {org: specs(rng, 60, "customer.example", list(DUE_OFFSETS)),
            other: specs(rng, 14, "other.example", [-2, 30, 200])}
    ids: dict[str, list[str]] = {org_id: [] for org_id in made}
    for org_id, wanted in made.items():
        for n, spec in enumerate(wanted):
            clock.now = PAST + timedelta(hours=n // 2)  # accounts made in pairs: ties on created_at
            ids[org_id].append(create(use, clock, org_id, spec))
    for org_id, wanted in made.items():  # the "Light" emails get due around NOW, after every draft above
        for account_id, spec in zip(ids[org_id], wanted, strict=True):
            if spec.template == "light" and spec.progress != "none":
                clock.now = NOW + timedelta(hours=(spec.due if spec.due is not None else -30) - 24)
                account = use["get_account"](org_id, account_id)
                use["start_milestone"](org_id, account_id, "admin-z", account.milestones[0].id)
                if spec.progress == "completed":
                    use["complete_milestone"](org_id, account_id, "admin-z", account.milestones[0].id)
    for org_id, wanted in made.items():
        for n, (account_id, spec) in enumerate(zip(ids[org_id], wanted, strict=True)):
            clock.now = NOW - timedelta(hours=n % 5)  # ties on updated_at too
            if spec.status in ("at_risk", "churned"):
                use["set_status"](org_id, account_id, "admin-z", spec.status)
            if spec.archived:
                use["archive"](org_id, account_id, "admin-z", "Lost the deal")
    clock.now = NOW
    expected = {org_id: [expected_of(use["get_account"](org_id, account_id)) for account_id in ids[org_id]]
                for org_id in ids}
    return types.SimpleNamespace(expected=expected, use=use, org=org, other=other)


def create(use, clock: Clock, org_id: str, spec: Spec) -> str:
    template_id = {"standard": STANDARD.template_id, "light": LIGHT.template_id}.get(spec.template)
    status = AccountStatus.PENDING_HANDOFF if spec.status == "pending_handoff" else AccountStatus.ACTIVE
    account, _ = use["create_account"](org_id, "admin-z", NewAccount(
        details={"company_name": spec.name, "arr": spec.arr, "close_date": spec.close_date},
        contacts=spec.contacts, template_id=template_id, csm_id=spec.csm, status=status))
    for user in spec.collaborators:
        use["add_collaborator"](org_id, account.id, "admin-z", user)
    if spec.template == "standard" and spec.progress != "none":
        kickoff = account.milestones[0]
        use["start_milestone"](org_id, account.id, "admin-z", kickoff.id)
        while use["run_due_jobs"](now=clock.now):  # the drafts of Welcome and Intro: ready
            pass
        if spec.progress == "skipped":
            use["skip_action"](org_id, account.id, "admin-z", kickoff.actions[1].id)
        elif spec.progress == "advanced":
            use["complete_milestone"](org_id, account.id, "admin-z", kickoff.id)
        elif spec.progress == "blocked":
            use["block_milestone"](org_id, account.id, "admin-z", kickoff.id, "Waiting for the contract")
    return account.id


def expected_of(account) -> Expected:
    current = account.current_milestone()
    return Expected(
        id=account.id, name=account.company_name, status=account.status.value, archived=account.archived,
        arr=account.arr, close_date=account.close_date, csm=account.primary_csm_id,
        collaborators=tuple(c.user_id for c in account.collaborators),
        milestone=(current.id, current.name) if current else None, next_action_at=account.next_action_at(),
        template_id=account.template_id, revision_number=account.revision_number, created_at=account.created_at,
        updated_at=account.updated_at, contacts=tuple((c.name, c.email, c.is_primary) for c in account.contacts),
        open_drafts=sum(1 for action in account.actions() if action.state is ActionState.READY))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory) -> Iterator[types.SimpleNamespace]:
    """One build per database for the whole module (the conftest's stores are per test): the tests
    only read, and making 74 accounts through the use cases takes seconds. PostgreSQL is the
    non-owner app role under forced RLS, as the conftest's store is."""
    if request.param == "sqlite":
        url, owner_url = f"sqlite:///{tmp_path_factory.mktemp('listing') / 'accounts.db'}", None
    else:
        database = request.getfixturevalue("databases").create_with_roles("accounts")
        url, owner_url = database.app_url, database.owner_url
    upgrade(config.SERVICE_ROOT, owner_url or url, runtime_url=url if owner_url else None)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    yield build(lambda: AccountsUnitOfWork(sessions, metadata, "accounts"))
    engine.dispose()


# -- the expected answers, written out --------------------------------------------------------

def midnight(now: datetime, tz: str, days: int = 0) -> datetime:
    local = now.astimezone(ZoneInfo(tz)) + timedelta(days=days)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def due_in(window: str, at: datetime | None, tz: str) -> bool:
    if window == "none":
        return at is None
    if at is None:
        return False
    today = midnight(NOW, tz)
    if window == "overdue":
        return at < today
    end = midnight(NOW, tz, 1) if window == "today" else midnight(NOW, tz, 7 - today.weekday())
    return today <= at < end


def matches(account: Expected, filters: AccountFilters, user: str, *, ignore_status: bool = False,
            ignore_archived: bool = False) -> bool:
    needle = filters.text.casefold()
    checks = (
        ignore_status or not filters.statuses or account.status in filters.statuses,
        ignore_archived or filters.archived == "all" or account.archived == (filters.archived == "true"),
        filters.milestone is None or (account.milestone is not None
                                      and account.milestone[1].lower() == filters.milestone.lower()),
        filters.next_action is None or due_in(filters.next_action, account.next_action_at, filters.tz),
        filters.arr_min is None or (account.arr is not None and account.arr >= filters.arr_min),
        filters.arr_max is None or (account.arr is not None and account.arr <= filters.arr_max),
        filters.csm_id is None or account.csm == (None if filters.csm_id == "none" else filters.csm_id),
        not filters.mine or account.csm == user or user in account.collaborators,
        filters.template_id is None or account.template_id == filters.template_id,
        not needle or needle in account.name.casefold()
        or any(needle in name.casefold() or needle in address.casefold() for name, address, _ in account.contacts),
    )
    return all(checks)


SORT_VALUES = {
    "company_name": lambda e: e.name.lower(), "arr": lambda e: e.arr, "close_date": lambda e: e.close_date,
    "created_at": lambda e: e.created_at, "updated_at": lambda e: e.updated_at,
    "next_action_at": lambda e: e.next_action_at, "status": lambda e: e.status,
    "milestone": lambda e: e.milestone[1].lower() if e.milestone else None, "csm": lambda e: e.csm,
}


def in_order(accounts: list[Expected], key: str, descending: bool) -> list[str]:
    value = SORT_VALUES[key]
    valued = sorted((e for e in accounts if value(e) is not None), key=lambda e: (value(e), e.id), reverse=descending)
    valueless = sorted((e for e in accounts if value(e) is None), key=lambda e: e.id, reverse=descending)
    return [e.id for e in valued + valueless]


def walk(use, org: str, filters: AccountFilters, order: ListOrder, limit: int = 7, user: str = "csm-b") -> list:
    """Every page, each from the previous page's position as a cursor carries it."""
    found, after = [], None
    while True:
        items = use["list_accounts"](org, user, filters, order, limit + 1, after)
        found += items[:limit]
        if len(items) <= limit:
            return found
        after = position_from_parts(order, position_parts(order, items[limit - 1].position))
        assert len(found) < 500, "the walk does not end"


FILTERS = [
    AccountFilters(statuses=frozenset({"at_risk"})),
    AccountFilters(statuses=frozenset({"active", "churned"})),
    AccountFilters(statuses=frozenset({"completed", "pending_handoff"}), archived="all"),
    AccountFilters(milestone="KICKOFF"),
    AccountFilters(milestone="discovery"),
    AccountFilters(milestone="Setup", archived="all"),
    *(AccountFilters(next_action=window, tz=tz) for window in ("overdue", "today", "this_week", "none")
      for tz in ("UTC", "Pacific/Auckland", "America/Los_Angeles")),
    AccountFilters(arr_min=Decimal("48000.50")),
    AccountFilters(arr_max=Decimal("1200")),
    AccountFilters(arr_min=Decimal("1000"), arr_max=Decimal("100000")),
    AccountFilters(arr_min=Decimal("0")),
    AccountFilters(csm_id="csm-a"),
    AccountFilters(csm_id="none"),
    AccountFilters(mine=True),
    AccountFilters(template_id=LIGHT.template_id),
    AccountFilters(archived="true"),
    AccountFilters(archived="all"),
    AccountFilters(text="acme"),
    AccountFilters(text="HOPPER"),
    AccountFilters(text="ada@customer"),
    AccountFilters(text="100%"),
    AccountFilters(text="a_b"),
    AccountFilters(text="SMØRREBRØD"),
    AccountFilters(statuses=frozenset({"active", "at_risk"}), arr_min=Decimal("1"), archived="all",
                   template_id=STANDARD.template_id),
    AccountFilters(mine=True, next_action="overdue", text="o"),
]


# -- the tests ------------------------------------------------------------------------------------

def test_each_filter_gives_exactly_the_matching_accounts_of_the_org(world):
    everyone = world.expected[world.org]
    for filters in FILTERS:
        wanted = [e for e in everyone if matches(e, filters, "csm-b")]
        assert wanted, f"the accounts were not varied enough to test {filters}"
        order = ListOrder("company_name")
        found = [item.id for item in walk(world.use, world.org, filters, order)]
        assert found == in_order(wanted, "company_name", False), filters
    # the edges, by hand: an unescaped "_" would match "Axb Corp", an unescaped "%" everything
    assert [i.company_name for i in walk(world.use, world.org, AccountFilters(text="a_b", archived="all"),
                                         ListOrder("company_name"))] == ["a_b Labs"]
    assert [i.company_name for i in walk(world.use, world.org, AccountFilters(text="100%", archived="all"),
                                         ListOrder("company_name"))] == ["100% Juice"]


def test_next_action_days_are_the_days_of_the_time_zone_asked_for(world):
    due_at = {NOW + timedelta(hours=hours): hours for hours in DUE_OFFSETS}
    light = AccountFilters(template_id=LIGHT.template_id, archived="all")

    def offsets(window: str, tz: str) -> set[int]:
        filters = dataclasses.replace(light, next_action=window, tz=tz)
        return {due_at[i.next_action_at] for i in walk(world.use, world.org, filters, ListOrder("next_action_at"))
                if i.next_action_at in due_at}

    assert offsets("today", "UTC") == {-19, -2, 1, 3}
    assert offsets("today", "Pacific/Auckland") == {-2, 1, 3, 10, 14}
    assert offsets("overdue", "Pacific/Auckland") == {-100, -50, -21, -19}
    assert offsets("this_week", "UTC") == {-19, -2, 1, 3, 10, 14, 30, 60, 90}
    assert offsets("this_week", "Pacific/Auckland") == {-2, 1, 3, 10, 14, 30, 60}


@pytest.mark.parametrize("key", list(SORT_KEYS))
def test_every_sort_both_ways_with_valueless_last_and_stable_pages(world, key):
    everyone, filters = world.expected[world.org], AccountFilters(archived="all")
    for descending in (False, True):
        order = ListOrder(key, descending)
        wanted = in_order(everyone, key, descending)
        unpaged = [item.id for item in world.use["list_accounts"](world.org, "csm-b", filters, order, 200)]
        paged = [item.id for item in walk(world.use, world.org, filters, order)]
        assert unpaged == wanted, (key, descending)
        assert paged == wanted and len(set(paged)) == len(paged), (key, descending)
    valued = [e for e in everyone if SORT_VALUES[key](e) is not None]
    assert 0 < len(valued) <= len(everyone)
    if SORT_KEYS[key].nullable and key != "updated_at":  # an aggregate always has one; the column may not
        assert len(valued) < len(everyone), f"no account without a {key}: the valueless segment went untested"


def test_pages_split_runs_of_equal_values_without_losing_or_repeating_any(world):
    everyone, filters = world.expected[world.org], AccountFilters(archived="all")
    for key in ("arr", "created_at", "company_name"):
        wanted = in_order(everyone, key, False)
        values = {e.id: SORT_VALUES[key](e) for e in everyone}
        split = [n for n in range(7, len(wanted), 7) if values[wanted[n - 1]] == values[wanted[n]]]
        assert split or key == "company_name", f"no page boundary inside a run of equal {key}s"
        for limit in (1, 2, 7):
            assert [i.id for i in walk(world.use, world.org, filters, ListOrder(key), limit)] == wanted


def test_the_other_organization_is_never_in_an_answer(world):
    mine, theirs = world.expected[world.org], world.expected[world.other]
    assert {e.name for e in theirs} & {e.name for e in mine}, "same names in both orgs, so a leak would show"
    for filters in (AccountFilters(archived="all"), AccountFilters(csm_id="csm-a", archived="all"),
                    AccountFilters(mine=True, archived="all"), AccountFilters(text="acme", archived="all")):
        found = [i.id for i in walk(world.use, world.other, filters, ListOrder("company_name"))]
        assert found == in_order([e for e in theirs if matches(e, filters, "csm-b")], "company_name", False)
        assert not set(found) & {e.id for e in mine}


def test_items_carry_the_list_columns_of_each_account(world):
    everyone = {e.id: e for e in world.expected[world.org]}
    items = walk(world.use, world.org, AccountFilters(archived="all"), ListOrder("created_at"), limit=50)
    assert {i.id for i in items} == set(everyone)
    for item in items:
        e = everyone[item.id]
        primary = next(((name, address) for name, address, is_primary in e.contacts if is_primary), None)
        assert (item.company_name, item.status, item.archived, item.arr, item.close_date, item.primary_csm_id,
                item.collaborator_ids, item.next_action_at, item.template_id, item.revision_number,
                item.created_at, item.updated_at, item.contacts_count, item.open_drafts) == (
            e.name, e.status, e.archived, e.arr, e.close_date, e.csm, e.collaborators, e.next_action_at,
            e.template_id, e.revision_number, e.created_at, e.updated_at, len(e.contacts), e.open_drafts)
        assert (item.current_milestone.id, item.current_milestone.name) == e.milestone if e.milestone \
            else item.current_milestone is None
        assert ((item.primary_contact.name, item.primary_contact.email) if item.primary_contact else None) == primary
    assert {i.open_drafts for i in items} >= {0, 1, 2}, "ready drafts were not varied enough"


@pytest.mark.parametrize("filters", [AccountFilters(), AccountFilters(archived="all"), AccountFilters(archived="true"),
                                     AccountFilters(statuses=frozenset({"churned"}), csm_id="csm-a"),
                                     AccountFilters(next_action="overdue", text="a"),
                                     AccountFilters(mine=True, arr_min=Decimal("1000"))])
def test_counts_per_status_ignore_the_status_filter_only(world, filters):
    everyone = world.expected[world.org]
    counts = world.use["count_accounts"](world.org, "csm-b", filters)
    shown = [e for e in everyone if matches(e, filters, "csm-b", ignore_status=True)]
    assert counts.by_status == {status.value: sum(1 for e in shown if e.status == status.value)
                                for status in AccountStatus}
    assert counts.total == len(shown) > 0
    assert counts.archived == sum(1 for e in everyone if e.archived
                                  and matches(e, filters, "csm-b", ignore_status=True, ignore_archived=True))
