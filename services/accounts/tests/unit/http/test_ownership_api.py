"""Ownership over the API: the owner changes everything, collaborators work actions, other CSMs read;
transfers carry a note that stays internal; admins act on every account."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from stitch.accounts.application.ports import StaffUser

ORG, BASE = "org-1", "/api/accounts/accounts"
OWNER, HELPER, OTHER = "user-csm", "user-helper", "user-other"


@pytest.fixture
def team(uow, seeded, clock):
    """Two more CSMs (the seeded one, user-csm, owns the accounts made by ``create``) and an AE."""
    with uow:
        for user_id, name, role in ((HELPER, "Hana Helper", "csm"), (OTHER, "Otto Other", "csm"),
                                    ("user-ae", "Ada Exec", "ae")):
            uow.staff.upsert(ORG, StaffUser(user_id, name, f"{user_id}@northwind.test", role, True), clock())
        uow.commit()


@pytest.fixture
def as_user(test_keys):
    def as_user(user_id: str, role: str = "csm", **extra: str) -> dict[str, str]:
        return {**test_keys.bearer(role=role, org=ORG, sub=user_id), **extra}
    return as_user


@pytest.fixture
def account(create, client, headers, team):
    created = create()
    added = client.post(f"{BASE}/{created['id']}/collaborators", json={"user_id": HELPER}, headers=headers("csm"))
    assert added.status_code == 200, added.get_json()
    return added.get_json()


def _first_milestone(account: dict) -> str:
    return account["milestones"][0]["id"]


def test_the_owner_adds_a_collaborator_and_the_account_shows_them(account):
    assert account["primary_csm_id"] == OWNER
    assert [c["user_id"] for c in account["collaborators"]] == [HELPER]
    assert account["collaborators"][0]["added_by"] == OWNER


def test_a_collaborator_works_actions_but_not_the_account(client, account, as_user, uow):
    url = f"{BASE}/{account['id']}"
    denied = client.patch(url, json={"industry": "Retail"}, headers=as_user(HELPER))
    assert denied.status_code == 403
    assert denied.get_json()["rule"] == "account.not_owner"
    assert denied.headers["Content-Type"] == "application/problem+json"
    assert client.post(f"{url}/milestones/{_first_milestone(account)}/start", headers=as_user(HELPER)).status_code == 403
    manual = next(a for m in account["milestones"] for a in m["actions"] if a["trigger"]["type"] == "manual")
    client.post(f"{url}/milestones/{_first_milestone(account)}/start", headers=as_user(OWNER))
    skipped = client.post(f"{url}/actions/{manual['id']}/skip", json={"reason": "Not needed"}, headers=as_user(HELPER))
    assert skipped.status_code == 200, skipped.get_json()


def test_another_csm_reads_but_changes_nothing(client, account, as_user):
    url = f"{BASE}/{account['id']}"
    assert client.get(url, headers=as_user(OTHER)).status_code == 200
    before = client.get(url, headers=as_user(OTHER)).get_json()
    manual = next(a for m in account["milestones"] for a in m["actions"] if a["trigger"]["type"] == "manual")
    for method, path, body, rule in [
        ("PATCH", "", {"notes": "mine now"}, "account.not_owner"),
        ("POST", "/csm", {"csm_id": OTHER}, "account.not_owner"),
        ("POST", "/collaborators", {"user_id": OTHER}, "account.not_owner"),
        ("POST", f"/actions/{manual['id']}/skip", {"reason": "x"}, "account.not_collaborator"),
        ("DELETE", f"/collaborators/{HELPER}", None, "account.not_owner"),
    ]:
        answer = client.open(url + path, method=method, json=body, headers=as_user(OTHER))
        assert (answer.status_code, answer.get_json()["rule"]) == (403, rule), (method, path)
    assert client.get(url, headers=as_user(OTHER)).get_json() == before


def test_an_admin_acts_on_every_account(client, account, headers):
    answer = client.patch(f"{BASE}/{account['id']}", json={"industry": "Retail"}, headers=headers("admin"))
    assert answer.status_code == 200


def test_an_account_without_an_owner_is_open_to_the_team_and_can_be_taken(client, headers, new_account, as_user,
                                                                          team):
    account = client.post(BASE, json={key: value for key, value in new_account(external_id="deal-2").items()
                                      if key != "csm_id"}, headers=headers()).get_json()
    assert account["primary_csm_id"] is None
    url = f"{BASE}/{account['id']}"
    assert client.patch(url, json={"industry": "Retail"}, headers=as_user(OTHER)).status_code == 200
    taken = client.post(f"{url}/csm", json={"csm_id": OTHER}, headers=as_user(OTHER))
    assert taken.get_json()["primary_csm_id"] == OTHER
    assert client.patch(url, json={"industry": "Media"}, headers=as_user(HELPER)).status_code == 403


def test_a_transfer_keeps_its_note_internal_and_may_keep_the_previous_owner(client, account, as_user, uow):
    url = f"{BASE}/{account['id']}"
    moved = client.post(f"{url}/csm", headers=as_user(OWNER), json={
        "csm_id": OTHER, "note": "Parental leave: Otto covers", "keep_previous_as_collaborator": True})
    assert moved.status_code == 200, moved.get_json()
    body = moved.get_json()
    assert body["primary_csm_id"] == OTHER
    assert {c["user_id"] for c in body["collaborators"]} == {HELPER, OWNER}
    history = client.get(f"{url}/history", headers=as_user(OWNER)).get_json()["items"]
    assigned = [h for h in history if h["kind"] == "csm_assigned"][-1]
    assert assigned["detail"]["note"] == "Parental leave: Otto covers"
    published = [e for e in uow.published if e.type == "accounts.csm_assigned.v1"][-1]
    assert published.data["csm_id"] == OTHER
    assert "Parental leave" not in json.dumps(published.data)  # the note is internal
    # The previous owner now collaborates: they may work actions, not the account.
    assert client.patch(url, json={"industry": "Retail"}, headers=as_user(OWNER)).status_code == 403


def test_collaborators_must_be_people_who_work_accounts(client, account, as_user):
    url = f"{BASE}/{account['id']}/collaborators"
    for user_id, rule in (("user-ae", "a ae cannot work on accounts: choose a CSM or an admin"),
                          ("nobody", "must be an active staff user of this organization")):
        answer = client.post(url, json={"user_id": user_id}, headers=as_user(OWNER))
        assert answer.status_code == 422
        assert answer.get_json()["errors"] == [{"name": "json.user_id", "reason": rule}]
    owner = client.post(url, json={"user_id": OWNER}, headers=as_user(OWNER))
    assert (owner.status_code, owner.get_json()["rule"]) == (409, "collaborator.is_owner")


def test_a_collaborator_may_leave_and_the_owner_may_remove_one(client, account, as_user, uow):
    url = f"{BASE}/{account['id']}/collaborators"
    left = client.delete(f"{url}/{HELPER}", headers=as_user(HELPER))
    assert left.status_code == 200 and left.get_json()["collaborators"] == []
    assert client.delete(f"{url}/{HELPER}", headers=as_user(OWNER)).status_code == 404
    changed = [e.data for e in uow.published if e.type == "accounts.collaborators_changed.v1"]
    assert [(c["user_id"], c["change"], c["collaborator_ids"]) for c in changed] == [
        (HELPER, "added", [HELPER]), (HELPER, "removed", [])]


def test_a_viewer_cannot_add_collaborators(client, account, headers):
    answer = client.post(f"{BASE}/{account['id']}/collaborators", json={"user_id": "user-other"},
                         headers=headers("viewer"))
    assert answer.status_code == 403


def test_manual_creation_asks_for_the_guides_required_fields(client, headers, new_account):
    body = {key: value for key, value in new_account(crm_notes="Champion: Dana").items()
            if key not in ("arr", "close_date")}
    answer = client.post(BASE, json={**body, "contacts": []}, headers=headers())
    assert answer.status_code == 422
    assert {error["name"] for error in answer.get_json()["errors"]} == {"json.arr", "json.close_date", "json.contacts"}
    created = client.post(BASE, json=new_account(crm_notes="Champion: Dana"), headers=headers())
    assert created.status_code == 201
    assert created.get_json()["crm_notes"] == "Champion: Dana"


def test_the_staff_view_shows_the_current_milestone_and_next_action(client, account, as_user, clock):
    url = f"{BASE}/{account['id']}"
    before = client.get(url, headers=as_user(OWNER)).get_json()
    assert before["current_milestone_name"] == account["milestones"][0]["name"]
    assert before["next_action_at"] is None
    client.post(f"{url}/milestones/{_first_milestone(account)}/start", headers=as_user(OWNER))
    after = client.get(url, headers=as_user(OWNER)).get_json()
    assert datetime.fromisoformat(after["next_action_at"]) == clock()
