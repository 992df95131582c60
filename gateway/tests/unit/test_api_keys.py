"""API keys: shown once, stored as digests, exchanged at the edge for a one-minute scoped token,
and dead the moment they are revoked."""

import pytest

from stitch.common.tokens import JwksSource, TokenVerifier


def _create(client, bearer, scopes=("read",), name="CI export"):
    response = client.post("/api/gateway/api-keys", json={"name": name, "scopes": list(scopes)}, headers=bearer())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _verify(client, authorization):
    jwks = client.get("/.well-known/jwks.json").get_json()
    return TokenVerifier(JwksSource.static(jwks), "stitch", "stitch").verify(authorization.removeprefix("Bearer "))


def test_the_secret_is_shown_once_and_stored_as_a_digest(client, bearer, uow):
    created = _create(client, bearer)
    assert created["key"].startswith(f"stk_{created['prefix']}_") and len(created["key"]) == 60
    listed = client.get("/api/gateway/api-keys", headers=bearer()).get_json()["items"]
    assert [k["id"] for k in listed] == [created["id"]] and "key" not in listed[0]
    assert created["key"][17:] not in repr(uow.state)


def test_a_key_is_exchanged_for_a_short_scoped_token_that_is_forwarded(client, bearer, forwarder, acme):
    created = _create(client, bearer, scopes=("read", "manage_templates"))
    response = client.get("/api/templates/templates", headers={"Authorization": f"Bearer {created['key']}"})
    assert response.status_code == 200
    [(_, _, headers)] = forwarder.calls
    principal = _verify(client, headers["Authorization"])
    assert principal.role == "api_key" and principal.org_id == acme[0].id
    assert principal.scopes == {"read", "manage_templates"} and principal.subject == f"apikey:{created['id']}"
    assert principal.claims["exp"] - principal.claims["iat"] == 60
    assert created["key"] not in headers["Authorization"]


def test_a_revoked_key_stops_at_once(client, bearer, forwarder):
    created = _create(client, bearer)
    key_headers = {"Authorization": f"Bearer {created['key']}"}
    assert client.get("/api/templates/templates", headers=key_headers).status_code == 200
    assert client.delete(f"/api/gateway/api-keys/{created['id']}", headers=bearer()).status_code == 204
    response = client.get("/api/templates/templates", headers=key_headers)
    assert response.status_code == 401 and response.get_json()["detail"] == "the API key is not valid"
    assert len(forwarder.calls) == 1
    listed = client.get("/api/gateway/api-keys", headers=bearer()).get_json()["items"]
    assert listed[0]["revoked_at"] is not None and listed[0]["last_used_at"] is not None


@pytest.mark.parametrize("mangle", [
    lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # right prefix, wrong secret
    lambda k: "stk_" + "z" * 12 + k[16:],  # unknown prefix
    lambda k: k[:30],  # malformed
    lambda k: "stk_",
])
def test_wrong_keys_get_one_answer(client, bearer, forwarder, mangle):
    created = _create(client, bearer)
    response = client.get("/api/templates/templates", headers={"Authorization": f"Bearer {mangle(created['key'])}"})
    assert response.status_code == 401 and response.get_json()["detail"] == "the API key is not valid"
    assert response.headers["WWW-Authenticate"] == "Bearer" and forwarder.calls == []


def test_a_key_can_never_manage_keys_or_users(client, bearer):
    created = _create(client, bearer, scopes=("read", "manage_settings"))
    key_headers = {"Authorization": f"Bearer {created['key']}"}
    assert client.get("/api/gateway/organization", headers=key_headers).status_code == 200
    assert client.get("/api/gateway/api-keys", headers=key_headers).status_code == 403
    assert client.post("/api/gateway/api-keys", json={"name": "x", "scopes": ["read"]},
                       headers=key_headers).status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "scopes": ["manage_users"]}, "json.scopes.0"),
    ({"name": "x", "scopes": []}, "json.scopes"),
    ({"name": "", "scopes": ["read"]}, "json.name"),
    ({"scopes": ["read"]}, "json.name"),
])
def test_bad_key_requests_name_the_field(client, bearer, body, field):
    response = client.post("/api/gateway/api-keys", json=body, headers=bearer())
    assert response.status_code == 422 and field in {e["name"] for e in response.get_json()["errors"]}


def test_only_admins_manage_keys_and_other_orgs_keys_are_invisible(client, bearer, acme, runtime, globex):
    created = _create(client, bearer)
    assert client.get("/api/gateway/api-keys", headers=bearer("csm")).status_code == 403
    hank = runtime.use_cases["login"]("admin@globex.com", "correct horse battery staple").access["access_token"]
    other = {"Authorization": f"Bearer {hank}"}
    assert client.get("/api/gateway/api-keys", headers=other).get_json()["items"] == []
    assert client.delete(f"/api/gateway/api-keys/{created['id']}", headers=other).status_code == 404
