"""CSM pools (issue 7) as a client meets them: every call through the gateway.

The suite is the persona matrix's (tests/authz/conftest.py): the gateway and the five services in
one process on SQLite. Each test makes CSMs of its own in org A through the gateway's use cases
(users have no API yet); accounts learns them from the identity events, handed over by
``suite.deliver_events()`` as the relay would.
"""

from __future__ import annotations

import collections
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from stitch.gateway.application.organizations import CreateUser
from tests.authz.conftest import PASSWORD, Suite

pytestmark = pytest.mark.e2e
API = "/api/accounts"


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Iterator[Suite]:
    built = Suite(tmp_path_factory.mktemp("csm-pools"))
    yield built
    for runtime in built.runtimes.values():
        runtime.engine.dispose()


class Api:
    def __init__(self, suite: Suite, headers: dict[str, str]) -> None:
        self.suite, self.headers = suite, headers

    def __call__(self, method: str, path: str, body: Any = None, *, status: int = 200,
                 headers: dict[str, str] | None = None) -> Any:
        response = self.suite.call(method, f"{API}{path}", headers={**self.headers, **(headers or {})}, body=body)
        assert response.status_code == status, f"{method} {path}: {response.get_data(as_text=True)}"
        self.last = response
        return response.get_json(silent=True)  # None for 204


@pytest.fixture(scope="module")
def admin(suite) -> Api:
    return Api(suite, suite.as_admin())


def staff(suite: Suite, count: int, role: str = "csm") -> list[str]:
    """New staff users of org A; accounts knows them once the identity events are delivered."""
    org = suite.orgs["A"]
    ids = []
    for _ in range(count):
        unique = org.unique()
        ids.append(suite.use["create_user"](CreateUser(org.slug, f"{role}-{unique}@{org.email_domain}",
                                                       f"{role.title()} {unique}", role, PASSWORD)).id)
    suite.deliver_events()
    return ids


def accounts(admin: Api, count: int, csm_id: str | None = None) -> list[str]:
    made = []
    for _ in range(count):
        unique = uuid.uuid4().hex[:8]
        body = {"company_name": f"Customer {unique}", "arr": 12000, "close_date": "2026-11-20",
                "contacts": [{"name": "Jo Doe", "email": f"jo-{unique}@customer.example"}],
                **({"csm_id": csm_id} if csm_id else {})}
        made.append(admin("POST", "/accounts", body, status=201)["id"])
    return made


def pool(admin: Api, members: list[str], rule: str = "round_robin", **fields) -> dict:
    return admin("POST", "/pools", {"name": f"Pool {uuid.uuid4().hex[:8]}", "rule": rule, "members": members,
                                    **fields}, status=201)


def owners(admin: Api, account_ids: list[str]) -> collections.Counter:
    return collections.Counter(admin("GET", f"/accounts/{a}")["primary_csm_id"] for a in account_ids)


# -- the acceptance ---------------------------------------------------------------------------------

def test_round_robin_gives_thirty_accounts_to_three_csms_ten_each(suite, admin):
    csms, account_ids = staff(suite, 3), accounts(admin, 30)
    made = pool(admin, csms)
    result = admin("POST", f"/pools/{made['id']}/assign", {"account_ids": account_ids})
    assert [a["csm_id"] for a in result["assigned"]] == csms * 10
    assert (result["overflow"], result["refused"]) == ([], [])
    assert result["by_member"] == {csm: 10 for csm in csms}
    assert owners(admin, account_ids) == {csm: 10 for csm in csms}
    shown = admin("GET", f"/pools/{made['id']}")
    assert [(m["user_id"], m["active_accounts"], m["at_capacity"]) for m in shown["members"]] == [
        (csm, 10, False) for csm in csms]
    history = admin("GET", f"/accounts/{account_ids[0]}/history")["items"]
    [assigned] = [h for h in history if h["kind"] == "csm_assigned"]
    assert assigned["detail"]["pool_id"] == made["id"] and assigned["detail"]["csm_id"] == csms[0]


def test_a_cap_of_eight_keeps_everyone_at_eight_and_reports_the_overflow(suite, admin):
    csms, account_ids = staff(suite, 3), accounts(admin, 30)
    made = pool(admin, csms, capacity=8)
    result = admin("POST", f"/pools/{made['id']}/assign", {"account_ids": account_ids})
    assert len(result["assigned"]) == 24 and result["refused"] == []
    assert [o["account_id"] for o in result["overflow"]] == account_ids[24:]
    assert result["by_member"] == {csm: 8 for csm in csms}
    assert owners(admin, account_ids) == {**{csm: 8 for csm in csms}, None: 6}
    shown = admin("GET", f"/pools/{made['id']}")
    assert all(m["active_accounts"] == 8 and m["at_capacity"] for m in shown["members"])


def test_fewest_active_evens_out_loads_of_five_none_and_two(suite, admin):
    csms = staff(suite, 3)
    for csm, count in zip(csms, (5, 0, 2), strict=True):
        accounts(admin, count, csm_id=csm)
    made = pool(admin, csms, rule="fewest_active")
    result = admin("POST", f"/pools/{made['id']}/assign", {"account_ids": accounts(admin, 7)})
    a, b, c = csms
    assert [x["csm_id"] for x in result["assigned"]] == [b, b, b, c, b, c, b]
    assert result["by_member"] == {a: 5, b: 5, c: 4}


