"""Day one on real stores: staff sign-up, invitations and password reset through the HTTP app on
PostgreSQL (migrated by the owner role, used by the app role that owns nothing), and the rate
limits on Redis shared by two gateway replicas.

What the unit tests cannot show with fakes: that only digests of the mailed tokens reach the
database, that a link is spent by exactly one of many racing requests, that a failed sign-up
leaves nothing behind, and that replicas count one budget, not one each.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, text

from stitch.common.runtime import ServiceRuntime
from stitch.common.testing import infra
from stitch.common.testing.databases import TenantDatabase
from stitch.common.testing.racing import all_at_once
from stitch.gateway import config
from stitch.gateway.adapters.passwords import Argon2Passwords
from stitch.gateway.application.organizations import CreateOrganization, CreateUser
from stitch.gateway.bootstrap import bootstrap
from stitch.gateway.domain.credentials import digest
from stitch.gateway.entrypoints.http import create_app

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase for joe"
RACERS = 20
PLENTY = "10000 per minute"  # the per-IP limits, where a test is about something else


class Mailbox:
    """Keeps what the gateway would send (from any thread); ``token(to)``: the newest link's token."""

    def __init__(self) -> None:
        self.sent: list = []
        self._lock = threading.Lock()

    def send(self, mail) -> None:
        with self._lock:
            self.sent.append(mail)

    def to(self, address: str) -> list:
        with self._lock:
            return [m for m in self.sent if m.to == address]

    def token(self, address: str) -> str:
        mails = [m for m in self.to(address) if "#token=" in m.text]
        assert mails, f"no mail with a link was sent to {address}"
        return mails[-1].text.split("#token=", 1)[1].split()[0]


@dataclass
class Gateway:
    """Gateway replicas on one PostgreSQL database, sharing a signing key and a mailbox."""

    db: TenantDatabase
    var_dir: Path
    mailbox: Mailbox = field(default_factory=Mailbox)
    runtimes: list[ServiceRuntime] = field(default_factory=list)
    owner: Engine | None = None

    def runtime(self, **settings) -> ServiceRuntime:
        runtime = bootstrap(config.load(database_url=self.db.app_url, migrate_database_url=self.db.owner_url,
                                        var_dir=self.var_dir, broker_url="memory://", **settings),
                            passwords=Argon2Passwords(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)),
                            probe=lambda urls: {}, dns=lambda name: [], mailer=self.mailbox)
        self.runtimes.append(runtime)
        return runtime

    def rows(self, sql: str, **params) -> list:
        """Read as the owner role: it sees every table, whatever the app role was granted."""
        if self.owner is None:
            self.owner = create_engine(self.db.owner_url)
        with self.owner.connect() as connection:
            return connection.execute(text(sql), params).all()

    def scalar(self, sql: str, **params):
        return self.rows(sql, **params)[0][0]


@pytest.fixture
def gateway(databases, tmp_path) -> Iterator[Gateway]:
    gateway = Gateway(databases.create_with_roles("gateway"), tmp_path)
    gateway.runtime().migrate()
    yield gateway
    for runtime in gateway.runtimes:
        runtime.engine.dispose()
    if gateway.owner is not None:
        gateway.owner.dispose()


# -- helpers -----------------------------------------------------------------------------------------

def login(client, email: str, password: str = PASSWORD) -> dict:
    answer = client.post("/auth/login", json={"email": email, "password": password, "session": "token"})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def bearer(session: dict) -> dict:
    return {"Authorization": f"Bearer {session['access_token']}"}


def unverified_claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def race(apps, path: str, bodies: list[dict]) -> list[int]:
    """POST every body at once, one thread and one test client each, spread over the apps."""
    return all_at_once(len(bodies), lambda i: apps[i % len(apps)].test_client().post(path, json=bodies[i]).status_code)


def seed_org(runtime: ServiceRuntime, slug: str, domain: str, *admins: str):
    use = runtime.use_cases
    org = use["create_organization"](CreateOrganization(slug.title(), slug, domain))
    for email in admins:
        use["create_user"](CreateUser(slug, email, email.split("@")[0], "admin", PASSWORD))
    return org


def assert_too_many(answer) -> None:
    assert answer.status_code == 429, answer.get_json()
    assert answer.content_type == "application/problem+json"
    assert answer.get_json()["status"] == 429
    retry_after = answer.headers.get("Retry-After", "")
    assert retry_after.isdigit() and 0 < int(retry_after) <= 60, retry_after


