"""The accounts list's acceptance (issue 7), as a client meets it: every answer read through the gateway.

240 accounts in org A over three CSMs and an admin (and unowned ones), 40 in org B with the same
names, besides the suite's own seeded accounts. Making hundreds of accounts over HTTP would take
minutes, so they are made through the accounts use cases; every assertion is on what
GET /api/accounts/accounts and /counts answer.
Each filter and each sort (both ways) is compared with what the accounts themselves say, read
back whole, filtered and sorted here; pages are walked by their cursors; org B's accounts are
never in org A's answers, nor the other way round.

The list's "today" is the wall clock's (the served app's clock is not injected), so the time
zone asked for is one where it is about noon now: the day's edges are 11 to 13 hours away and
every due time is at least 5 hours from them, so the test cannot straddle a midnight.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from stitch.accounts.adapters.tables import accounts
from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.bootstrap import bootstrap
from stitch.accounts.domain.states import AccountStatus, ActionState
from stitch.gateway.application.organizations import CreateUser
from tests.authz.conftest import Suite

pytestmark = pytest.mark.e2e
LIST = "/api/accounts/accounts"
WORDS = ("Initech", "Globex", "Umbrella", "Hooli", "Vandelay", "Soylent", "Tyrell", "Wonka", "Stark", "Wayne")
SPECIAL = ("Acme", "ACME", "100% Juice", "a_b Labs", "Axb Corp")
PEOPLE = ("Grace Hopper", "Ada Lovelace", "Alan Turing", "Jo Doe")
ARRS = (None, Decimal("0.00"), Decimal("1500.00"), Decimal("24000.00"), Decimal("24000.00"), Decimal("87500.25"),
        Decimal("310000.00"))
DUE_HOURS = (-72, -20, -6, 6, 20, 50, 100, 200)  # from now; the day's edges are 11 to 13 hours away
DISCOVERY = {"name": "Discovery", "milestones": [
    {"name": "Discovery call", "duration_days": 7, "actions": [
        {"label": "Follow-up", "type": "SEND_EMAIL", "trigger": {"type": "milestone_start", "delay_hours": 24},
         "content": {"subject": "Next steps", "body": "Hi {{contact_first_name}}"}}]},
    {"name": "Rollout", "duration_days": 14, "actions": [
        {"label": "Kick-off call", "type": "SEND_EMAIL", "content": {"subject": "Call", "body": "Let us talk"}}]}]}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclasses.dataclass
class Org:
    key: str
    id: str
    admin: dict[str, str]  # headers
    owners: list[str]  # who may own an account: the CSMs and the admin
    templates: tuple[str, str]  # Discovery (a scheduled email), the suite's one-milestone template
    accounts: dict[str, Any] = dataclasses.field(default_factory=dict)  # id → the aggregate, read back


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Iterator[Suite]:
    built = Suite(tmp_path_factory.mktemp("account-list"))
    yield built
    for runtime in built.runtimes.values():
        runtime.engine.dispose()


@pytest.fixture(scope="module")
def orgs(suite) -> dict[str, Org]:
    made = {key: prepare(suite, key, csms=3 if key == "A" else 1) for key in ("A", "B")}
    suite.deliver_events()  # accounts learns the CSMs and the revisions
    runtime = suite.runtimes["accounts"]
    now = datetime.now(UTC)
    clock = Clock(now)
    # the accounts' own use cases over the same database, with a clock the test sets: creation
    # times with ties, and milestones started so that their emails fall due around now
    use = bootstrap(runtime.settings, uow=runtime.uow, clock=clock, verifier=suite.verifier).use_cases
    rng = random.Random(7)
    for org, count in ((made["A"], 240), (made["B"], 40)):
        for n in range(count):
            make(use, clock, rng, org, n, now)
        clock.now = now
        # with the suite's own seeded accounts (one in each state the persona matrix needs)
        with runtime.engine.connect() as db:
            ids = db.execute(select(accounts.c.id).where(accounts.c.org_id == org.id)).scalars().all()
        org.accounts = {account_id: use["get_account"](org.id, account_id) for account_id in ids}
    return made


def prepare(suite: Suite, key: str, csms: int) -> Org:
    org = suite.orgs[key]
    owners = [org.users["csm"].id, org.admin_id]
    for n in range(csms - 1):
        owners.append(suite.use["create_user"](CreateUser(org.slug, f"csm{n}-{org.tag}@{org.email_domain}",
                                                          f"CSM {n}", "csm", Suite.password)).id)
    admin = suite.as_admin(key)
    created = suite.call("POST", "/api/templates/templates", headers=admin, body=DISCOVERY)
    assert created.status_code == 201, created.get_data(as_text=True)
    discovery = created.get_json()["id"]
    published = suite.call("POST", f"/api/templates/templates/{discovery}/publish", headers=admin)
    assert published.status_code == 201, published.get_data(as_text=True)
    return Org(key, org.id, admin, owners, (discovery, suite.account_template(org)))


def make(use, clock: Clock, rng: random.Random, org: Org, n: int, now: datetime) -> None:
    clock.now = now - timedelta(days=20) + timedelta(minutes=n // 3)  # three at a time: ties on created_at
    owner = rng.choice((None, *org.owners))
    template = rng.choice((None, *org.templates))
    status = rng.choice((AccountStatus.PENDING_HANDOFF, AccountStatus.ACTIVE, AccountStatus.AT_RISK,
                         AccountStatus.CHURNED))
    account, _ = use["create_account"](org.id, None, NewAccount(
        details={"company_name": SPECIAL[n] if n < len(SPECIAL) else f"{WORDS[n % len(WORDS)]} {n:03d}",
                 "arr": rng.choice(ARRS), "close_date": rng.choice((None, date(2026, rng.randint(1, 12), 1)))},
        contacts=tuple({"name": name, "email": f"{name.split()[0].lower()}{n}@customer.example"}
                       for name in rng.sample(PEOPLE, rng.randint(0, 2))),
        template_id=template, csm_id=owner,
        status=status if status is AccountStatus.PENDING_HANDOFF else AccountStatus.ACTIVE))
    if rng.random() < 0.3:
        use["add_collaborator"](org.id, account.id, None, rng.choice([o for o in org.owners if o != owner]))
    if status in (AccountStatus.AT_RISK, AccountStatus.CHURNED):
        use["set_status"](org.id, account.id, None, status.value)
    if template == org.templates[0] and rng.random() < 0.8:
        clock.now = now + timedelta(hours=rng.choice(DUE_HOURS) - 24)  # its email falls due 24 hours later
        use["start_milestone"](org.id, account.id, None, account.milestones[0].id)
    if n >= len(SPECIAL) and rng.random() < 0.1:
        use["archive"](org.id, account.id, None, "Deal lost")


# -- reading through the gateway -------------------------------------------------------------

def walk(suite: Suite, headers: dict[str, str], path: str = LIST, **query: Any) -> list[dict]:
    """Every page, following next_cursor; the same account twice fails the walk."""
    items: list[dict] = []
    cursor = None
    while True:
        response = suite.call("GET", _url(path, {**query, **({"cursor": cursor} if cursor else {})}), headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        items += response.get_json()["items"]
        cursor = response.get_json()["next_cursor"]
        if cursor is None:
            ids = [item["id"] for item in items]
            assert len(ids) == len(set(ids)), "an account on two pages"
            return items


def _url(path: str, query: dict[str, Any]) -> str:
    return f"{path}?{urlencode(query, doseq=True)}" if query else path


def noon_zone(now: datetime) -> str:
    """An IANA zone where it is 11:00 to 12:59 now (fixed offsets: Etc/GMT-3 is UTC+3)."""
    for hours in range(-11, 15):
        name = f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"
        if 11 <= now.astimezone(ZoneInfo(name)).hour <= 12:
            return name
    raise AssertionError("some zone is always at noon")


SORTS: dict[str, Callable[[Any], Any]] = {
    "company_name": lambda a: a.company_name.lower(), "arr": lambda a: a.arr, "close_date": lambda a: a.close_date,
    "created_at": lambda a: a.created_at, "updated_at": lambda a: a.updated_at,
    "next_action_at": lambda a: a.next_action_at(), "status": lambda a: a.status.value,
    "milestone": lambda a: a.current_milestone().name.lower() if a.current_milestone() else None,
    "csm": lambda a: a.primary_csm_id,
}


def ordered(accounts, sort: str = "company_name", descending: bool = False) -> list[str]:
    value = SORTS[sort]
    valued = sorted((a for a in accounts if value(a) is not None), key=lambda a: (value(a), a.id),
                    reverse=descending)
    return [a.id for a in valued] + sorted((a.id for a in accounts if value(a) is None), reverse=descending)


def filter_cases(org: Org, zone: str, now: datetime) -> list[tuple[dict, Callable[[Any], bool]]]:
    local = now.astimezone(ZoneInfo(zone))
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow, week_end = today + timedelta(days=1), today + timedelta(days=7 - today.weekday())
    discovery, plan = org.templates
    csm = org.owners[0]

    def due(a, start=None, end=None):
        at = a.next_action_at()
        return at is not None and (start is None or at >= start) and (end is None or at < end)

    return [
        ({"status": "at_risk"}, lambda a: a.status is AccountStatus.AT_RISK),
        ({"status": ["pending_handoff", "churned"]}, lambda a: a.status.value in ("pending_handoff", "churned")),
        ({"status": "active,at_risk"}, lambda a: a.status.value in ("active", "at_risk")),
        ({"milestone": "DISCOVERY CALL"}, lambda a: bool(a.current_milestone())
         and a.current_milestone().name == "Discovery call"),
        ({"milestone": "kickoff"}, lambda a: bool(a.current_milestone()) and a.current_milestone().name == "Kickoff"),
        ({"next_action": "overdue", "tz": zone}, lambda a: due(a, end=today)),
        ({"next_action": "today", "tz": zone}, lambda a: due(a, today, tomorrow)),
        ({"next_action": "this_week", "tz": zone}, lambda a: due(a, today, week_end)),
        ({"next_action": "none"}, lambda a: a.next_action_at() is None),
        ({"arr_min": "24000"}, lambda a: a.arr is not None and a.arr >= 24000),
        ({"arr_max": "1500.00"}, lambda a: a.arr is not None and a.arr <= Decimal("1500")),
        ({"arr_min": "1", "arr_max": "90000"}, lambda a: a.arr is not None and 1 <= a.arr <= 90000),
        ({"csm_id": csm}, lambda a: a.primary_csm_id == csm),
        ({"csm_id": "none"}, lambda a: a.primary_csm_id is None),
        ({"template_id": discovery}, lambda a: a.template_id == discovery),
        ({"template_id": plan, "status": "churned"}, lambda a: a.template_id == plan
         and a.status is AccountStatus.CHURNED),
        ({"q": "acme"}, lambda a: "acme" in a.company_name.lower()),
        ({"q": "LOVELACE"}, lambda a: any(c.name == "Ada Lovelace" for c in a.contacts)),
        ({"q": "grace1"}, lambda a: any(c.email.startswith("grace1") for c in a.contacts)),
        ({"q": "a_b"}, lambda a: a.company_name == "a_b Labs"),
        ({"q": "100%"}, lambda a: a.company_name == "100% Juice"),
    ]


# -- the acceptance ---------------------------------------------------------------------------

def test_each_filter_through_the_gateway(suite, orgs):
    org, now = orgs["A"], datetime.now(UTC)
    zone = noon_zone(now)
    shown = [a for a in org.accounts.values() if not a.archived]
    for query, wanted in filter_cases(org, zone, now):
        expected = ordered([a for a in shown if wanted(a)])
        assert expected, f"nothing matches {query}: the accounts were not varied enough"
        assert [i["id"] for i in walk(suite, org.admin, limit=40, **query)] == expected, query
    archived = [a for a in org.accounts.values() if a.archived]
    assert archived and [i["id"] for i in walk(suite, org.admin, archived="true")] == ordered(archived)
    assert [i["id"] for i in walk(suite, org.admin, archived="all", limit=200)] == ordered(org.accounts.values())


def test_mine_is_the_csms_own_and_collaborations(suite, orgs):
    org = orgs["A"]
    user = suite.orgs["A"].users["csm"]
    headers = {"Authorization": f"Bearer {suite.login(user.email)['access_token']}"}
    expected = ordered([a for a in org.accounts.values() if not a.archived and (
        a.primary_csm_id == user.id or a.is_collaborator(user.id))])
    assert any(a.is_collaborator(user.id) for a in org.accounts.values()) and expected
    assert [i["id"] for i in walk(suite, headers, mine="true", limit=25)] == expected


@pytest.mark.parametrize("sort", list(SORTS))
def test_each_sort_both_ways_in_stable_pages(suite, orgs, sort):
    org = orgs["A"]
    for order in ("asc", "desc"):
        expected = ordered(org.accounts.values(), sort, order == "desc")
        found = walk(suite, org.admin, sort=sort, order=order, archived="all", limit=37)
        assert [i["id"] for i in found] == expected, (sort, order)


def test_org_b_sees_only_its_own_accounts(suite, orgs):
    a, b = orgs["A"], orgs["B"]
    assert {x.company_name for x in a.accounts.values()} & {x.company_name for x in b.accounts.values()}
    found = [i["id"] for i in walk(suite, b.admin, archived="all", sort="created_at")]
    assert found == ordered(b.accounts.values(), "created_at")
    assert not set(found) & set(a.accounts)
    assert [i["id"] for i in walk(suite, b.admin, q="acme", csm_id=a.owners[0])] == []


def test_counts_per_status_through_the_gateway(suite, orgs):
    org = orgs["A"]
    for query, wanted in (({}, lambda a: True), ({"csm_id": org.owners[1], "status": "active"},
                                                  lambda a: a.primary_csm_id == org.owners[1])):
        response = suite.call("GET", _url(f"{LIST}/counts", query), headers=org.admin)
        assert response.status_code == 200, response.get_data(as_text=True)
        matching = [a for a in org.accounts.values() if wanted(a)]
        shown = [a for a in matching if not a.archived]
        assert response.get_json() == {
            "by_status": {s.value: sum(1 for a in shown if a.status is s) for s in AccountStatus},
            "total": len(shown), "archived": len(matching) - len(shown)}


def test_items_say_what_the_accounts_say(suite, orgs):
    org = orgs["A"]
    for item in walk(suite, org.admin, archived="all", limit=200):
        a = org.accounts[item["id"]]
        current, primary = a.current_milestone(), next((c for c in a.contacts if c.is_primary), None)
        assert item == {
            "id": a.id, "company_name": a.company_name, "status": a.status.value, "archived": a.archived,
            "arr": None if a.arr is None else f"{a.arr:.2f}",
            "close_date": a.close_date.isoformat() if a.close_date else None, "primary_csm_id": a.primary_csm_id,
            "collaborator_ids": [c.user_id for c in a.collaborators],
            "current_milestone": {"id": current.id, "name": current.name} if current else None,
            "next_action_at": item["next_action_at"], "template_id": a.template_id,
            "revision_number": a.revision_number, "created_at": item["created_at"],
            "updated_at": item["updated_at"], "contacts_count": len(a.contacts),
            "primary_contact": {"name": primary.name, "email": primary.email} if primary else None,
            "open_drafts": sum(1 for action in a.actions() if action.state is ActionState.READY)}
        assert [_time(item[k]) for k in ("next_action_at", "created_at", "updated_at")] == [
            a.next_action_at(), a.created_at, a.updated_at]


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