# -- one account at a time ------------------------------------------------------------------------------

def test_a_csm_assigns_an_account_from_a_pool_until_it_is_full(suite, admin):
    [member] = staff(suite, 1)
    made = pool(admin, [member], capacity=1)
    first, second = accounts(admin, 2)
    csm = Api(suite, {"Authorization": f"Bearer {suite.login(suite.orgs['A'].users['csm'].email)['access_token']}"})
    account = csm("POST", f"/accounts/{first}/assign-from-pool", {"pool_id": made["id"], "note": "EMEA"})
    assert account["primary_csm_id"] == member and csm.last.headers["ETag"] == f'"{account["version"]}"'
    before = admin("GET", f"/accounts/{second}")
    full = csm("POST", f"/accounts/{second}/assign-from-pool", {"pool_id": made["id"]}, status=409)
    assert (full["rule"], full["pool_id"], full["pool_name"]) == ("pool.full", made["id"], made["name"])
    assert admin("GET", f"/accounts/{second}")["version"] == before["version"]
    stale = admin("POST", f"/accounts/{second}/assign-from-pool", {"pool_id": made["id"]}, status=412,
                  headers={"If-Match": '"99"'})
    assert stale["status"] == 412


def test_owned_accounts_are_refused_in_bulk_unless_reassign_is_sent(suite, admin):
    csms = staff(suite, 2)
    [elsewhere] = staff(suite, 1)
    owned = accounts(admin, 1, csm_id=elsewhere)
    made = pool(admin, csms)
    kept = admin("POST", f"/pools/{made['id']}/assign", {"account_ids": owned})
    assert [r["rule"] for r in kept["refused"]] == ["account.already_owned"] and kept["assigned"] == []
    moved = admin("POST", f"/pools/{made['id']}/assign", {"account_ids": owned, "reassign": True})
    assert moved["assigned"] == [{"account_id": owned[0], "csm_id": csms[0]}]


# -- the pools themselves ----------------------------------------------------------------------------------

def test_pools_are_kept_by_admins_with_versions_and_unique_names(suite, admin):
    csms = staff(suite, 2)
    [viewer] = staff(suite, 1, role="viewer")
    made = pool(admin, csms, description="Enterprise accounts")
    assert admin.last.headers["ETag"] == '"1"' and admin.last.headers["Location"].endswith(made["id"])
    assert [(m["user_id"], m["name"].split()[0], m["active"], m["active_accounts"]) for m in made["members"]] == [
        (csm, "Csm", True, 0) for csm in csms]  # names from the staff read model
    taken = admin("POST", "/pools", {"name": made["name"].upper(), "rule": "round_robin", "members": csms},
                  status=409)
    assert taken["rule"] == "pool.name_taken"
    invalid = admin("POST", "/pools", {"name": "Viewers", "rule": "round_robin", "members": [csms[0], viewer]},
                    status=422)
    assert [e["name"] for e in invalid["errors"]] == ["json.members.1"]
    bad = admin("POST", "/pools", {"name": "Bad", "rule": "lottery", "members": [], "capacity": 0}, status=422)
    assert {e["name"] for e in bad["errors"]} == {"json.rule", "json.members", "json.capacity"}

    changed = admin("PATCH", f"/pools/{made['id']}", {"members": list(reversed(csms)), "capacity": None},
                    headers={"If-Match": '"1"'})
    assert changed["version"] == 2 and [m["user_id"] for m in changed["members"]] == list(reversed(csms))
    admin("PATCH", f"/pools/{made['id']}", {"name": "Late"}, headers={"If-Match": '"1"'}, status=412)

    csm = Api(suite, {"Authorization": f"Bearer {suite.login(suite.orgs['A'].users['csm'].email)['access_token']}"})
    csm("POST", "/pools", {"name": "Mine", "rule": "round_robin", "members": csms}, status=403)
    assert made["id"] in [p["id"] for p in csm("GET", "/pools?limit=200")["items"]]

    other = Api(suite, suite.as_admin("B"))
    other("GET", f"/pools/{made['id']}", status=404)
    assert made["id"] not in [p["id"] for p in other("GET", "/pools")["items"]]
    [account_id] = accounts(admin, 1)
    b_pool = other("POST", "/pools", {"name": "B pool", "rule": "round_robin",
                                      "members": [suite.orgs["B"].users["csm"].id]}, status=201)
    admin("POST", f"/accounts/{account_id}/assign-from-pool", {"pool_id": b_pool["id"]}, status=404)

    admin("DELETE", f"/pools/{made['id']}", headers={"If-Match": '"2"'}, status=204)
    admin("GET", f"/pools/{made['id']}", status=404)


def test_pools_are_listed_a_page_at_a_time(suite, admin):
    csms = staff(suite, 1)
    names = [pool(admin, csms)["name"] for _ in range(3)]
    seen, cursor = [], None
    while True:
        page = admin("GET", "/pools?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        seen += [p["name"] for p in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert set(names) <= set(seen) and seen == sorted(seen, key=str.casefold)
    admin("GET", "/pools?cursor=bm90LWEtY3Vyc29y", status=422)
