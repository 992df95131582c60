"""The account itself over HTTP: creation (one per deal), details, owner, archive, contacts;
problem+json naming fields, ETags, roles and organizations."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from stitch.accounts.entrypoints.http import create_app

BASE = "/api/accounts/accounts"


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 422 and response.content_type == "application/problem+json", response.get_json()
    return {e["name"]: e["reason"] for e in response.get_json()["errors"]}


def test_create_answers_201_with_location_etag_and_events(client, headers, new_account, uow):
    response = client.post(BASE, json=new_account(ae_email="al@northwind.test", industry="Retail"),
                           headers=headers("csm"))
    body = response.get_json()
    assert response.status_code == 201 and response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"{BASE}/{body['id']}" and "Stitch-Existing" not in response.headers
    assert (body["company_name"], body["industry"], body["ae_email"]) == ("Acme", "Retail", "al@northwind.test")
    assert "accounts.account_created.v1" in [e.type for e in uow.published]


def test_the_same_deal_answers_200_with_the_existing_account(client, headers, create, new_account, uow):
    first = create()
    published = len(uow.published)
    again = client.post(BASE, json=new_account(company_name="Acme Inc"), headers=headers())
    assert again.status_code == 200 and again.headers["Stitch-Existing"] == "true"
    assert again.get_json()["id"] == first["id"] and again.get_json()["company_name"] == "Acme"
    assert len(uow.published) == published
    duplicate = client.post(BASE, json=new_account(allow_duplicate=True), headers=headers())
    assert duplicate.status_code == 201 and duplicate.get_json()["duplicate_of"] == first["id"]


def test_a_race_for_the_same_deal_is_a_409(runtime, headers, new_account):
    def racing(*args, **kwargs):
        raise IntegrityError("INSERT INTO accounts", {}, Exception("uq_accounts_deal"))

    runtime.use_cases["create_account"] = runtime.use_cases["change_details"] = racing
    client = create_app(runtime).test_client()
    response = client.post(BASE, json=new_account(), headers=headers())
    assert response.status_code == 409 and "account for this deal" in response.get_json()["detail"]
    other = client.patch(f"{BASE}/some-account", json={"notes": "x"}, headers=headers())
    assert other.status_code == 409 and "deal" not in other.get_json()["detail"]


@pytest.mark.parametrize("change, field", [
    ({"company_name": None}, "json.company_name"),
    ({"company_name": "x" * 201}, "json.company_name"),
    ({"contacts": [{"name": "Jo", "email": "not-an-email"}]}, "json.contacts.0.email"),
    ({"contacts": [{"name": "Jo"}]}, "json.contacts.0.email"),
    ({"contacts": []}, "json.contacts"),
    ({"arr": -1}, "json.arr"),
    ({"arr": "NaN"}, "json.arr"),
    ({"close_date": "soon"}, "json.close_date"),
    ({"ae_email": "al"}, "json.ae_email"),
    ({"external_id": None}, "json.external_id"),  # crm_source without external_id (the domain's rule)
    ({"csm_id": "user-nobody"}, "json.csm_id"),
    ({"template_id": "no-such-template"}, "json.template_id"),
    ({"org_id": "org-2"}, "json.org_id"),  # unknown fields are refused, not ignored
    ({"contacts": [{"name": "Jo", "email": "jo@acme.test", "vip": True}]}, "json.contacts.0.vip"),
])
def test_invalid_input_names_the_field_and_saves_nothing(client, headers, new_account, uow, change, field):
    body = {key: value for key, value in new_account(**change).items() if value is not None or key != "company_name"}
    assert field in errors_of(client.post(BASE, json=body, headers=headers()))
    assert uow.tables["accounts"].rows == {} and uow.published == []


def test_duplicate_contact_emails_are_named_by_position(client, headers, new_account):
    contacts = [{"name": "Jo", "email": "jo@acme.test"}, {"name": "Jo", "email": "JO@acme.test"}]
    assert set(errors_of(client.post(BASE, json=new_account(contacts=contacts), headers=headers()))) == {
        "json.contacts.1.email"}


def test_details_status_owner_and_archive(client, headers, create):
    account = create()
    url = f"{BASE}/{account['id']}"
    changed = client.patch(url, json={"notes": "Prefers email", "arr": "1500", "website": "https://acme.test"},
                           headers=headers("csm"))
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
    assert (changed.get_json()["notes"], changed.get_json()["arr"]) == ("Prefers email", "1500.00")
    assert errors_of(client.patch(url, json={"company_name": ""}, headers=headers())).keys() == {"json.company_name"}

    at_risk = client.post(f"{url}/status", json={"status": "at_risk"}, headers=headers())
    assert at_risk.get_json()["status"] == "at_risk"
    refused = client.post(f"{url}/status", json={"status": "completed"}, headers=headers())
    assert refused.status_code == 409 and refused.get_json()["rule"] == "account.status.not_settable"
    assert refused.get_json()["settable"] == ["active", "at_risk", "churned"]
    assert "json.status" in errors_of(client.post(f"{url}/status", json={"status": "gone"}, headers=headers()))

    owner = client.post(f"{url}/csm", json={"csm_id": "user-admin-unknown"}, headers=headers())
    assert "json.csm_id" in errors_of(owner)

    archived = client.post(f"{url}/archive", json={"reason": "Churned before kickoff"}, headers=headers())
    assert archived.get_json()["archived"] is True
    assert all(a["operations"] == [] for m in archived.get_json()["milestones"] for a in m["actions"])
    read_only = client.patch(url, json={"notes": "x"}, headers=headers())
    assert read_only.status_code == 409 and read_only.get_json()["rule"] == "account.archived"
    restored = client.post(f"{url}/unarchive", json={"reason": "Came back"}, headers=headers())
    assert restored.get_json()["archived"] is False and restored.get_json()["archived_reason"] == ""


def test_contacts_are_added_and_changed(client, headers, create, uow):
    account = create()
    url = f"{BASE}/{account['id']}"
    added = client.post(f"{url}/contacts", json={"name": "Sam Lee", "email": "sam@acme.test", "role": "IT_admin",
                                                 "is_primary": True}, headers=headers())
    assert added.status_code == 201 and added.headers["ETag"] == '"2"'
    contact_id = added.headers["Location"].rsplit("/", 1)[1]
    contacts = {c["id"]: c for c in added.get_json()["contacts"]}
    assert contacts[contact_id]["is_primary"] and contacts[contact_id]["role"] == "it_admin"
    assert [c["is_primary"] for c in added.get_json()["contacts"]] == [False, True]
    changed = client.patch(f"{url}/contacts/{contact_id}", json={"title": "CTO"}, headers=headers())
    assert {c["id"]: c for c in changed.get_json()["contacts"]}[contact_id]["title"] == "CTO"
    keep_primary = client.patch(f"{url}/contacts/{contact_id}", json={"is_primary": False}, headers=headers())
    assert keep_primary.status_code == 409 and keep_primary.get_json()["rule"] == "contact.primary.required"
    assert client.patch(f"{url}/contacts/nobody", json={"title": "x"}, headers=headers()).status_code == 404
    assert "json.email" in errors_of(client.post(f"{url}/contacts", json={"name": "X"}, headers=headers()))


def test_a_stale_if_match_is_refused_with_412(client, headers, create):
    account = create()
    url = f"{BASE}/{account['id']}"
    first = client.patch(url, json={"industry": "Retail"}, headers=headers(**{"If-Match": '"1"'}))
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    stale = client.patch(url, json={"industry": "Banking"}, headers=headers(**{"If-Match": '"1"'}))
    assert stale.status_code == 412 and stale.headers["ETag"] == '"2"'
    assert stale.content_type == "application/problem+json"
    kickoff = account["milestones"][0]["id"]
    stale_start = client.post(f"{url}/milestones/{kickoff}/start", headers=headers(**{"If-Match": '"1"'}))
    assert stale_start.status_code == 412
    current = client.get(url, headers=headers()).get_json()
    assert current["industry"] == "Retail" and current["milestones"][0]["state"] == "pending"
    assert client.patch(url, json={"industry": "x"}, headers=headers(**{"If-Match": "v2"})).status_code == 400


def test_a_viewer_reads_but_writes_nothing(client, headers, create):
    account = create()
    url = f"{BASE}/{account['id']}"
    kickoff = account["milestones"][0]["id"]
    viewer = headers("viewer")
    assert client.get(url, headers=viewer).status_code == 200
    assert client.get(f"{url}/history", headers=viewer).status_code == 200
    for method, path, body in [("POST", "", {"company_name": "X", "contacts": []}), ("PATCH", url, {"notes": "x"}),
                               ("POST", f"{url}/milestones/{kickoff}/start", None),
                               ("POST", f"{url}/archive", {"reason": "x"}),
                               ("POST", f"{url}/contacts", {"name": "X", "email": "x@acme.test"})]:
        response = client.open(path or BASE, method=method, json=body, headers=viewer)
        assert response.status_code == 403, (method, path)
    assert client.get(url, headers=headers()).get_json() == account


def test_another_organization_sees_no_account(client, headers, create):
    account = create()
    url = f"{BASE}/{account['id']}"
    other = headers(org="org-2")
    assert client.get(url, headers=other).status_code == 404
    assert client.get(f"{url}/history", headers=other).status_code == 404
    assert client.patch(url, json={"notes": "mine"}, headers=other).status_code == 404
    start = client.post(f"{url}/milestones/{account['milestones'][0]['id']}/start", headers=other)
    assert start.status_code == 404 and start.content_type == "application/problem+json"
    assert client.get(url, headers=headers()).get_json() == account


def test_a_token_is_required(client, create):
    account = create()
    assert client.get(f"{BASE}/{account['id']}").status_code == 401
