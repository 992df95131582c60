"""Day one over HTTP, in process: sign up with a work email, verify, create the organization or
join it, with the mail a recording mailer keeps."""

from __future__ import annotations

import pytest

from stitch.gateway.application.organizations import CreateOrganization, CreateUser

PASSWORD = "correct horse battery staple"


def sign_up(client, mailer, email="jane@acme.test"):
    answer = client.post("/auth/signup", json={"email": email})
    assert answer.status_code == 202, answer.get_json()
    return answer, mailer.token(email)


def complete(client, token, **extra):
    body = {"token": token, "name": "Jane Doe", "password": PASSWORD,
            "organization": {"name": "Acme", "slug": "acme"}, **extra}
    return client.post("/auth/complete-signup", json=body)


def test_a_work_email_signs_up_verifies_and_founds_the_organization(client, mailer, uow):
    _, token = sign_up(client, mailer)
    [mail] = mailer.to("jane@acme.test")
    assert "/auth/verify-email#token=" in mail.text and mail.text.startswith("Welcome")

    preview = client.post("/auth/verify-email", json={"token": token})
    assert preview.status_code == 200
    assert preview.get_json() == {"email": "jane@acme.test", "email_domain": "acme.test",
                                  "next": "create_organization", "organization_name": None}

    done = complete(client, token, title="Head of CS")
    assert done.status_code == 201, done.get_json()
    body = done.get_json()
    assert body["user"]["role"] == "admin" and body["user"]["title"] == "Head of CS"
    assert body["organization"]["slug"] == "acme" and body["organization"]["email_domain"] == "acme.test"

    login = client.post("/auth/login", json={"email": "jane@acme.test", "password": PASSWORD})
    assert login.status_code == 200
    published = [e.type for e in uow.published]
    assert "identity.organization_created.v1" in published and "identity.user_created.v1" in published


def test_a_personal_email_is_refused_with_the_reason(client, mailer):
    answer = client.post("/auth/signup", json={"email": "jane@gmail.com"})
    assert answer.status_code == 422
    problem = answer.get_json()
    assert answer.content_type == "application/problem+json"
    assert problem["errors"] == [{"name": "json.email", "reason": problem["errors"][0]["reason"]}]
    assert "work email" in problem["errors"][0]["reason"] and "gmail.com" in problem["errors"][0]["reason"]
    assert mailer.sent == []


@pytest.mark.parametrize("email", ["bob@mail.yahoo.com", "x@GMAIL.com", "someone@proton.me"])
def test_personal_domains_and_their_subdomains_are_refused(client, email):
    assert client.post("/auth/signup", json={"email": email}).status_code == 422


def test_a_second_sign_up_from_the_domain_is_told_to_ask_the_admin(client, mailer, uow):
    _, token = sign_up(client, mailer)
    assert complete(client, token).status_code == 201

    answer = client.post("/auth/signup", json={"email": "joe@acme.test"})
    first = client.post("/auth/signup", json={"email": "nobody@fresh.test"})
    assert answer.status_code == first.status_code == 202
    assert answer.get_json() == first.get_json()  # the form tells a stranger nothing
    [mail] = mailer.to("joe@acme.test")
    assert "ask an admin to invite you" in mail.text and "Jane Doe <jane@acme.test>" in mail.text
    assert "#token=" not in mail.text
    assert not any(link.email == "joe@acme.test" for link in uow.state["email_links"].values())


def test_with_auto_join_on_a_second_sign_up_joins_directly(client, mailer):
    _, token = sign_up(client, mailer)
    assert complete(client, token).status_code == 201
    jane = client.post("/auth/login", json={"email": "jane@acme.test", "password": PASSWORD}).get_json()
    turned_on = client.patch("/api/gateway/organization", json={"settings": {"auto_join": True}},
                             headers={"Authorization": f"Bearer {jane['access_token']}"})
    assert turned_on.status_code == 200 and turned_on.get_json()["settings"]["auto_join"] is True

    as_admin = client.patch("/api/gateway/organization", json={"settings": {"auto_join_role": "admin"}},
                            headers={"Authorization": f"Bearer {jane['access_token']}"})
    assert as_admin.status_code == 422  # joining by a mailbox never makes an admin

    _, joe_token = sign_up(client, mailer, "joe@acme.test")
    preview = client.post("/auth/verify-email", json={"token": joe_token}).get_json()
    assert preview["next"] == "join_organization" and preview["organization_name"] == "Acme"
    joined = client.post("/auth/complete-signup", json={"token": joe_token, "name": "Joe", "password": PASSWORD})
    assert joined.status_code == 201, joined.get_json()
    assert joined.get_json()["user"]["role"] == "csm"
    assert joined.get_json()["organization"]["slug"] == "acme"


