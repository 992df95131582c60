"""The organization and its users through the gateway's own API: scoped to the caller's org,
managed only by admins, and published as identity events."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

EVENTS = Path(__file__).resolve().parents[3] / "docs" / "events"


def _validate(envelope):
    """Hold the gateway to its documented contract (docs/events/<type>.json)."""
    schema = json.loads((EVENTS / f"{envelope.type}.json").read_text())
    base = json.loads((EVENTS / "envelope.schema.json").read_text())
    registry = Registry().with_resource("envelope.schema.json", Resource.from_contents(base))
    Draft202012Validator(schema, registry=registry, format_checker=FormatChecker()).validate(envelope.to_dict())


def test_everyone_reads_their_own_org_and_users(client, bearer, acme):
    org, users = acme
    assert client.get("/api/gateway/organization", headers=bearer("viewer")).get_json()["slug"] == "acme"
    listed = client.get("/api/gateway/users", headers=bearer("viewer")).get_json()
    assert [u["email"] for u in listed["items"]] == ["admin@acme.com", "ae@acme.com", "csm@acme.com", "viewer@acme.com"]
    assert all("password_hash" not in u for u in listed["items"])
    me = client.get("/api/gateway/me", headers=bearer("csm")).get_json()
    assert me["id"] == users["csm"].id and me["role"] == "csm"


def test_users_are_paged_by_email(client, bearer, acme):
    first = client.get("/api/gateway/users?limit=3", headers=bearer()).get_json()
    rest = client.get(f"/api/gateway/users?limit=3&cursor={first['next_cursor']}", headers=bearer()).get_json()
    assert len(first["items"]) == 3 and [u["email"] for u in rest["items"]] == ["viewer@acme.com"]
    assert rest["next_cursor"] is None


def test_another_orgs_user_is_not_found(client, bearer, acme, globex):
    _, hank = globex
    for method in ("get", "patch"):
        response = getattr(client, method)(f"/api/gateway/users/{hank.id}", json={"name": "x"}, headers=bearer())
        assert response.status_code == 404 and response.content_type == "application/problem+json"
    assert client.post(f"/api/gateway/users/{hank.id}/deactivate", headers=bearer()).status_code == 404
    emails = [u["email"] for u in client.get("/api/gateway/users", headers=bearer()).get_json()["items"]]
    assert "admin@globex.com" not in emails


def test_an_admin_changes_a_role_and_the_change_is_published(client, bearer, acme, uow):
    _, users = acme
    response = client.patch(f"/api/gateway/users/{users['viewer'].id}", json={"role": "csm"}, headers=bearer())
    assert response.status_code == 200 and response.get_json()["role"] == "csm"
    event = uow.published[-1]
    assert event.type == "identity.user_updated.v1" and event.data["role"] == "csm" and event.orgid == acme[0].id
    _validate(event)


@pytest.mark.parametrize("role", ["csm", "ae", "viewer"])
def test_only_admins_manage_users(client, bearer, acme, role):
    _, users = acme
    response = client.patch(f"/api/gateway/users/{users['viewer'].id}", json={"role": "admin"}, headers=bearer(role))
    assert response.status_code == 403 and "manage_users" in response.get_json()["detail"]


def test_a_bad_role_names_the_field_and_the_rule(client, bearer, acme):
    _, users = acme
    response = client.patch(f"/api/gateway/users/{users['csm'].id}", json={"role": "owner"}, headers=bearer())
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["name"] == "json.role" and "admin" in error["reason"]


def test_unknown_fields_are_refused_not_ignored(client, bearer, acme):
    _, users = acme
    response = client.patch(f"/api/gateway/users/{users['csm'].id}",
                            json={"name": "Carla", "org_id": "other", "status": "active"}, headers=bearer())
    assert response.status_code == 422
    assert {e["name"] for e in response.get_json()["errors"]} == {"json.org_id", "json.status"}


def test_the_last_admin_cannot_be_demoted_or_deactivated(client, bearer, acme, uow):
    _, users = acme
    admin = users["admin"].id
    published = len(uow.published)
    demote = client.patch(f"/api/gateway/users/{admin}", json={"role": "csm"}, headers=bearer())
    assert demote.status_code == 409 and "admin" in demote.get_json()["detail"]
    assert client.post(f"/api/gateway/users/{admin}/deactivate", headers=bearer()).status_code == 409
    assert len(uow.published) == published and uow.state["users"][admin].role == "admin"


def test_with_a_second_admin_the_first_can_step_down(client, bearer, acme):
    _, users = acme
    client.patch(f"/api/gateway/users/{users['csm'].id}", json={"role": "admin"}, headers=bearer())
    response = client.patch(f"/api/gateway/users/{users['admin'].id}", json={"role": "viewer"}, headers=bearer())
    assert response.status_code == 200


def test_deactivation_is_published_and_idempotent(client, bearer, acme, uow):
    _, users = acme
    first = client.post(f"/api/gateway/users/{users['ae'].id}/deactivate", headers=bearer())
    assert first.status_code == 200 and first.get_json()["status"] == "deactivated"
    count = len(uow.published)
    assert client.post(f"/api/gateway/users/{users['ae'].id}/deactivate", headers=bearer()).status_code == 200
    assert len(uow.published) == count
    event = uow.published[-1]
    assert event.type == "identity.user_deactivated.v1"
    _validate(event)


def test_creating_orgs_and_users_publishes_documented_events(uow, acme):
    types = [e.type for e in uow.published]
    assert types[0] == "identity.organization_created.v1" and types[1:] == ["identity.user_created.v1"] * 4
    for event in uow.published:
        _validate(event)
        assert "password" not in json.dumps(event.to_dict())


def test_admins_change_the_org_settings(client, bearer, acme, uow):
    response = client.patch("/api/gateway/organization", json={"name": "Acme Corp", "settings": {"timezone": "Europe/Berlin"}},
                            headers=bearer())
    body = response.get_json()
    assert body["name"] == "Acme Corp" and body["settings"] == {"timezone": "Europe/Berlin", "locale": "en",
                                                                "auto_join": False, "auto_join_role": "csm"}
    _validate(uow.published[-1])
    assert client.patch("/api/gateway/organization", json={"name": "x"}, headers=bearer("csm")).status_code == 403
    bad = client.patch("/api/gateway/organization", json={"settings": {"locale": "english"}}, headers=bearer())
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["name"] == "json.settings.locale"


@pytest.mark.parametrize("slug, rule", [("api", "reserved"), ("Bad Slug", "lowercase"), ("-x", "lowercase")])
def test_slugs_must_be_dns_labels_and_not_reserved(runtime, slug, rule):
    from stitch.gateway.application.organizations import CreateOrganization
    with pytest.raises(ValueError, match=rule):
        runtime.use_cases["create_organization"](CreateOrganization("X", slug, "x.com"))


def test_one_email_belongs_to_one_org(runtime, acme, globex):
    from stitch.gateway.application.organizations import CreateUser
    from stitch.gateway.domain.identity import IdentityConflict
    with pytest.raises(IdentityConflict):
        runtime.use_cases["create_user"](CreateUser("globex", "CSM@acme.com", "Twin", "csm", None))
