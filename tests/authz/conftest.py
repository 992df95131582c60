"""The whole suite in one process for the persona matrix: the gateway and the five services on
SQLite (migrated once per session), the gateway forwarding to the services' Flask apps in
process, two organizations with their people, keys and objects, and a token per persona.

The cases are sent the way a client sends them: to the gateway's HTTP app. Organizations,
users, API keys, domains and invitations are seeded through the gateway's use cases (users have
no API yet; the rest is faster so), the personas' API keys through the gateway's API, templates
(with their milestones, actions and revisions) and handoff forms through the templates API, and
accounts (in the states the cases need) and the engine settings through the accounts API, with
the org admin's token, straight to the service (what the gateway forwards is the cases' alone);
tokens no API hands out (expired, forged, alg=none) are minted here, and a portal contact's token
comes from the invitation event the gateway consumes. The gateway's mail goes to a recording
mailer, so the tokens of sign-up, reset and invitation links are read from the mail, as a person
would.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import importlib
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import argon2
import pytest
import requests
from flask import Flask
from sqlalchemy import select, update

from stitch.common.envelope import Envelope, new_event
from stitch.common.messaging.consumer import InboxConsumer
from stitch.common.permissions import API_KEY_ROLE, API_KEY_SCOPES, Capability, capabilities_of
from stitch.common.runtime import ServiceRuntime
from stitch.common.testing.fake_slack import FakeSlack
from stitch.common.testing.fakes import TestKeys
from stitch.common.testing.wsgi_forwarder import WsgiForwarder
from stitch.common.tokens import JwksSource, TokenVerifier
from stitch.gateway import config as gateway_config
from stitch.gateway.adapters.forwarder import HOP_BY_HOP, PASSED_REQUEST_HEADERS
from stitch.gateway.adapters.passwords import Argon2Passwords
from stitch.gateway.adapters.signing_keys import SigningKeys
from stitch.gateway.application.organizations import CreateOrganization, CreateUser
from stitch.gateway.application.portal_principals import CONTACT_INVITED
from stitch.gateway.application.tokens import TokenIssuer
from stitch.gateway.bootstrap import bootstrap as gateway_bootstrap
from stitch.gateway.entrypoints.http import create_app as gateway_app

SERVICES = gateway_config.SERVICES  # the five services the gateway routes to
BASE_URLS = {service: f"http://{service}.authz.invalid" for service in SERVICES}  # never resolved
PASSWORD = "correct horse battery staple"
# What a service cannot start without outside dev (env "prod" here): connectors' token key.
SERVICE_SETTINGS = {"connectors": {"token_keys": "suite1:" + base64.b64encode(bytes(range(32))).decode()}}
# The matrix tests authorization, and logs in and calls far more often than a person could: the
# gateway's rate limits (sign-in and mailed links per address and IP, link tokens per IP, the
# per-org API quota) would answer 429 long before the matrix is through. They have their own
# tests (gateway/tests); here every limit is set out of reach.
# Every gateway setting that is a rate ("<n> per <period>"), so a limit added later is covered too.
NO_RATE_LIMITS = {f.name: "100000 per minute" for f in dataclasses.fields(gateway_config.Settings)
                  if isinstance(f.default, str) and re.fullmatch(r"\d+ per \w+", f.default)}


# -- the parts ----------------------------------------------------------------------------------

def service_modules(service: str) -> tuple[Any, Any, Any]:
    return tuple(importlib.import_module(f"stitch.{service}.{name}")
                 for name in ("config", "bootstrap", "entrypoints.http"))  # type: ignore[return-value]


def apply_event(runtime: ServiceRuntime, envelope: Envelope) -> None:
    """Run the part's handler for ``envelope`` in the consumer's inbox transaction (no broker)."""
    InboxConsumer(service=runtime.settings.service, topology=runtime.topology, connect=lambda: None,
                  uow_factory=runtime.uow, handlers=runtime.event_handlers, engine=runtime.engine,
                  metadata=runtime.metadata, embedded=True).apply(envelope)


def deliver_events(runtimes: dict[str, ServiceRuntime]) -> int:
    """Hand every unsent outbox event of every part to every part that handles its type, through
    the consumer's own inbox transaction (what the relay and the broker would do). Returns how
    many events were handed over."""
    delivered = 0
    for runtime in runtimes.values():
        outbox = runtime.metadata.tables["outbox"]
        with runtime.engine.begin() as db:
            rows = db.execute(select(outbox.c.seq, outbox.c.envelope).where(outbox.c.sent_at.is_(None))
                              .order_by(outbox.c.seq)).all()
            for row in rows:
                envelope = Envelope.from_dict(row.envelope)
                for consumer in runtimes.values():
                    if envelope.type in consumer.event_handlers:
                        apply_event(consumer, envelope)
                        delivered += 1
                db.execute(update(outbox).where(outbox.c.seq == row.seq).values(sent_at=datetime.now(UTC)))
    return delivered


class RecordingMailer:
    """Keeps the mail the gateway sends (synchronously: the token is there when the call returns)."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, mail: Any) -> None:
        self.sent.append(mail)

    def token(self, address: str) -> str:
        """The token of the newest link mailed to ``address`` (links end in ``#token=<token>``)."""
        texts = [mail.text for mail in self.sent if mail.to == address and "#token=" in mail.text]
        assert texts, f"no mail with a link was sent to {address}"
        return texts[-1].split("#token=", 1)[1].split()[0]