# -- 1. the day-one journey ----------------------------------------------------------------------------

def day_one(gateway: Gateway) -> dict:
    """Jane founds Acme, invites Joe as a CSM; Joe joins, signs in, forgets his password and
    resets it. Returns every secret the journey handed out, and where its digest must be."""
    runtime = gateway.runtime()
    client = create_app(runtime).test_client()
    mail = gateway.mailbox

    assert client.post("/auth/signup", json={"email": "jane@acme.test"}).status_code == 202
    verification = mail.token("jane@acme.test")
    preview = client.post("/auth/verify-email", json={"token": verification})
    assert preview.status_code == 200 and preview.get_json()["next"] == "create_organization"
    done = client.post("/auth/complete-signup", json={
        "token": verification, "name": "Jane Doe", "password": PASSWORD,
        "organization": {"name": "Acme", "slug": "acme"}})
    assert done.status_code == 201, done.get_json()
    acme, jane_user = done.get_json()["organization"], done.get_json()["user"]
    assert acme["slug"] == "acme" and acme["email_domain"] == "acme.test" and jane_user["role"] == "admin"

    jane = login(client, "jane@acme.test")
    invited = client.post("/api/gateway/invitations", json={"email": "joe@acme.test", "role": "csm"},
                          headers=bearer(jane))
    assert invited.status_code == 201, invited.get_json()
    assert invited.get_json()["status"] == "pending"

    invitation = mail.token("joe@acme.test")
    seen = client.post("/auth/invitation", json={"token": invitation})
    assert seen.status_code == 200, seen.get_json()
    assert seen.get_json()["email"] == "joe@acme.test" and seen.get_json()["role"] == "csm"
    assert seen.get_json()["organization_name"] == "Acme" and seen.get_json()["invited_by"] == "Jane Doe"
    accepted = client.post("/auth/accept-invitation",
                           json={"token": invitation, "name": "Joe Bloggs", "password": PASSWORD})
    assert accepted.status_code == 201, accepted.get_json()
    joe_user = accepted.get_json()
    assert joe_user["role"] == "csm" and joe_user["email"] == "joe@acme.test"

    joe = login(client, "joe@acme.test")
    claims = unverified_claims(joe["access_token"])
    assert claims["role"] == "csm" and claims["org"] == acme["id"] and claims["sub"] == joe_user["id"]
    principal = runtime.verifier.verify(joe["access_token"])  # and the signature holds
    assert (principal.role, principal.org_id, principal.subject) == ("csm", acme["id"], joe_user["id"])
    me = client.get("/api/gateway/me", headers=bearer(joe))
    assert me.status_code == 200 and me.get_json()["email"] == "joe@acme.test"

    # Two sign-ins of Joe's; one of them rotated once, so the reset must end a refreshed chain too.
    other_device = login(client, "joe@acme.test")
    rotated = client.post("/auth/refresh", json={"refresh_token": other_device["refresh_token"]})
    assert rotated.status_code == 200
    rotated = rotated.get_json()

    assert client.post("/auth/forgot-password", json={"email": "joe@acme.test"}).status_code == 202
    reset = mail.token("joe@acme.test")
    assert reset != invitation
    assert client.post("/auth/reset-link", json={"token": reset}).get_json() == {"email": "joe@acme.test"}
    assert client.post("/auth/reset-password", json={"token": reset, "password": NEW_PASSWORD}).status_code == 204
    for old in (joe["refresh_token"], rotated["refresh_token"]):
        assert client.post("/auth/refresh", json={"refresh_token": old}).status_code == 401
    assert client.post("/auth/login", json={"email": "joe@acme.test", "password": PASSWORD}).status_code == 401
    after = login(client, "joe@acme.test", NEW_PASSWORD)

    return {
        "org_id": acme["id"],
        "secrets": {"verification link": verification, "invitation link": invitation, "reset link": reset,
                    "jane's refresh token": jane["refresh_token"], "joe's refresh token": joe["refresh_token"],
                    "joe's other refresh token": other_device["refresh_token"],
                    "joe's rotated refresh token": rotated["refresh_token"],
                    "joe's refresh token after the reset": after["refresh_token"],
                    "jane's access token": jane["access_token"], "joe's access token": joe["access_token"],
                    "the first password": PASSWORD, "the new password": NEW_PASSWORD},
        "digests": {"verification link": ("email_links", "token_hash"),
                    "invitation link": ("invitations", "token_hash"),
                    "reset link": ("email_links", "token_hash"),
                    "jane's refresh token": ("refresh_tokens", "token_hash"),
                    "joe's refresh token": ("refresh_tokens", "token_hash"),
                    "joe's other refresh token": ("refresh_tokens", "token_hash"),
                    "joe's rotated refresh token": ("refresh_tokens", "token_hash"),
                    "joe's refresh token after the reset": ("refresh_tokens", "token_hash")},
    }


