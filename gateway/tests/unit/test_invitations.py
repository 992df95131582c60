"""Invitations: an admin invites by email with a role; the invitee accepts from the mail."""

from __future__ import annotations

from gateway.tests.conftest import PASSWORD


def invite(client, bearer, email="joe@acme.com", role="csm"):
    return client.post("/api/gateway/invitations", json={"email": email, "role": role}, headers=bearer())


def accept(client, token, name="Joe", password=PASSWORD):
    return client.post("/auth/accept-invitation", json={"token": token, "name": name, "password": password})


def test_an_invited_teammate_accepts_and_signs_in_with_the_role(client, bearer, mailer, acme, keys):
    created = invite(client, bearer)
    assert created.status_code == 201
    assert created.get_json()["status"] == "pending" and created.get_json()["send_count"] == 1
    [mail] = mailer.to("joe@acme.com")
    assert "Admin invited you to join Acme" in mail.text and "/auth/accept-invitation#token=" in mail.text
    token = mailer.token("joe@acme.com")

    preview = client.post("/auth/invitation", json={"token": token}).get_json()
    assert preview["organization_name"] == "Acme" and preview["role"] == "csm" and preview["invited_by"] == "Admin"
    joined = accept(client, token)
    assert joined.status_code == 201 and joined.get_json()["role"] == "csm"
    login = client.post("/auth/login", json={"email": "joe@acme.com", "password": PASSWORD})
    assert login.status_code == 200
    assert client.get("/api/gateway/invitations", headers=bearer()).get_json()["items"] == []


def test_pending_invitations_are_listed_resent_and_revoked(client, bearer, mailer, acme, clock):
    admin = bearer()  # signed before the clock moves: tokens are checked against the real time
    bearer = lambda: admin  # noqa: E731
    invitation = invite(client, bearer).get_json()
    first = mailer.token("joe@acme.com")
    listed = client.get("/api/gateway/invitations", headers=bearer()).get_json()["items"]
    assert [i["email"] for i in listed] == ["joe@acme.com"]

    clock.advance(days=8)
    assert client.get("/api/gateway/invitations", headers=bearer()).get_json()["items"][0]["status"] == "expired"
    resent = client.post(f"/api/gateway/invitations/{invitation['id']}/resend", headers=bearer())
    assert resent.status_code == 200 and resent.get_json()["status"] == "pending"
    assert resent.get_json()["send_count"] == 2
    second = mailer.token("joe@acme.com")
    assert second != first
    assert accept(client, first).status_code == 400  # the old link stopped working

    revoked = client.delete(f"/api/gateway/invitations/{invitation['id']}", headers=bearer())
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    gone = accept(client, second)
    assert gone.status_code == 410 and "withdrawn" in gone.get_json()["detail"]
    assert client.get("/api/gateway/invitations", headers=bearer()).get_json()["items"] == []


def test_expired_and_reused_invitations_are_gone_with_a_reason(client, bearer, mailer, acme, clock, uow):
    admin = bearer()  # signed before the clock moves: tokens are checked against the real time
    bearer = lambda: admin  # noqa: E731
    invite(client, bearer)
    token = mailer.token("joe@acme.com")
    clock.advance(days=7, seconds=1)
    expired = accept(client, token)
    assert expired.status_code == 410 and "expired" in expired.get_json()["detail"]
    assert not any(u.email == "joe@acme.com" for u in uow.state["users"].values())

    invite(client, bearer, "ann@acme.com")
    token = mailer.token("ann@acme.com")
    assert accept(client, token, "Ann").status_code == 201
    reused = accept(client, token, "Ann again")
    assert reused.status_code == 410 and "already accepted" in reused.get_json()["detail"]


def test_a_weak_password_spends_nothing(client, bearer, mailer, acme, uow):
    invite(client, bearer)
    token = mailer.token("joe@acme.com")
    weak = accept(client, token, password="too short")
    assert weak.status_code == 422 and weak.get_json()["errors"][0]["name"] == "json.password"
    assert not any(u.email == "joe@acme.com" for u in uow.state["users"].values())
    assert accept(client, token).status_code == 201


def test_only_admins_invite_and_not_existing_users_or_twice(client, bearer, acme, globex, mailer):
    assert invite(client, lambda: bearer("csm")).status_code == 403
    assert invite(client, bearer, "csm@acme.com").status_code == 409  # already a user here
    # Another org's user is invited like anyone (no probing who uses Stitch); accepting says no.
    assert invite(client, bearer, "admin@globex.com").status_code == 201
    assert invite(client, bearer).status_code == 201
    again = invite(client, bearer)
    assert again.status_code == 409 and "resend" in again.get_json()["detail"]
    bad_role = invite(client, bearer, "x@acme.com", role="owner")
    assert bad_role.status_code == 422 and bad_role.get_json()["errors"][0]["name"] == "json.role"


def test_another_orgs_invitation_is_not_found(client, bearer, acme, globex, mailer):
    invitation = invite(client, bearer).get_json()
    hank = client.post("/auth/login", json={"email": "admin@globex.com", "password": PASSWORD}).get_json()
    other = {"Authorization": f"Bearer {hank['access_token']}"}
    assert client.delete(f"/api/gateway/invitations/{invitation['id']}", headers=other).status_code == 404
    assert client.post(f"/api/gateway/invitations/{invitation['id']}/resend", headers=other).status_code == 404
    assert client.get("/api/gateway/invitations", headers=other).get_json()["items"] == []


def test_a_user_of_another_org_cannot_accept_and_nothing_changes(client, bearer, acme, globex, mailer, uow):
    assert invite(client, bearer, "admin@globex.com").status_code == 201
    answer = accept(client, mailer.token("admin@globex.com"), "Hank")
    assert answer.status_code == 409 and "already has a Stitch account" in answer.get_json()["detail"]
    [hank] = [u for u in uow.state["users"].values() if u.email == "admin@globex.com"]
    assert hank.org_id == globex[0].id