# -- organizations, people, objects --------------------------------------------------------------

@dataclasses.dataclass
class Org:
    key: str  # "A" or "B"
    tag: str  # in every name, slug, email and domain of this org: its data is findable in a body
    id: str
    slug: str
    email_domain: str
    admin_id: str
    admin_email: str
    markers: set[str] = dataclasses.field(default_factory=set)  # strings only this org's data holds
    seeds: dict[str, str] = dataclasses.field(default_factory=dict)  # seed kind → one shared object
    users: dict[str, Any] = dataclasses.field(default_factory=dict)  # role → User

    def unique(self) -> str:
        return f"{self.tag}x{uuid.uuid4().hex[:8]}"


@dataclasses.dataclass(frozen=True)
class Persona:
    """Who calls. ``kind``: "unauthenticated" (every protected call is a 401), "other_org" (org B's
    admin), "member" (a staff user or API key of org A, allowed what its capabilities allow),
    "direct" (straight to a service, past the gateway), "detour" (through the gateway by a path
    that starts public and leads elsewhere: /api/<service>/docs/../<rest>)."""

    name: str
    kind: str
    headers: dict[str, str]
    capabilities: frozenset[str] = frozenset()
    org: str = "A"
    description: str = ""


# The smallest template a publish accepts: one milestone with one action (docs/templates/format.md).
PLAN = [{"name": "Kickoff", "actions": [{"label": "Welcome", "type": "SEND_EMAIL", "content": {
    "subject": "Hi {{company_name}}", "body": "Hello {{contact_first_name}}"}}]}]
QUESTIONS = [{"text": "Who signed the contract?", "type": "text", "required": True}]
# The states an account seed can be in ("account": just created, its one milestone pending).
ACCOUNT_STATES = ("account", "started_account", "blocked_account", "archived_account", "ready_account",
                  "executed_account", "scheduled_account")