def test_day_one_from_sign_up_to_a_reset_password_on_postgresql(gateway):
    journey = day_one(gateway)
    users = gateway.rows("SELECT email, role, org_id FROM users ORDER BY email")
    assert users == [("jane@acme.test", "admin", journey["org_id"]), ("joe@acme.test", "csm", journey["org_id"])]
    assert gateway.rows("SELECT status FROM invitations") == [("accepted",)]
    # Every link spent; every refresh token of Joe's from before the reset revoked.
    assert gateway.scalar("SELECT count(*) FROM email_links WHERE used_at IS NULL") == 0
    assert gateway.scalar("""SELECT count(*) FROM refresh_tokens r JOIN users u ON u.id = r.subject_id
                             WHERE u.email = 'joe@acme.test' AND r.revoked_at IS NULL AND r.used_at IS NULL""") == 1


# -- 2. no raw token at rest ---------------------------------------------------------------------------

def scanned_columns(gateway: Gateway) -> list[tuple[str, str, str]]:
    return [tuple(row) for row in gateway.rows("""
        SELECT c.table_schema, c.table_name, c.column_name
        FROM information_schema.columns c
        JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
        ORDER BY 1, 2, 3""")]


def where_found(gateway: Gateway, needles: list[str]) -> dict[str, set[tuple[str, str]]]:
    """Every (table, column) whose value, cast to text, contains each needle. strpos, not LIKE:
    url-safe tokens contain '_', which LIKE would read as a wildcard."""
    found: dict[str, set[tuple[str, str]]] = {needle: set() for needle in needles}
    for schema, table, column in scanned_columns(gateway):
        for (needle,) in gateway.rows(f"""
                SELECT needle FROM unnest(CAST(:needles AS text[])) AS needle
                WHERE EXISTS (SELECT 1 FROM "{schema}"."{table}" WHERE strpos("{column}"::text, needle) > 0)""",
                                      needles=needles):
            found[needle].add((table, column))
    return found


def test_no_raw_token_or_password_is_anywhere_in_the_database(gateway):
    journey = day_one(gateway)
    scanned = {(table, column) for _, table, column in scanned_columns(gateway)}
    assert {("email_links", "token_hash"), ("invitations", "token_hash"), ("refresh_tokens", "token_hash"),
            ("users", "password_hash"), ("outbox", "envelope"), ("alembic_version", "version_num")} <= scanned

    secrets, digests = journey["secrets"], journey["digests"]
    found = where_found(gateway, list(secrets.values()) + [digest(secrets[name]) for name in digests])
    assert {name: found[secret] for name, secret in secrets.items() if found[secret]} == {}
    # The control: the same scan finds each token's SHA-256, where the gateway keeps it.
    assert {name: found[digest(secrets[name])] for name in digests} == {name: {at} for name, at in digests.items()}


# -- 3. a link is spent once, however many race for it -----------------------------------------------

def test_racing_requests_spend_an_invitation_and_a_reset_link_exactly_once(gateway):
    replicas = [gateway.runtime(token_limit_per_ip=PLENTY), gateway.runtime(token_limit_per_ip=PLENTY)]
    seed_org(replicas[0], "acme", "acme.test", "jane@acme.test")
    apps = [create_app(runtime) for runtime in replicas]
    client = apps[0].test_client()
    invited = client.post("/api/gateway/invitations", json={"email": "joe@acme.test", "role": "csm"},
                          headers=bearer(login(client, "jane@acme.test")))
    assert invited.status_code == 201, invited.get_json()
    invitation = gateway.mailbox.token("joe@acme.test")

    statuses = race(apps, "/auth/accept-invitation", [
        {"token": invitation, "name": f"Joe {i}", "password": PASSWORD} for i in range(RACERS)])
    # 410 for the rest: the link itself was spent once (not a later "email taken" check catching up).
    assert sorted(statuses) == [201] + [410] * (RACERS - 1), statuses
    assert gateway.scalar("SELECT count(*) FROM users WHERE email = 'joe@acme.test'") == 1
    assert gateway.rows("SELECT status FROM invitations") == [("accepted",)]
    assert gateway.scalar("""SELECT count(*) FROM outbox WHERE routing_key = 'identity.user_created.v1'
                             AND envelope::text LIKE '%joe@acme.test%'""") == 1

    assert client.post("/auth/forgot-password", json={"email": "joe@acme.test"}).status_code == 202
    reset = gateway.mailbox.token("joe@acme.test")
    mails_before = len(gateway.mailbox.to("joe@acme.test"))
    passwords = [f"joe's new passphrase number {i:02d}" for i in range(RACERS)]
    statuses = race(apps, "/auth/reset-password", [{"token": reset, "password": p} for p in passwords])
    assert sorted(statuses) == [204] + [410] * (RACERS - 1), statuses
    assert len(gateway.mailbox.to("joe@acme.test")) == mails_before + 1  # one "password changed" mail
    winner = passwords[statuses.index(204)]
    loser = passwords[statuses.index(410)]
    assert client.post("/auth/login", json={"email": "joe@acme.test", "password": winner}).status_code == 200
    assert client.post("/auth/login", json={"email": "joe@acme.test", "password": loser}).status_code == 401



