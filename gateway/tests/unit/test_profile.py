"""The signed-in user's profile, the users page's columns, and tokens that outlive a change."""

from __future__ import annotations

from gateway.tests.conftest import PASSWORD


def test_a_user_edits_their_profile_and_notification_preferences(client, bearer, acme, uow):
    headers = bearer("csm")
    changed = client.patch("/api/gateway/me", headers=headers, json={
        "name": "Casey Smith", "title": "Senior CSM", "avatar_url": "https://cdn.acme.com/casey.png",
        "timezone": "Europe/Paris", "notification_preferences": {"weekly_digest": {"email": False}}})
    assert changed.status_code == 200, changed.get_json()
    me = client.get("/api/gateway/me", headers=headers).get_json()
    assert (me["name"], me["title"], me["avatar_url"], me["timezone"]) == (
        "Casey Smith", "Senior CSM", "https://cdn.acme.com/casey.png", "Europe/Paris")
    assert me["notification_preferences"]["weekly_digest"] == {"email": False, "in_app": False}
    assert me["notification_preferences"]["draft_ready"] == {"email": True, "in_app": True}
    assert uow.published[-1].type == "identity.user_updated.v1"
    assert uow.published[-1].data["title"] == "Senior CSM"
    published = len(uow.published)
    client.patch("/api/gateway/me", headers=headers, json={"timezone": "Asia/Tokyo"})
    assert len(uow.published) == published  # only what services show (name, title, avatar) is an event


def test_bad_profile_values_name_the_field_and_the_rule(client, bearer, acme):
    headers = bearer("csm")
    cases = {"timezone": "Mars/Olympus", "avatar_url": "http://insecure.example/a.png",
             "title": "x" * 101}
    for field, value in cases.items():
        answer = client.patch("/api/gateway/me", headers=headers, json={field: value})
        assert answer.status_code == 422, field
        assert answer.get_json()["errors"][0]["name"].startswith(f"json.{field}"), answer.get_json()
    unknown = client.patch("/api/gateway/me", headers=headers,
                           json={"notification_preferences": {"birthdays": {"email": True}}})
    assert unknown.status_code == 422


def test_the_users_page_shows_joined_and_last_active(client, bearer, acme):
    users = client.get("/api/gateway/users", headers=bearer()).get_json()["items"]
    by_email = {u["email"]: u for u in users}
    assert by_email["admin@acme.com"]["last_active_at"] is not None  # bearer() signed in
    assert by_email["viewer@acme.com"]["last_active_at"] is None
    assert all(u["joined_at"] and u["status"] == "active" for u in users)


def test_changing_the_password_needs_the_current_one_and_ends_sessions(client, acme, mailer):
    session = client.post("/auth/login", json={"email": "csm@acme.com", "password": PASSWORD, "session": "token"})
    headers = {"Authorization": f"Bearer {session.get_json()['access_token']}"}
    wrong = client.post("/api/gateway/me/password", headers=headers,
                        json={"current_password": "not it at all", "new_password": "a brand new passphrase"})
    assert wrong.status_code == 403
    weak = client.post("/api/gateway/me/password", headers=headers,
                       json={"current_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 422 and weak.get_json()["errors"][0]["name"] == "json.new_password"
    done = client.post("/api/gateway/me/password", headers=headers,
                       json={"current_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert done.status_code == 204
    assert client.post("/auth/refresh", json={"refresh_token": session.get_json()["refresh_token"]}).status_code == 401
    assert mailer.to("csm@acme.com")[-1].subject == "Your Stitch password was changed"


def test_a_deactivated_users_token_is_refused_at_once(client, bearer, acme, forwarder):
    org, users = acme
    csm = bearer("csm")
    assert client.get("/api/templates/templates", headers=csm).status_code == 200
    assert client.post(f"/api/gateway/users/{users['csm'].id}/deactivate", headers=bearer()).status_code == 200
    refused = client.get("/api/templates/templates", headers=csm)
    assert refused.status_code == 401 and refused.get_json()["detail"] == "this user is deactivated"
    assert client.get("/api/gateway/me", headers=csm).status_code == 401
    assert len(forwarder.calls) == 1


def test_a_demoted_users_old_token_must_be_refreshed(client, bearer, acme):
    org, users = acme
    old_admin_token = bearer("admin")
    client.patch(f"/api/gateway/users/{users['csm'].id}", json={"role": "admin"}, headers=old_admin_token)
    second_admin = bearer("csm")  # signs in again as admin now
    demoted = client.patch(f"/api/gateway/users/{users['admin'].id}", json={"role": "viewer"}, headers=second_admin)
    assert demoted.status_code == 200
    refused = client.get("/api/gateway/users", headers=old_admin_token)
    assert refused.status_code == 401 and "role has changed" in refused.get_json()["detail"]


def test_the_last_admin_can_be_neither_demoted_nor_deactivated(client, bearer, acme):
    org, users = acme
    admin = bearer()
    assert client.patch(f"/api/gateway/users/{users['admin'].id}", json={"role": "csm"}, headers=admin).status_code == 409
    assert client.post(f"/api/gateway/users/{users['admin'].id}/deactivate", headers=admin).status_code == 409
