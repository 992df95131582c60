"""GET /api/accounts/accounts and /accounts/counts over HTTP, on a SQLite runtime: the answer's shape
(lean: no internal notes), cursors followed as a client does, the query arguments read strictly
(a 422 naming the argument), "mine" as the token's subject, and /counts not taken for an account id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from stitch.accounts import config
from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.application.ports import StaffUser
from stitch.accounts.bootstrap import bootstrap
from stitch.accounts.entrypoints.http import create_app

pytestmark = pytest.mark.integration

BASE = "/api/accounts/accounts"
NOW = datetime(2026, 11, 25, 20, 30, tzinfo=UTC)
ORG, OTHER = str(uuid.uuid4()), str(uuid.uuid4())
CSM, ADMIN = "user-csm", "user-admin"
ITEM_KEYS = {"id", "company_name", "status", "archived", "arr", "close_date", "primary_csm_id", "collaborator_ids",
             "current_milestone", "next_action_at", "template_id", "revision_number", "created_at", "updated_at",
             "contacts_count", "primary_contact", "open_drafts"}
# name → (arr, owner, collaborator, status, archived)
ACCOUNTS = {
    "Acme": (Decimal("1000"), CSM, None, "active", False),
    "Beta": (Decimal("5000"), None, CSM, "at_risk", False),
    "Gamma": (None, ADMIN, None, "active", False),
    "Delta": (Decimal("700"), CSM, None, "active", True),
    "Epsilon": (Decimal("1000"), ADMIN, None, "churned", False),
    "Zeta": (Decimal("1000"), None, None, "active", False),
    "Eta": (Decimal("20"), ADMIN, CSM, "at_risk", False),
}


@pytest.fixture
def api(sqlite_store, test_keys):
    runtime = bootstrap(config.load(), uow=sqlite_store.uow, clock=lambda: NOW, verifier=test_keys.verifier())
    use = runtime.use_cases
    with sqlite_store.uow() as uow:
        for org in (ORG, OTHER):
            uow.set_org(org)
            for user, role in ((CSM, "csm"), (ADMIN, "admin")):
                uow.staff.upsert(org, StaffUser(user, user, f"{user}@vendor.example", role, True), NOW)
            uow.commit()
    ids = {}
    for name, (arr, owner, collaborator, status, archived) in ACCOUNTS.items():
        account, _ = use["create_account"](ORG, ADMIN, NewAccount(
            details={"company_name": name, "arr": arr, "notes": "SECRET-NOTE", "crm_notes": "SECRET-CRM"},
            contacts=({"name": f"{name} Person", "email": f"person@{name.lower()}.example"},), csm_id=owner))
        ids[name] = account.id
        if collaborator:
            use["add_collaborator"](ORG, account.id, ADMIN, collaborator)
        if status != "active":
            use["set_status"](ORG, account.id, ADMIN, status)
        if archived:
            use["archive"](ORG, account.id, ADMIN, "gone")
    use["create_account"](OTHER, ADMIN, NewAccount(details={"company_name": "Acme", "arr": Decimal("1000")},
                                                   csm_id=CSM))
    client = create_app(runtime).test_client()

    def get(path: str, role: str = "admin", **query):
        sub = {"admin": ADMIN, "csm": CSM}.get(role, f"user-{role}")
        return client.get(path, query_string=query, headers=test_keys.bearer(role=role, org=ORG, sub=sub))

    get.ids = ids
    return get


def names(api, response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    by_id = {account_id: name for name, account_id in api.ids.items()}
    return [by_id[item["id"]] for item in response.get_json()["items"]]


def walk(api, **query) -> list[dict]:
    items, cursor = [], None
    while True:
        response = api(BASE, **query, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.get_json()
        items += response.get_json()["items"]
        cursor = response.get_json()["next_cursor"]
        if cursor is None:
            return items


def test_a_page_is_lean_and_its_cursors_walk_the_whole_order(api):
    items = walk(api, sort="arr", order="desc", limit=2)
    shown = {name: spec for name, spec in ACCOUNTS.items() if not spec[4]}
    valued = sorted((spec[0], api.ids[name]) for name, spec in shown.items() if spec[0] is not None)
    expected = [account_id for _, account_id in reversed(valued)] + [api.ids["Gamma"]]
    assert [item["id"] for item in items] == expected
    assert all(set(item) == ITEM_KEYS for item in items)
    assert items[0]["arr"] == "5000.00" and items[0]["company_name"] == "Beta"
    assert items[0]["collaborator_ids"] == [CSM] and items[0]["primary_csm_id"] is None
    assert items[0]["primary_contact"] == {"name": "Beta Person", "email": "person@beta.example"}
    assert items[0]["contacts_count"] == 1 and items[0]["current_milestone"] is None
    assert "SECRET" not in api(BASE, archived="all").get_data(as_text=True)


def test_status_is_repeated_or_comma_separated(api):
    repeated = api(BASE, status=["at_risk", "churned"])
    assert names(api, repeated) == names(api, api(BASE, status="churned, at_risk")) == ["Beta", "Epsilon", "Eta"]


def test_mine_is_what_the_caller_owns_or_collaborates_on(api):
    assert names(api, api(BASE, role="csm", mine="true")) == ["Acme", "Beta", "Eta"]
    assert names(api, api(BASE, role="csm", mine="true", archived="all")) == ["Acme", "Beta", "Delta", "Eta"]
    assert names(api, api(BASE, role="viewer", mine="true")) == []
    assert len(names(api, api(BASE, role="viewer"))) == 6  # everyone reads every account


def test_counts_answer_every_status_with_the_other_filters(api):
    response = api(f"{BASE}/counts", status="churned", arr_min="100")  # the status filter is ignored here
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"by_status": {"pending_handoff": 0, "active": 2, "at_risk": 1, "completed": 0,
                                                 "churned": 1}, "total": 4, "archived": 1}


def test_counts_take_the_lists_own_query_string(api):
    plain = api(f"{BASE}/counts", arr_min="100").get_json()
    listed = api(BASE, arr_min="100", sort="arr", order="desc", limit=2)
    same = api(f"{BASE}/counts", arr_min="100", sort="arr", order="desc", limit=2,
               cursor=listed.get_json()["next_cursor"])
    assert same.status_code == 200 and same.get_json() == plain


BAD_ARGUMENTS = [
    ({"status": "lost"}, "status"), ({"status": "active,lost"}, "status"), ({"status": ""}, "status"),
    ({"next_action": "later"}, "next_action"), ({"tz": "Mars/Olympus"}, "tz"), ({"tz": "../etc"}, "tz"),
    ({"arr_min": "-1"}, "arr_min"), ({"arr_max": "lots"}, "arr_max"), ({"arr_min": "NaN"}, "arr_min"),
    ({"arr_min": "10", "arr_max": "5"}, "arr_min"), ({"limit": "0"}, "limit"), ({"limit": "201"}, "limit"),
    ({"sort": "owner"}, "sort"), ({"order": "up"}, "order"), ({"archived": "maybe"}, "archived"),
    ({"mine": "yes"}, "mine"), ({"q": "x" * 201}, "q"), ({"csm_id": "x" * 65}, "csm_id"),
    ({"milestone": ""}, "milestone"), ({"colour": "red"}, "colour"), ({"cursor": "not-a-cursor"}, "cursor"),
]
PAGE_ONLY = ("limit", "sort", "order", "cursor")  # /counts takes them (the list's query string) and ignores them


def test_bad_arguments_are_refused_naming_them(api):
    wrong = []
    for query, field in BAD_ARGUMENTS:
        for path in (BASE,) if field in PAGE_ONLY else (BASE, f"{BASE}/counts"):
            response = api(path, **query)
            named = {e["name"] for e in (response.get_json() or {}).get("errors", [])}
            if response.status_code != 422 or response.content_type != "application/problem+json" \
                    or f"query.{field}" not in named:
                wrong.append((path, query, response.status_code, named))
    assert not wrong


def test_a_cursor_is_refused_in_another_sort_or_order(api):
    cursor = api(BASE, sort="arr", limit=1).get_json()["next_cursor"]
    assert api(BASE, sort="arr", cursor=cursor).status_code == 200
    for other in ({"sort": "created_at"}, {"sort": "arr", "order": "desc"}):
        response = api(BASE, cursor=cursor, **other)
        assert response.status_code == 422
        assert [e["name"] for e in response.get_json()["errors"]] == ["query.cursor"]


def test_the_other_organization_is_not_listed_and_counts_is_not_an_account_id(api):
    assert api.ids["Acme"] in {i["id"] for i in walk(api, q="acme", archived="all")}
    assert len(walk(api, q="acme", archived="all")) == 1
    assert api(f"{BASE}/counts").get_json()["total"] == 6