def test_racing_invitations_and_sign_ups_leave_one_live_link_per_address(gateway):
    """A double-clicked "Invite" or "Send me a link": the checks in the use case pass for every
    racer; the partial unique indexes let one win, never a second live link. Invitations' losers
    get 409 (an admin's own request); sign-up's get the same 202 as everyone (a public form)."""
    limits = {"token_limit_per_ip": PLENTY, "link_limit_per_ip": PLENTY, "link_limit_per_email": PLENTY}
    replicas = [gateway.runtime(**limits), gateway.runtime(**limits)]
    seed_org(replicas[0], "acme", "acme.test", "jane@acme.test")
    apps = [create_app(runtime) for runtime in replicas]
    admin = bearer(login(apps[0].test_client(), "jane@acme.test"))
    def post(i: int, path: str, body: dict, headers: dict) -> int:
        return apps[i % len(apps)].test_client().post(path, json=body, headers=headers).status_code

    invites = all_at_once(RACERS, lambda i: post(i, "/api/gateway/invitations",
                                                 {"email": "joe@acme.test", "role": "csm"}, admin))
    assert sorted(invites) == [201] + [409] * (RACERS - 1), invites
    assert gateway.scalar("SELECT count(*) FROM invitations WHERE email = 'joe@acme.test'") == 1

    signups = all_at_once(RACERS, lambda i: post(i, "/auth/signup", {"email": "sam@globex.test"}, {}))
    assert signups == [202] * RACERS, signups  # the losers answer as the winner: no oracle in a 409
    assert gateway.scalar("""SELECT count(*) FROM email_links
                             WHERE email = 'sam@globex.test' AND used_at IS NULL""") == 1


# -- 4. a failed sign-up leaves nothing behind ---------------------------------------------------------

def test_a_sign_up_refused_for_a_taken_slug_leaves_nothing_and_keeps_the_link(gateway):
    runtime = gateway.runtime()
    seed_org(runtime, "acme", "acme.test", "jane@acme.test")
    client = create_app(runtime).test_client()
    assert client.post("/auth/signup", json={"email": "bob@globex.test"}).status_code == 202
    token = gateway.mailbox.token("bob@globex.test")

    def state():
        return (gateway.rows("SELECT slug, email_domain FROM organizations ORDER BY slug"),
                gateway.rows("SELECT email FROM users ORDER BY email"),
                gateway.scalar("SELECT count(*) FROM outbox"),
                gateway.rows("SELECT used_at FROM email_links WHERE token_hash = :h", h=digest(token)))

    before = state()
    assert before[3] == [(None,)]
    body = {"token": token, "name": "Bob", "password": PASSWORD, "organization": {"name": "Globex", "slug": "acme"}}
    taken = client.post("/auth/complete-signup", json=body)
    assert taken.status_code == 409, taken.get_json()
    assert taken.content_type == "application/problem+json" and "taken" in taken.get_json()["detail"]
    assert state() == before  # no org, no user, no event, and the link unspent

    assert client.post("/auth/verify-email", json={"token": token}).status_code == 200
    body["organization"]["slug"] = "globex"
    done = client.post("/auth/complete-signup", json=body)
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["organization"]["slug"] == "globex"
    assert gateway.scalar("SELECT count(*) FROM users WHERE email = 'bob@globex.test'") == 1
    assert client.post("/auth/complete-signup", json=body).status_code == 410


