"""Internal notes on an account, over HTTP on SQLite and on PostgreSQL (the RLS-bound app role).

Everyone of the organization reads them; the owner, collaborators and admins add them; the
author or an admin changes one. The history records each change without the text, and no event
carries a note: the outbox stays as it was.
"""

from __future__ import annotations

import json
import types

import pytest
from sqlalchemy import func, select

from stitch.accounts import config
from stitch.accounts.adapters.tables import account_history, account_notes, metadata
from stitch.accounts.bootstrap import bootstrap
from stitch.accounts.entrypoints.http import create_app

OWNER, COLLABORATOR, OTHER_CSM = "csm-1", "csm-2", "csm-3"


@pytest.fixture
def world(store, kit, clock, test_keys):
    """An account of csm-1 with csm-2 collaborating (and one of another org), the API over ``store``."""
    account = kit.new_account(kit.revision)
    account.add_collaborator(COLLABORATOR, kit.T0, OWNER)
    elsewhere = kit.new_account(kit.revision, org_id=kit.OTHER, external_id="deal-2")
    for org, each in ((kit.ORG, account), (kit.OTHER, elsewhere)):
        with store.uow() as uow:
            uow.set_org(org)
            uow.accounts.add(each)
            uow.commit()
    runtime = bootstrap(config.load(), uow=store.uow, clock=clock, verifier=test_keys.verifier())
    client = create_app(runtime).test_client()

    def as_(sub: str, role: str = "csm", org: str = kit.ORG) -> dict[str, str]:
        return test_keys.bearer(org=org, role=role, sub=sub)

    url = f"/api/accounts/accounts/{account.id}"
    return types.SimpleNamespace(client=client, as_=as_, url=url, notes=f"{url}/notes", elsewhere=elsewhere)


def add(world, sub: str, body: str, role: str = "csm", status: int = 201) -> dict:
    response = world.client.post(world.notes, json={"body": body}, headers=world.as_(sub, role))
    assert response.status_code == status, response.get_json()
    return response.get_json()


def outbox(store) -> list[dict]:
    with store.engine.connect() as db:
        return db.execute(select(metadata.tables["outbox"].c.envelope)).scalars().all()


def version(world) -> int:
    return world.client.get(world.url, headers=world.as_(OWNER)).get_json()["version"]


def test_the_owner_collaborators_and_admins_add_notes_read_newest_first(world, clock):
    first = add(world, OWNER, "  Champion is the COO.\r\nPrefers email.  ")
    assert first["body"] == "Champion is the COO.\nPrefers email." and first["author_id"] == OWNER
    assert first["operations"] == ["edit", "delete"] and first["created_at"] == clock().isoformat()
    clock.advance(minutes=1)
    second = add(world, COLLABORATOR, "IT admin is on leave until Monday.")
    clock.advance(minutes=1)
    third = add(world, "admin-1", "Renewal risk: budget review in Q3.", role="admin")

    page = world.client.get(f"{world.notes}?limit=2", headers=world.as_("viewer-1", "viewer")).get_json()
    assert [n["id"] for n in page["items"]] == [third["id"], second["id"]]
    assert all(n["operations"] == [] for n in page["items"])  # a viewer reads
    rest = world.client.get(f"{world.notes}?limit=2&cursor={page['next_cursor']}",
                            headers=world.as_(COLLABORATOR)).get_json()
    assert [n["id"] for n in rest["items"]] == [first["id"]] and rest["next_cursor"] is None
    mine = world.client.get(world.notes, headers=world.as_(COLLABORATOR)).get_json()["items"]
    assert [n["operations"] for n in mine] == [[], ["edit", "delete"], []]


