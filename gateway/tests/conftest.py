from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from flask import Response

from stitch.common.testing.fakes import FakeUnitOfWork
from stitch.gateway import config
from stitch.gateway.adapters.passwords import Argon2Passwords
from stitch.gateway.adapters.signing_keys import SigningKeys
from stitch.gateway.application.organizations import CreateOrganization, CreateUser
from stitch.gateway.bootstrap import bootstrap
from stitch.gateway.entrypoints.http import create_app

PASSWORD = "correct horse battery staple"
_TABLES = ("organizations", "users", "refresh_tokens", "api_keys", "portal_principals", "custom_domains",
           "email_links", "invitations")


class _Table:
    """One in-memory table of a FakeIdentityUnitOfWork; reads hand out copies, like a database."""

    def __init__(self, uow, name, key="id"):
        self._uow, self._name, self._key = uow, name, key

    @property
    def rows(self):
        return self._uow.working[self._name]

    def add(self, item):
        self.rows[getattr(item, self._key)] = copy.deepcopy(item)

    def save(self, item):
        self.rows[getattr(item, self._key)] = copy.deepcopy(item)

    def where(self, **match):
        return [copy.deepcopy(r) for r in self.rows.values() if all(getattr(r, k) == v for k, v in match.items())]

    def first(self, **match):
        found = self.where(**match)
        return found[0] if found else None


class FakeOrganizations(_Table):
    def get(self, org_id):
        return self.first(id=org_id)

    def by_slug(self, slug):
        return self.first(slug=slug)

    def by_email_domain(self, domain):
        return self.first(email_domain=domain)

    def by_custom_domain(self, domain):
        claimed = self._uow.working["custom_domains"].get(domain)
        return self.get(claimed.org_id) if claimed and claimed.verified_at else None


class FakeUsers(_Table):
    def get(self, org_id, user_id):
        return self.first(org_id=org_id, id=user_id)

    def by_email(self, email):
        return self.first(email=email)

    def of_org(self, org_id, limit=None, after=None):
        users = sorted((u for u in self.where(org_id=org_id) if after is None or u.email > after), key=lambda u: u.email)
        return users[:limit] if limit else users

    def touch(self, user_id, now):
        self.rows[user_id].last_active_at = now


class FakeRefreshTokens(_Table):
    def by_hash(self, token_hash):
        return self.first(token_hash=token_hash)

    def claim(self, token_id, now):
        token = self.rows[token_id]
        if token.used_at or token.revoked_at:
            return False
        token.used_at = now
        return True

    def revoke_family(self, family_id, now):
        for token in self.rows.values():
            if token.family_id == family_id and token.revoked_at is None:
                token.revoked_at = now

    def revoke_subject(self, subject_id, now):
        for token in self.rows.values():
            if token.subject_id == subject_id and token.revoked_at is None:
                token.revoked_at = now


class FakeApiKeys(_Table):
    def by_prefix(self, prefix):
        return self.first(prefix=prefix)

    def of_org(self, org_id):
        return sorted(self.where(org_id=org_id), key=lambda k: k.created_at)

    def touch(self, key_id, now):
        self.rows[key_id].last_used_at = now


class FakePortalPrincipals(_Table):
    def by_contact(self, org_id, contact_id):
        return self.first(org_id=org_id, contact_id=contact_id)

    def get(self, principal_id):
        return self.first(id=principal_id)


class FakeCustomDomains(_Table):
    def get(self, domain):
        return self.first(domain=domain)

    def of_org(self, org_id):
        return sorted(self.where(org_id=org_id), key=lambda d: d.domain)

    def remove(self, domain):
        self.rows.pop(domain, None)


class FakeEmailLinks(_Table):
    def by_hash(self, token_hash):
        return self.first(token_hash=token_hash)

    def spend(self, token_hash, purpose, now):
        link = next((r for r in self.rows.values() if r.token_hash == token_hash), None)
        if link is None or link.purpose != purpose or link.used_at is not None or now >= link.expires_at:
            return None
        link.used_at = now
        return copy.deepcopy(link)

    def replace_unused(self, link):
        for old in self.where(purpose=link.purpose, email=link.email, used_at=None):
            self.rows.pop(old.id)
        self.add(link)
        return True


class FakeInvitations(_Table):
    def get(self, org_id, invitation_id):
        return self.first(org_id=org_id, id=invitation_id)

    def by_hash(self, token_hash):
        return self.first(token_hash=token_hash)

    def pending_for(self, org_id, email):
        return self.first(org_id=org_id, email=email, status="pending")

    def open_of_org(self, org_id):
        return sorted(self.where(org_id=org_id, status="pending"), key=lambda i: i.created_at)

    def accept(self, token_hash, now):
        invitation = next((r for r in self.rows.values() if r.token_hash == token_hash), None)
        if invitation is None or invitation.status != "pending" or now >= invitation.expires_at:
            return None
        invitation.status, invitation.accepted_at = "accepted", now
        return copy.deepcopy(invitation)