# -- 5. rate limits in Redis, shared by the replicas ---------------------------------------------------

@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """As infra finds PostgreSQL and RabbitMQ: the URL if set, else a container, else skip (fail in CI)."""
    if url := os.environ.get("STITCH_TEST_REDIS_URL"):
        yield url
        return
    if not infra._docker_answers():
        infra.missing("redis")
    from testcontainers.redis import RedisContainer

    with RedisContainer("redis:7-alpine") as container:
        yield f"redis://{container.get_container_host_ip()}:{container.get_exposed_port(container.port)}/0"


@dataclass
class SharedLimits:
    """One test's view of the shared Redis. The limiter's key prefix is fixed ("stitch-gateway"),
    so this run's counters are kept apart by what the keys contain: a fresh marker in every email,
    a client IP of its own, and fresh org ids. Only keys with those markers are deleted after."""

    url: str
    marker: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    markers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ip = f"fd00::{self.marker[:4]}:{self.marker[4:8]}:{self.marker[8:]}"
        self.markers += [self.marker, self.ip]

    def replicas(self, gateway: Gateway, **settings):
        runtimes = [gateway.runtime(rate_limit_storage_url=self.url, **settings) for _ in range(2)]
        clients = [create_app(runtime).test_client() for runtime in runtimes]
        for client in clients:
            client.environ_base["REMOTE_ADDR"] = self.ip
        return runtimes, clients

    def keys(self) -> list[bytes]:
        import redis

        connection = redis.Redis.from_url(self.url)
        try:
            return sorted({key for marker in self.markers for key in connection.scan_iter(match=f"*{marker}*")})
        finally:
            connection.close()

    def forget(self) -> None:
        import redis

        connection = redis.Redis.from_url(self.url)
        try:
            if keys := self.keys():
                connection.delete(*keys)
        finally:
            connection.close()


@pytest.fixture
def shared_limits(redis_url) -> Iterator[SharedLimits]:
    limits = SharedLimits(redis_url)
    yield limits
    limits.forget()


def test_sign_in_attempts_per_address_are_counted_across_replicas(gateway, shared_limits):
    runtimes, replicas = shared_limits.replicas(gateway)
    pat, sam = f"pat.{shared_limits.marker}@acme.test", f"sam.{shared_limits.marker}@acme.test"
    seed_org(runtimes[0], "acme", "acme.test", pat, sam)

    for attempt in range(5):  # the default: 5 per minute per address, alternating replicas
        wrong = replicas[attempt % 2].post("/auth/login", json={"email": pat, "password": f"not it {attempt}"})
        assert wrong.status_code == 401, (attempt, wrong.get_json())
    assert_too_many(replicas[1].post("/auth/login", json={"email": pat, "password": PASSWORD}))
    assert_too_many(replicas[0].post("/auth/login", json={"email": f"  {pat.upper()} ", "password": PASSWORD}))

    # Another address from the same client is not held back.
    assert replicas[0].post("/auth/login", json={"email": sam, "password": "not it"}).status_code == 401
    assert replicas[1].post("/auth/login", json={"email": sam, "password": PASSWORD}).status_code == 200
    assert shared_limits.keys(), "the counters are not in Redis"


def test_the_api_quota_of_an_organization_is_counted_across_replicas(gateway, shared_limits):
    runtimes, replicas = shared_limits.replicas(gateway, org_api_quota="3 per minute")
    acme = seed_org(runtimes[0], "acme", "acme.test", f"jane.{shared_limits.marker}@acme.test")
    globex = seed_org(runtimes[0], "globex", "globex.test", f"hank.{shared_limits.marker}@globex.test")
    shared_limits.markers += [acme.id, globex.id]
    jane = bearer(login(replicas[0], f"jane.{shared_limits.marker}@acme.test"))
    hank = bearer(login(replicas[1], f"hank.{shared_limits.marker}@globex.test"))

    for call in range(3):
        answer = replicas[call % 2].get("/api/gateway/organization", headers=jane)
        assert answer.status_code == 200 and answer.get_json()["slug"] == "acme", (call, answer.get_json())
    assert_too_many(replicas[1].get("/api/gateway/organization", headers=jane))
    assert_too_many(replicas[0].get("/api/gateway/users", headers=jane))  # the quota is for every call

    for replica in replicas:
        assert replica.get("/api/gateway/organization", headers=hank).get_json()["slug"] == "globex"
