"""The identity flows over the real SQL repositories and the gateway's Alembic history, on
SQLite (embedded mode) and on PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from stitch.gateway import config
from stitch.gateway.adapters.passwords import Argon2Passwords
from stitch.gateway.application.organizations import CreateOrganization, CreateUser
from stitch.gateway.bootstrap import bootstrap
from stitch.gateway.entrypoints.http import create_app

PASSWORD = "correct horse battery staple"


def build(database_url="", var_dir=None, **settings):
    runtime = bootstrap(config.load(var_dir=var_dir, database_url=database_url, broker_url="memory://", **settings),
                        passwords=Argon2Passwords(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)),
                        probe=lambda urls: {}, dns=lambda name: [])
    runtime.migrate()
    use = runtime.use_cases
    for slug in ("acme", "globex"):
        use["create_organization"](CreateOrganization(slug.title(), slug, f"{slug}.com"))
        for role in ("admin", "csm"):
            use["create_user"](CreateUser(slug, f"{role}@{slug}.com", role.title(), role, PASSWORD))
    return runtime


@pytest.fixture
def runtime(tmp_path):
    runtime = build(var_dir=tmp_path)
    yield runtime
    runtime.engine.dispose()


def exercise_identity_flows(runtime):
    """Shared by the SQLite and the PostgreSQL runs: every repository method on a real database."""
    client = create_app(runtime).test_client()

    def sign_in(email):
        response = client.post("/auth/login", json={"email": email, "password": PASSWORD, "session": "token"})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    admin = sign_in("admin@acme.com")
    auth = {"Authorization": f"Bearer {admin['access_token']}"}
    assert client.post("/auth/login", json={"email": "admin@acme.com", "password": "wrong password!"}).status_code == 401

    # rotation and reuse detection
    rotated = client.post("/auth/refresh", json={"refresh_token": admin["refresh_token"]}).get_json()
    assert client.post("/auth/refresh", json={"refresh_token": admin["refresh_token"]}).status_code == 401
    assert client.post("/auth/refresh", json={"refresh_token": rotated["refresh_token"]}).status_code == 401

    # users, scoped to the org
    users = client.get("/api/gateway/users", headers=auth).get_json()["items"]
    assert [u["email"] for u in users] == ["admin@acme.com", "csm@acme.com"]
    csm_id = users[1]["id"]
    assert client.patch(f"/api/gateway/users/{csm_id}", json={"role": "viewer"}, headers=auth).get_json()["role"] == "viewer"
    assert client.patch(f"/api/gateway/users/{users[0]['id']}", json={"role": "csm"}, headers=auth).status_code == 409
    csm_session = sign_in("csm@acme.com")
    assert client.post(f"/api/gateway/users/{csm_id}/deactivate", headers=auth).status_code == 200
    assert client.post("/auth/refresh", json={"refresh_token": csm_session["refresh_token"]}).status_code == 401
    hank = sign_in("admin@globex.com")
    assert client.get(f"/api/gateway/users/{csm_id}",
                      headers={"Authorization": f"Bearer {hank['access_token']}"}).status_code == 404

    # API keys: exchanged at the edge, dead at once when revoked
    created = client.post("/api/gateway/api-keys", json={"name": "CI", "scopes": ["read"]}, headers=auth).get_json()
    key_auth = {"Authorization": f"Bearer {created['key']}"}
    assert client.get("/api/gateway/organization", headers=key_auth).get_json()["slug"] == "acme"
    assert client.delete(f"/api/gateway/api-keys/{created['id']}", headers=auth).status_code == 204
    assert client.get("/api/gateway/organization", headers=key_auth).status_code == 401

    # domains: claim, unverified, released
    assert client.post("/api/gateway/domains", json={"domain": "portal.acme.com"}, headers=auth).status_code == 201
    assert client.post("/api/gateway/domains/portal.acme.com/verify", headers=auth).get_json()["verified"] is False
    assert client.delete("/api/gateway/domains/portal.acme.com", headers=auth).status_code == 204

    # nothing secret at rest
    with runtime.engine.connect() as connection:
        stored = repr(connection.execute(text("SELECT * FROM refresh_tokens")).all()) + \
            repr(connection.execute(text("SELECT * FROM api_keys")).all()) + \
            repr(connection.execute(text("SELECT * FROM users")).all())
    for secret in (admin["refresh_token"], rotated["refresh_token"], created["key"][17:], PASSWORD):
        assert secret not in stored


def test_identity_flows_on_sqlite(runtime):
    exercise_identity_flows(runtime)


@pytest.fixture
def pg_runtime(databases, tmp_path):
    runtime = build(databases.create("gateway"), var_dir=tmp_path)
    yield runtime
    runtime.engine.dispose()


def test_identity_flows_on_postgresql(pg_runtime):
    exercise_identity_flows(pg_runtime)


@pytest.mark.parametrize("store", ["runtime", "pg_runtime"])
def test_parallel_uses_of_one_refresh_token_yield_one_session_at_most(store, request):
    runtime = request.getfixturevalue(store)
    client = create_app(runtime).test_client()
    token = client.post("/auth/login", json={"email": "csm@acme.com", "password": PASSWORD, "session": "token"}
                        ).get_json()["refresh_token"]

    def use(_):
        return create_app(runtime).test_client().post("/auth/refresh", json={"refresh_token": token}).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(use, range(16)))
    assert statuses.count(200) <= 1 and set(statuses) <= {200, 401}


def test_cli_creates_orgs_and_users_and_seeds_the_demo(tmp_path, monkeypatch, capsys):
    import json

    from stitch.gateway.entrypoints.cli import main

    monkeypatch.setenv("STITCH_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("STITCH_BROKER_URL", "memory://")
    with pytest.raises(SystemExit) as exited:
        main(["migrate"])
    assert exited.value.code == 0
    main(["create-org", "--name", "Initech", "--slug", "initech", "--email-domain", "initech.com"])
    monkeypatch.setenv("STITCH_NEW_PASSWORD", PASSWORD)
    main(["create-user", "--org", "initech", "--email", "peter@initech.com", "--name", "Peter", "--role", "admin"])
    monkeypatch.delenv("STITCH_NEW_PASSWORD")
    main(["create-user", "--org", "initech", "--email", "milton@initech.com", "--name", "Milton", "--role", "viewer"])
    main(["seed-demo"])
    main(["seed-demo"])
    lines = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()[-5:]]
    assert lines[0]["slug"] == "initech" and lines[1]["role"] == "admin" and "password" not in lines[1]
    assert len(lines[2]["password"]) >= 20  # generated, printed once
    assert lines[3] == lines[4] and lines[3]["email"] == "admin@demo.stitch.test"
    assert oct((tmp_path / "gateway" / "demo-admin-password").stat().st_mode)[-3:] == "600"
    with pytest.raises(SystemExit) as refused:
        main(["create-org", "--name", "Again", "--slug", "initech", "--email-domain", "x.com"])
    assert refused.value.code == 2

    published_before = {key["kid"] for key in bootstrap(config.load()).use_cases["jwks"]()["keys"]}
    main(["rotate-keys"])
    rotated = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rotated["old_kid"] in published_before and rotated["new_kid"] not in published_before
    gateway = bootstrap(config.load())
    assert {key["kid"] for key in gateway.use_cases["jwks"]()["keys"]} == {rotated["old_kid"], rotated["new_kid"]}