class FakeIdentityUnitOfWork(FakeUnitOfWork):
    """The gateway's unit of work in memory, with transactions: changes made inside ``with``
    are kept only if the use case commits."""

    event_namespace = "identity"

    def __init__(self):
        super().__init__("gateway")
        self.state = {name: {} for name in _TABLES}
        self.working = self.state
        self.organizations = FakeOrganizations(self, "organizations")
        self.users = FakeUsers(self, "users")
        self.refresh_tokens = FakeRefreshTokens(self, "refresh_tokens")
        self.api_keys = FakeApiKeys(self, "api_keys")
        self.portal_principals = FakePortalPrincipals(self, "portal_principals")
        self.custom_domains = FakeCustomDomains(self, "custom_domains", key="domain")
        self.email_links = FakeEmailLinks(self, "email_links")
        self.invitations = FakeInvitations(self, "invitations")

    def __enter__(self):
        super().__enter__()
        self.working = copy.deepcopy(self.state)
        return self

    def __exit__(self, *exc):
        super().__exit__(*exc)
        self.working = self.state

    def commit(self):
        super().commit()
        self.state = self.working


class Clock:
    """Starts at the real time (the gateway verifies its own tokens against the real clock)."""

    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


class RecordingForwarder:
    """Stands in for the HTTP forwarder: records what would be sent to which service."""

    def __init__(self):
        self.calls = []

    def forward(self, base_url, incoming, *, path=None, authorization=None, cookies=()):
        headers = dict(incoming.headers)
        if authorization is not None:
            headers["Authorization"] = authorization
        headers.pop("Cookie", None)  # as the real forwarder: only the cookies named pass
        if passed := [f"{name}={incoming.cookies[name]}" for name in cookies if name in incoming.cookies]:
            headers["Cookie"] = "; ".join(passed)
        self.calls.append((base_url, path or incoming.path, headers))
        return Response('{"ok": true}', status=200, mimetype="application/json")


class RecordingMailer:
    """Keeps what the gateway would send; ``link(to)`` is the token of the newest link to ``to``."""

    def __init__(self):
        self.sent = []

    def send(self, mail):
        self.sent.append(mail)

    def to(self, address):
        return [m for m in self.sent if m.to == address]

    def token(self, address):
        mails = [m for m in self.to(address) if "#token=" in m.text]
        assert mails, f"no mail with a link was sent to {address}"
        return mails[-1].text.split("#token=", 1)[1].split()[0]


def fast_passwords(**params):
    """argon2id with test-sized parameters: the same code path, milliseconds instead of 100."""
    return Argon2Passwords(PasswordHasher(**{"time_cost": 1, "memory_cost": 64, "parallelism": 1, **params}))


@pytest.fixture
def keys(tmp_path):
    return SigningKeys.load_or_create(tmp_path / "keys" / "signing-key.json")


@pytest.fixture
def forwarder():
    return RecordingForwarder()


@pytest.fixture
def probes():
    return {name: {"status": "ready", "checks": {"database": {"ok": True}}} for name in config.SERVICES}


@pytest.fixture
def uow():
    return FakeIdentityUnitOfWork()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def dns_records():
    return {}


@pytest.fixture
def mailer():
    return RecordingMailer()


@pytest.fixture
def runtime_with(tmp_path, keys, forwarder, probes, uow, clock, dns_records, mailer):
    def build(passwords=None, **settings):
        return bootstrap(config.load(var_dir=tmp_path, **settings), uow=lambda: uow, keys=keys,
                         probe=lambda urls: probes, forwarder=forwarder, clock=clock,
                         passwords=passwords or fast_passwords(), dns=lambda name: dns_records.get(name, []),
                         mailer=mailer)
    return build


@pytest.fixture
def runtime(runtime_with):
    return runtime_with()


@pytest.fixture
def client_with(runtime_with):
    return lambda **settings: create_app(runtime_with(**settings)).test_client()


@pytest.fixture
def client(runtime):
    return create_app(runtime).test_client()


@pytest.fixture
def acme(runtime):
    """An organization with one user of each role, all with PASSWORD."""
    use = runtime.use_cases
    org = use["create_organization"](CreateOrganization("Acme", "acme", "acme.com"))
    users = {role: use["create_user"](CreateUser("acme", f"{role}@acme.com", role.title(), role, PASSWORD))
             for role in ("admin", "csm", "ae", "viewer")}
    return org, users


@pytest.fixture
def globex(runtime):
    use = runtime.use_cases
    org = use["create_organization"](CreateOrganization("Globex", "globex", "globex.com"))
    return org, use["create_user"](CreateUser("globex", "admin@globex.com", "Hank", "admin", PASSWORD))


@pytest.fixture
def bearer(client, acme):
    """Authorization headers for a role of Acme, signed in through /auth/login."""
    def headers(role="admin", email=None):
        token = client.post("/auth/login", json={"email": email or f"{role}@acme.com", "password": PASSWORD}
                            ).get_json()["access_token"]
        return {"Authorization": f"Bearer {token}"}
    return headers


@pytest.fixture
def admin_token(bearer):
    return bearer("admin")["Authorization"].removeprefix("Bearer ")