def test_auto_join_switched_off_after_the_mail_refuses_and_creates_nothing(client, mailer, uow):
    _, token = sign_up(client, mailer)
    complete(client, token)
    jane = client.post("/auth/login", json={"email": "jane@acme.test", "password": PASSWORD}).get_json()
    admin = {"Authorization": f"Bearer {jane['access_token']}"}
    client.patch("/api/gateway/organization", json={"settings": {"auto_join": True}}, headers=admin)
    _, joe_token = sign_up(client, mailer, "joe@acme.test")
    client.patch("/api/gateway/organization", json={"settings": {"auto_join": False}}, headers=admin)
    answer = client.post("/auth/complete-signup", json={"token": joe_token, "name": "Joe", "password": PASSWORD})
    assert answer.status_code == 409 and "invite" in answer.get_json()["detail"]
    assert [u.email for u in uow.state["users"].values()] == ["jane@acme.test"]


def test_a_reused_link_is_gone_and_an_unknown_one_is_not_valid(client, mailer):
    _, token = sign_up(client, mailer)
    assert complete(client, token).status_code == 201
    again = complete(client, token, organization={"name": "Other", "slug": "other"})
    assert again.status_code == 410 and "already used" in again.get_json()["detail"]
    assert client.post("/auth/verify-email", json={"token": token}).status_code == 410
    unknown = client.post("/auth/verify-email", json={"token": "x" * 43})
    assert unknown.status_code == 400 and "not valid" in unknown.get_json()["detail"]


def test_an_expired_link_is_gone_and_creates_nothing(client, mailer, clock, uow):
    _, token = sign_up(client, mailer)
    clock.advance(hours=24, seconds=1)
    answer = complete(client, token)
    assert answer.status_code == 410 and "expired" in answer.get_json()["detail"]
    assert uow.state["users"] == {} and uow.state["organizations"] == {}


def test_a_newer_link_replaces_the_older_one(client, mailer):
    _, first = sign_up(client, mailer)
    _, second = sign_up(client, mailer)
    assert client.post("/auth/verify-email", json={"token": first}).status_code == 400
    assert client.post("/auth/verify-email", json={"token": second}).status_code == 200


def test_a_failed_completion_leaves_nothing_and_the_link_still_works(client, mailer, uow, runtime):
    runtime.use_cases["create_organization"](CreateOrganization("Taken", "acme", "taken.test"))
    _, token = sign_up(client, mailer)
    weak = complete(client, token, password="short")
    assert weak.status_code == 422
    assert weak.get_json()["errors"][0]["name"] == "json.password" and "12" in weak.get_json()["errors"][0]["reason"]
    taken = complete(client, token)
    assert taken.status_code == 409 and "taken" in taken.get_json()["detail"]
    no_org = client.post("/auth/complete-signup", json={"token": token, "name": "Jane", "password": PASSWORD})
    assert no_org.status_code == 422 and no_org.get_json()["errors"][0]["name"] == "json.organization.name"
    assert [o.slug for o in uow.state["organizations"].values()] == ["acme"]
    assert uow.state["users"] == {}
    assert complete(client, token, organization={"name": "Acme", "slug": "acme-inc"}).status_code == 201


def test_signing_up_again_as_an_existing_user_mails_a_reminder_not_a_link(client, mailer, runtime):
    runtime.use_cases["create_organization"](CreateOrganization("Acme", "acme", "acme.test"))
    runtime.use_cases["create_user"](CreateUser("acme", "jane@acme.test", "Jane", "admin", PASSWORD))
    answer = client.post("/auth/signup", json={"email": "Jane@Acme.test"})
    assert answer.status_code == 202
    [mail] = mailer.to("jane@acme.test")
    assert "already has a Stitch account" in mail.text and "#token=" not in mail.text


def test_losing_a_race_for_a_unique_value_is_a_conflict_not_a_crash(runtime, mailer):
    from sqlalchemy.exc import IntegrityError

    from stitch.gateway.entrypoints.http import create_app

    def raced(command):
        raise IntegrityError("INSERT INTO organizations …", {}, Exception("duplicate key"))
    runtime.use_cases["complete_signup"] = raced
    client = create_app(runtime).test_client()
    _, token = sign_up(client, mailer)
    answer = complete(client, token)
    assert answer.status_code == 409 and answer.content_type == "application/problem+json"
    assert "duplicate" not in answer.get_data(as_text=True)  # no SQL detail leaks