class Suite:
    # What Suite.seed can create. "milestone" and "action" belong to the template seeded last in
    # the org, so list a template parameter before them (the matrix seeds parameters in order);
    # likewise "account_milestone", "account_action" and "account_contact" the account seeded last.
    SEED_KINDS = ("user", "api_key", "domain", "template", "milestone", "action", "published_template",
                  "archived_template", "handoff_form", "archived_handoff_form", "first_number", "invitation",
                  "account", "account_milestone", "account_action", "account_contact", "account_collaborator", "account_note",
                  *ACCOUNT_STATES[1:], "pool", "scheduled_action", "slack_connection", "delivery",
                  "slack_account_channel")
    password = PASSWORD  # every seeded staff user's
    # Whether "slack_connection" connects org A's Slack: only the persona matrix's suite, whose
    # connectors reaches a FakeSlack (MatrixSuite); elsewhere an org starts with no Slack, as a new one does.
    connects_slack = False

    def __init__(self, root: Path, settings: dict[str, dict[str, Any]] | None = None) -> None:
        """``settings``: per service, settings that differ from the suite's (an SMTP server, a fake Slack)."""
        self.root = root
        self.keys = SigningKeys.load_or_create(root / "gateway-keys" / "signing-key.json")
        self.forger = TestKeys(kid=self.keys.kid)  # a key of our own under the gateway's kid
        self.verifier = TokenVerifier(JwksSource.from_callable(self.keys.jwks), "stitch", "stitch")
        self.mailer = RecordingMailer()
        self.runtimes: dict[str, ServiceRuntime] = {}
        self.apps: dict[str, Flask] = {}
        for service in SERVICES:
            config, bootstrap, http = service_modules(service)
            runtime = bootstrap.bootstrap(config.load(var_dir=root, broker_url="memory://", database_url="",
                                                      env="prod", **SERVICE_SETTINGS.get(service, {}),
                                                      **(settings or {}).get(service, {})),
                                          verifier=self.verifier)
            runtime.migrate()
            self.runtimes[service] = runtime
            self.apps[service] = http.create_app(runtime)
        self.forwarder = WsgiForwarder({BASE_URLS[s]: self.apps[s] for s in SERVICES},
                                       passed_headers=PASSED_REQUEST_HEADERS, hop_by_hop=HOP_BY_HOP)
        self.gateway_runtime = self.build_gateway_runtime(env="prod")
        self.gateway_runtime.migrate()
        self.runtimes["gateway"] = self.gateway_runtime
        self.apps["gateway"] = gateway_app(self.gateway_runtime)
        self.gateway = self.apps["gateway"].test_client()
        self.use = self.gateway_runtime.use_cases
        self._admin_tokens: dict[str, str] = {}
        self._last_template: dict[str, dict[str, Any]] = {}  # org key → the template seeded last (as read)
        self._last_account: dict[str, dict[str, Any]] = {}  # org key → the account seeded last (as read)
        self._account_template: dict[str, str] = {}  # org key → the published template accounts are made of
        self.orgs = {key: self._create_org(key) for key in ("A", "B")}
        for org in self.orgs.values():
            self._seed_shared(org)
        self.personas = self._personas()

    def build_gateway_runtime(self, env: str) -> ServiceRuntime:
        settings = gateway_config.load(var_dir=self.root, broker_url="memory://", database_url="", env=env,
                                       **{f"{s}_url": BASE_URLS[s] for s in SERVICES}, **NO_RATE_LIMITS)
        fast = Argon2Passwords(argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        return gateway_bootstrap(settings, keys=self.keys, forwarder=self.forwarder, probe=self.forwarder.probe,
                                 passwords=fast, dns=lambda name: [], mailer=self.mailer)

    def build_gateway_app(self, env: str) -> Flask:
        return gateway_app(self.build_gateway_runtime(env))

    # -- calling --------------------------------------------------------------------------------
    def call(self, method: str, path: str, *, headers: dict[str, str] | None = None, body: Any = None,
             direct: str | None = None):
        """One request through the gateway (or straight to the service ``direct`` names)."""
        client = self.forwarder.apps[BASE_URLS[direct]].test_client() if direct else self.gateway
        kwargs: dict[str, Any] = {"headers": headers or {}}
        if body is not None:
            kwargs["json"] = body
        return client.open(path, method=method, **kwargs)

    def as_admin(self, org: str = "A") -> dict[str, str]:
        return self.personas[("admin" if org == "A" else "other_org")].headers

    def deliver_events(self) -> int:
        return deliver_events(self.runtimes)

    @contextlib.contextmanager
    def serving_gateway(self, app: Flask) -> Iterator[None]:
        """Send this suite's calls to another gateway app (same database) for a while."""
        previous = self.gateway
        self.gateway = app.test_client()
        try:
            yield
        finally:
            self.gateway = previous

    @contextlib.contextmanager
    def serving(self, service: str, app: Flask) -> Iterator[None]:
        """Route the gateway's traffic for ``service`` to ``app`` for a while (negative controls)."""
        url = BASE_URLS[service]
        previous = self.forwarder.apps[url]
        self.forwarder.apps[url] = app
        try:
            yield
        finally:
            self.forwarder.apps[url] = previous

    # -- organizations and seeds ----------------------------------------------------------------
    def _create_org(self, key: str) -> Org:
        tag = f"{'alpha' if key == 'A' else 'bravo'}{uuid.uuid4().hex[:8]}"
        org = self.use["create_organization"](CreateOrganization(f"Org {tag}", tag, f"{tag}.example"))
        made = Org(key=key, tag=tag, id=org.id, slug=org.slug, email_domain=org.email_domain, admin_id="",
                   admin_email=f"admin@{tag}.example")
        for role in ("admin", "csm", "ae", "viewer"):
            user = self.use["create_user"](CreateUser(org.slug, f"{role}@{tag}.example", f"{role.title()} {tag}",
                                                      role, PASSWORD))
            made.users[role] = user
            made.markers.add(user.id)
        made.admin_id = made.users["admin"].id
        made.markers |= {tag, org.id}
        return made

    def login(self, email: str) -> dict[str, Any]:
        response = self.gateway.post("/auth/login", json={"email": email, "password": PASSWORD, "session": "token"})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def _bearer(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def seed(self, kind: str, org_key: str = "A") -> str:
        """A new object of ``kind`` in the org; returns what the API's paths name it by."""
        org = self.orgs[org_key]
        unique = org.unique()
        if kind == "user":
            user = self.use["create_user"](CreateUser(org.slug, f"user-{unique}@{org.email_domain}",
                                                      f"User {unique}", "viewer", None))
            value = user.id
        elif kind == "api_key":
            key, _secret = self.use["create_api_key"](org.id, f"Key {unique}", ["read"], org.admin_id)
            value = key.id
        elif kind == "domain":
            value = self.use["claim_domain"](org.id, f"portal-{unique}.{org.email_domain}").domain
        elif kind == "invitation":
            value = self.use["invite"](org.id, org.admin_id, f"invitee-{unique}@{org.email_domain}", "csm").id
        elif kind == "first_number":
            return "1"  # the first revision of a published template, the first version of a handoff form
        elif kind in ("template", "published_template", "archived_template"):
            value = self._seed_template(org, unique, kind)
        elif kind == "milestone":
            value = self._last_template[org.key]["milestones"][0]["id"]
        elif kind == "action":
            value = self._last_template[org.key]["milestones"][0]["actions"][0]["id"]
        elif kind in ACCOUNT_STATES:
            value = self._seed_account(org, unique, kind)
        elif kind == "account_milestone":
            value = self._last_account[org.key]["milestones"][0]["id"]
        elif kind == "account_action":
            value = self._last_account[org.key]["milestones"][0]["actions"][-1]["id"]
        elif kind == "account_contact":
            value = self._last_account[org.key]["contacts"][0]["id"]
        elif kind == "scheduled_action":  # a scheduled_account's Follow-up, due 24 hours after its start
            self._seed_account(org, unique, "scheduled_account")
            value = self._last_account[org.key]["milestones"][0]["actions"][-1]["id"]
        elif kind == "pool":  # a round-robin pool of the org's CSM, no cap
            value = self._accounts_api(org, "POST", "/pools", {"name": f"Pool {unique}", "rule": "round_robin",
                                                               "members": [org.users["csm"].id]}, 201)["id"]
        elif kind == "account_note":  # a note by org A's admin on the account seeded last
            value = self._accounts_api(org, "POST", f"/accounts/{self._last_account[org.key]['id']}/notes",
                                       {"body": f"Note {unique}"}, 201)["id"]
        elif kind == "account_collaborator":  # the org's CSM, added to the account seeded last
            value = org.users["csm"].id
            self._accounts_api(org, "POST", f"/accounts/{self._last_account[org.key]['id']}/collaborators",
                               {"user_id": value})
        elif kind in ("handoff_form", "archived_handoff_form"):
            value = self._seed_handoff_form(org, unique, archived=kind == "archived_handoff_form")
        elif kind == "slack_connection":  # the provider's name, not an id: no marker (every org's answers name it)
            self._seed_slack_connection(org)
            self.deliver_events()
            return "slack"
        elif kind == "delivery":  # a test email the org's admin sent to themselves (kept in the delivery log)
            response = self.call("POST", "/api/connectors/test-messages", headers=self._admin_headers(org),
                                 body={"channel": "email"}, direct="connectors")
            assert response.status_code == 200, response.get_data(as_text=True)
            value = response.get_json()["id"]
        elif kind == "slack_account_channel":  # a Slack channel set for the account seeded last; names the account
            value = self._last_account[org.key]["id"]
            response = self.call("PUT", f"/api/connectors/slack/account-channels/{value}", direct="connectors",
                                 headers=self._admin_headers(org), body={"channel": f"#onboarding-{unique}"})
            assert response.status_code == 200, response.get_data(as_text=True)
        else:
            raise KeyError(f"no seed of kind {kind!r}: add one to Suite.seed")
        org.markers.add(value)
        # What the relay would do: read models learn of the seed, and no event waits long enough
        # to fail the readiness check (relay lag). Before the case's snapshot, so it sees none of it.
        self.deliver_events()
        return value

    def _templates_api(self, org: Org, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        """Seeds are made through the templates API as the org's admin, but not through the
        gateway: the calls the gateway forwards are the cases' alone."""
        response = self.call(method, f"/api/templates{path}", headers=self._admin_headers(org), body=body,
                             direct="templates")
        assert response.status_code == status, f"{method} {path}: {response.get_data(as_text=True)}"
        return response.get_json()

    def _seed_template(self, org: Org, unique: str, kind: str) -> str:
        """A draft with one milestone and one action ("template", never published); one published
        twice, a change in between, so revisions 1 and 2 differ ("published_template"); or an
        archived one ("archived_template")."""
        created = self._templates_api(org, "POST", "/templates", {"name": f"Template {unique}", "milestones": PLAN},
                                      201)
        template_id = created["id"]
        if kind == "published_template":
            self._templates_api(org, "POST", f"/templates/{template_id}/publish", status=201)
            self._templates_api(org, "PATCH", f"/templates/{template_id}", {"description": f"Changed {unique}"})
            self._templates_api(org, "POST", f"/templates/{template_id}/publish", status=201)
        elif kind == "archived_template":
            self._templates_api(org, "POST", f"/templates/{template_id}/archive")
        self._last_template[org.key] = self._templates_api(org, "GET", f"/templates/{template_id}")
        return template_id

    def _seed_handoff_form(self, org: Org, unique: str, *, archived: bool) -> str:
        """A form with version 1 published and a rewording since (so it can be published again),
        or an archived one."""
        form_id = self._templates_api(org, "POST", "/handoff-forms", {"name": f"Form {unique}",
                                                                     "questions": QUESTIONS}, 201)["id"]
        self._templates_api(org, "POST", f"/handoff-forms/{form_id}/publish", status=201)
        self._templates_api(org, "PATCH", f"/handoff-forms/{form_id}", {"description": f"Reworded {unique}"})
        if archived:
            self._templates_api(org, "POST", f"/handoff-forms/{form_id}/archive")
        return form_id

    def _seed_slack_connection(self, org: Org) -> None:
        """Org A's Slack connected (again, after a case disconnected it) through connectors' own
        OAuth use cases against the suite's FakeSlack, the browser's visit a real request. Org B
        connects none: /connections/slack names the caller's own connection, so org B's admin,
        having none, gets the 404 that shows org A's cannot be reached through the path."""
        use = self.runtimes["connectors"].use_cases
        if not self.connects_slack or org.key != "A" or any(
                c.provider == "slack" and c.active for c in use["connections"](org.id)):
            return
        started = use["start_connect"](org.id, org.admin_id, "slack", None)
        answer = requests.get(started.authorization_url, allow_redirects=False, timeout=10)
        returned = parse_qs(urlsplit(answer.headers["Location"]).query)
        use["finish_connect"]("slack", state=returned["state"][0], browser_secret=started.browser_secret,
                              code=returned["code"][0], error=None)
        org.markers |= {c.id for c in use["connections"](org.id) if c.provider == "slack"}

    def _accounts_api(self, org: Org, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        """Like :meth:`_templates_api`, for the accounts service."""
        response = self.call(method, f"/api/accounts{path}", headers=self._admin_headers(org), body=body,
                             direct="accounts")
        assert response.status_code == status, f"{method} {path}: {response.get_data(as_text=True)}"
        return response.get_json()

    def account_template(self, org: Org) -> str:
        """A published template (PLAN: one milestone, one manual email) the accounts service knows."""
        if org.key not in self._account_template:
            created = self._templates_api(org, "POST", "/templates", {"name": f"Accounts {org.unique()}",
                                                                      "milestones": PLAN}, 201)
            self._templates_api(org, "POST", f"/templates/{created['id']}/publish", status=201)
            self.deliver_events()  # the accounts service learns the revision (the consumer's job)
            self._account_template[org.key] = created["id"]
            org.markers.add(created["id"])
        return self._account_template[org.key]

    def _seed_account(self, org: Org, unique: str, state: str) -> str:
        """An account of the org's account template (its email fires when the milestone starts),
        brought into ``state`` through the accounts API. The action a state is about is the last of
        the first milestone ("account_action"): added to the account where the template has none."""
        account = self._accounts_api(org, "POST", "/accounts", {
            "company_name": f"Account {unique}", "arr": 1000, "close_date": "2026-11-20",
            "template_id": self.account_template(org),
            "contacts": [{"name": f"Contact {unique}", "email": f"contact-{unique}@{org.email_domain}"}]}, 201)
        url, milestone = f"/accounts/{account['id']}", account["milestones"][0]["id"]
        added = {"started_account": {"label": "Call", "type": "SEND_EMAIL", "trigger": {"type": "manual"},
                                     "content": {"subject": "Hi", "body": "Hello"}},
                 "executed_account": {"label": "Intake", "type": "COLLECT_INFO", "trigger": {"type": "manual"},
                                      "content": {"fields": [{"key": "size", "label": "Team size", "type": "text"}]}},
                 "scheduled_account": {"label": "Follow-up", "type": "SEND_EMAIL",
                                       "trigger": {"type": "milestone_start", "delay_hours": 24},
                                       "content": {"subject": "Hi", "body": "Hello"}}}.get(state)
        if added:
            self._accounts_api(org, "POST", f"{url}/milestones/{milestone}/actions", added, 201)
        if state in ("started_account", "ready_account", "executed_account", "scheduled_account"):
            self._accounts_api(org, "POST", f"{url}/milestones/{milestone}/start")
        if state == "ready_account":
            while self.runtimes["accounts"].use_cases["run_due_jobs"]():  # the scheduler writes the email's draft
                pass  # (a scan takes a batch; earlier seeds may have left due jobs ahead of this one)
        if state == "executed_account":  # a portal task is published (executed) when it starts
            action = self._accounts_api(org, "GET", url)["milestones"][0]["actions"][-1]["id"]
            self._accounts_api(org, "POST", f"{url}/actions/{action}/start")
        if state == "blocked_account":
            self._accounts_api(org, "POST", f"{url}/milestones/{milestone}/block", {"note": f"Waiting {unique}"})
        if state == "archived_account":
            self._accounts_api(org, "POST", f"{url}/archive", {"reason": f"Archived {unique}"})
        self._last_account[org.key] = self._accounts_api(org, "GET", url)
        return account["id"]

    def placeholder(self, name: str, params: dict[str, str]) -> str:
        """A body's {placeholder} for an id inside the case's seeded objects (no YAML can know
        it): {first_milestone} is the first milestone of the template ``params`` name,
        {first_action} the first action of the milestone ``params`` name, {csm_id} org A's CSM, and
        {account_template} the published template org A's account seeds are made of. Seeds are org A's."""
        if name in ("first_milestone", "first_action"):
            template = self.runtimes["templates"].use_cases["get_template"](self.orgs["A"].id, params["template_id"])
            if name == "first_milestone":
                return template.milestones[0].id
            return template.milestone(params["milestone_id"]).actions[0].id
        if name == "csm_id":
            return self.orgs["A"].users["csm"].id
        if name == "account_template":
            return self.account_template(self.orgs["A"])
        if name == "pool_id":
            return self.orgs["A"].seeds["pool"]
        raise KeyError(f"unknown placeholder {{{name}}}")

    # -- the tokens of mailed links (a fresh one per use: spending one must not starve the next) ----
    def signup_token(self, org_key: str = "A") -> str:
        """A sign-up verification link for a new address of a new domain (no org has it)."""
        unique = self.orgs[org_key].unique()
        email = f"new-{unique}@fresh-{unique}.example"
        self.use["request_signup"](email)
        return self.mailer.token(email)

    def reset_token(self, org_key: str = "A") -> str:
        """A password reset link of a new user of the org (never the admin the suite signs in as:
        a reset ends every session of the user)."""
        org = self.orgs[org_key]
        unique = org.unique()
        user = self.use["create_user"](CreateUser(org.slug, f"reset-{unique}@{org.email_domain}",
                                                  f"Reset {unique}", "viewer", PASSWORD))
        org.markers.add(user.id)
        self.use["request_password_reset"](user.email)
        return self.mailer.token(user.email)

    def invitation_token(self, org_key: str = "A") -> str:
        """An invitation link to the org, sent by its admin."""
        org = self.orgs[org_key]
        email = f"invitee-{org.unique()}@{org.email_domain}"
        org.markers.add(self.use["invite"](org.id, org.admin_id, email, "csm").id)
        return self.mailer.token(email)

    def _admin_headers(self, org: Org) -> dict[str, str]:
        if org.key not in self._admin_tokens:
            self._admin_tokens[org.key] = self.login(org.admin_email)["access_token"]
        return self._bearer(self._admin_tokens[org.key])

    def _seed_shared(self, org: Org) -> None:
        org.seeds = {kind: self.seed(kind, org.key) for kind in self.SEED_KINDS}
        # The engine settings as the admin set them: GET /api/accounts/settings then names org A.
        self._accounts_api(org, "PATCH", "/settings", {"review_portal_tasks": False})

    # -- personas -------------------------------------------------------------------------------
    def api_key(self, org: Org, scopes: list[str], *, revoked: bool = False) -> str:
        response = self.call("POST", "/api/gateway/api-keys", headers=self._admin_headers(org),
                             body={"name": f"Persona key {org.unique()}", "scopes": scopes})
        assert response.status_code == 201, response.get_data(as_text=True)
        created = response.get_json()
        org.markers.add(created["id"])
        if revoked:
            revoke = self.call("DELETE", f"/api/gateway/api-keys/{created['id']}", headers=self._admin_headers(org))
            assert revoke.status_code == 204, revoke.get_data(as_text=True)
        return created["key"]

    def _contact_token(self, org: Org) -> str:
        return self.contact_token_for(org, str(uuid.uuid4()), str(uuid.uuid4()), f"contact@{org.email_domain}")

    def contact_token_for(self, org: Org, account_id: str, contact_id: str, email: str) -> str:
        """A portal contact of the org, invited the way the portal does it (the event the gateway
        consumes), and the token the gateway issues it (audience stitch-portal, bound to the account)."""
        data = {"account_id": account_id, "contact_id": contact_id, "email": email, "name": f"Contact {org.tag}"}
        invited = new_event("portal", CONTACT_INVITED, data, org.id)
        apply_event(self.gateway_runtime, invited)
        with self.gateway_runtime.uow() as uow:
            principal = uow.portal_principals.by_contact(org.id, contact_id)
        return self.use["issue_portal_token"](principal.id)["access_token"]

    def _personas(self) -> dict[str, Persona]:
        a, b = self.orgs["A"], self.orgs["B"]
        admin = a.users["admin"]
        past = TokenIssuer(self.keys, lambda: datetime.now(UTC) - timedelta(minutes=20), "stitch")
        claims = {"org": a.id, "role": "admin", "sub": admin.id}
        header = _b64({"alg": "none", "typ": "at+jwt", "kid": self.keys.kid})
        now = int(datetime.now(UTC).timestamp())
        unsigned = f"{header}.{_b64({'iss': 'stitch', 'aud': 'stitch', 'iat': now, 'exp': now + 600, **claims})}."
        everything = sorted(API_KEY_SCOPES)
        people = {role: self._bearer(self.login(a.users[role].email)["access_token"])
                  for role in ("admin", "csm", "ae", "viewer")}
        unauthenticated = [
            Persona("anonymous", "unauthenticated", {}, description="no token"),
            Persona("expired", "unauthenticated", self._bearer(past.for_user(admin)["access_token"]),
                    description="org A admin's token that expired 5 minutes ago"),
            Persona("forged", "unauthenticated", self._bearer(self.forger.token(**claims)),
                    description="org A admin's claims signed by a key that is not the gateway's"),
            Persona("alg_none", "unauthenticated", self._bearer(unsigned),
                    description="org A admin's claims, unsigned (alg=none)"),
            Persona("customer", "unauthenticated", self._bearer(self._contact_token(a)),
                    description="a portal contact of org A (audience stitch-portal) on a staff API"),
            Persona("api_key_revoked", "unauthenticated", self._bearer(self.api_key(a, everything, revoked=True)),
                    description="a revoked org A API key"),
        ]
        members = [
            *(Persona(role, "member", people[role], capabilities_of(role), description=f"org A {role}")
              for role in ("admin", "csm", "ae", "viewer")),
            Persona("api_key_read", "member", self._bearer(self.api_key(a, ["read"])),
                    capabilities_of(API_KEY_ROLE, frozenset({"read"})), description="org A key scoped read"),
            Persona("api_key_hand_off", "member", self._bearer(self.api_key(a, ["hand_off"])),
                    capabilities_of(API_KEY_ROLE, frozenset({"hand_off"})),
                    description="org A key scoped hand_off only (not even read)"),
            Persona("api_key_all", "member", self._bearer(self.api_key(a, everything)),
                    capabilities_of(API_KEY_ROLE, frozenset(everything)),
                    description="org A key with every scope a key may have"),
        ]
        other = Persona("other_org", "other_org", self._bearer(self.login(b.admin_email)["access_token"]),
                        frozenset(Capability), org="B", description="org B's admin on org A's objects")
        direct = Persona("direct_anonymous", "direct", {}, description="no token, straight to the service")
        detour = Persona("public_detour", "detour", {},
                         description="no token, through the gateway via /api/<service>/docs/../<rest>")
        return {p.name: p for p in [*unauthenticated, other, *members, direct, detour]}


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


class MatrixSuite(Suite):
    connects_slack = True


@pytest.fixture(scope="session")
def suite(tmp_path_factory) -> Iterator[Suite]:
    # Slack's connect, test and disconnect have positive controls: connectors talks to a fake slack.com.
    with FakeSlack() as slack:
        built = MatrixSuite(tmp_path_factory.mktemp("authz"), settings={"connectors": {
            "slack_base_url": slack.url, "slack_client_id": slack.client_id,
            "slack_client_secret": slack.client_secret}})
        yield built
        for runtime in built.runtimes.values():
            runtime.engine.dispose()


SUMMARY = pytest.StashKey[list]()


@pytest.fixture(scope="session")
def matrix_summary(pytestconfig) -> list[str]:
    """Lines the matrix tests add; printed at the end of the run (for the closing note)."""
    return pytestconfig.stash.setdefault(SUMMARY, [])


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    lines = config.stash.get(SUMMARY, None)
    if lines:
        terminalreporter.section("persona matrix")
        for line in lines:
            terminalreporter.write_line(line)