def test_notes_added_at_one_instant_page_without_loss_or_repeat(world):
    added = {add(world, OWNER, f"Note {n}")["id"] for n in range(5)}  # the clock stands still
    seen, cursor = [], None
    while True:
        page = world.client.get(f"{world.notes}?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                                headers=world.as_(OWNER)).get_json()
        seen += [n["id"] for n in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert len(seen) == 5 and set(seen) == added


def test_who_may_not_add_a_note(world, kit):
    before = version(world)
    refused = world.client.post(world.notes, json={"body": "Mine too"}, headers=world.as_(OTHER_CSM))
    assert refused.status_code == 403 and refused.get_json()["rule"] == "account.not_collaborator"
    assert world.client.post(world.notes, json={"body": "Hi"}, headers=world.as_("v", "viewer")).status_code == 403
    other_org = world.client.post(world.notes, json={"body": "Hi"}, headers=world.as_("a", "admin", kit.OTHER))
    assert other_org.status_code == 404
    assert world.client.get(world.notes, headers=world.as_("a", "admin", kit.OTHER)).status_code == 404
    assert world.client.get(world.notes, headers=world.as_(OWNER)).get_json()["items"] == []
    assert version(world) == before


def test_only_the_author_or_an_admin_changes_a_note(world, clock):
    note = add(world, COLLABORATOR, "Kickoff moved to Thursday.")
    url = f"{world.notes}/{note['id']}"
    for who in (OWNER, OTHER_CSM):  # owning the account is not writing the note
        refused = world.client.patch(url, json={"body": "Changed"}, headers=world.as_(who))
        assert refused.status_code == 403 and refused.get_json()["rule"] == "note.not_author"
        assert world.client.delete(url, headers=world.as_(who)).status_code == 403
    clock.advance(hours=1)
    edited = world.client.patch(url, json={"body": "Kickoff moved to Friday."}, headers=world.as_(COLLABORATOR))
    assert edited.status_code == 200
    body = edited.get_json()
    assert (body["body"], body["updated_by"], body["updated_at"]) == (
        "Kickoff moved to Friday.", COLLABORATOR, clock().isoformat())
    assert world.client.delete(url, headers=world.as_("admin-1", "admin")).status_code == 204
    assert world.client.get(world.notes, headers=world.as_(OWNER)).get_json()["items"] == []
    assert world.client.patch(url, json={"body": "Again"}, headers=world.as_(COLLABORATOR)).status_code == 404
    elsewhere = f"/api/accounts/accounts/{world.elsewhere.id}/notes/{note['id']}"
    assert world.client.delete(elsewhere, headers=world.as_("admin-1", "admin")).status_code == 404


def test_the_history_says_a_note_changed_but_never_what_it_says(world, store):
    events_before = outbox(store)
    note = add(world, OWNER, "Secret-ish: the CFO is sceptical.")
    url = f"{world.notes}/{note['id']}"
    world.client.patch(url, json={"body": "The CFO came round."}, headers=world.as_(OWNER))
    world.client.patch(url, json={"body": "The CFO came round."}, headers=world.as_(OWNER))  # unchanged: no entry
    world.client.delete(url, headers=world.as_(OWNER))

    history = world.client.get(f"{world.url}/history?limit=200", headers=world.as_(OWNER)).get_json()["items"]
    notes = [e for e in history if e["kind"].startswith("note_")]
    assert [(e["kind"], e["actor"], e["detail"]) for e in notes] == [
        (kind, OWNER, {"note_id": note["id"]}) for kind in ("note_added", "note_edited", "note_deleted")]
    assert [e["text"] for e in notes] == ["Internal note added", "Internal note edited", "Internal note deleted"]
    with store.engine.connect() as db:
        stored = db.execute(select(account_history.c.detail)).scalars().all()
    assert not [d for d in stored if "CFO" in json.dumps(d)]
    assert outbox(store) == events_before  # notes are not news for any other service


def test_an_archived_accounts_notes_are_read_only(world, store, kit):
    note = add(world, OWNER, "Before archiving")
    archived = world.client.post(f"{world.url}/archive", json={"reason": "Lost"}, headers=world.as_(OWNER))
    assert archived.status_code == 200
    for response in (world.client.post(world.notes, json={"body": "After"}, headers=world.as_(OWNER)),
                     world.client.patch(f"{world.notes}/{note['id']}", json={"body": "X"}, headers=world.as_(OWNER)),
                     world.client.delete(f"{world.notes}/{note['id']}", headers=world.as_("a", "admin"))):
        assert response.status_code == 409 and response.get_json()["rule"] == "account.archived"
    [kept] = world.client.get(world.notes, headers=world.as_(OWNER)).get_json()["items"]
    assert (kept["body"], kept["operations"]) == ("Before archiving", [])
    with store.uow() as uow:
        uow.set_org(kit.ORG)
        assert uow.session.execute(select(func.count()).select_from(account_notes)).scalar() == 1


@pytest.mark.parametrize("body, reason", [
    ({"body": "   \n\t "}, "is required"),
    ({"body": "bell\x07"}, "control characters"),
    ({"body": "x" * 20_001}, "at most 20000"),
    ({"body": 7}, "Not a valid string"),
    ({}, "Missing data"),
    ({"body": "Hi", "private": True}, "Unknown field"),
])
def test_a_body_that_is_not_a_note_is_named(world, body, reason):
    response = world.client.post(world.notes, json=body, headers=world.as_(OWNER))
    errors = response.get_json()["errors"]
    assert response.status_code == 422 and any(reason in e["reason"] for e in errors), errors
    assert {e["name"] for e in errors} <= {"json.body", "json.private"}


@pytest.mark.parametrize("cursor", [
    "nonsense", "WyJ4Il0", "WyJ5ZXN0ZXJkYXkiLCAiMSJd",
    "WyIyMDI2LTExLTIyVDA5OjMwOjAwIiwgIngiXQ",  # ["2026-11-22T09:30:00", "x"]: a time without its offset
])
def test_a_cursor_this_api_did_not_issue_is_a_422(world, cursor):
    response = world.client.get(f"{world.notes}?cursor={cursor}", headers=world.as_(OWNER))
    assert response.status_code == 422 and response.get_json()["errors"][0]["name"] == "query.cursor"
