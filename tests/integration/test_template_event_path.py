"""DESIGN §3's one real event path, over PostgreSQL and RabbitMQ: templates → accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from stitch.accounts.adapters import tables as accounts_tables
from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.domain.errors import InvalidInput
from stitch.common.testing.rls import role_findings, table_findings, tenant_tables
from stitch.common.testing.waiting import eventually
from stitch.templates.adapters import tables as templates_tables
from stitch.templates.application.common import Actor

pytestmark = pytest.mark.integration
ORG, OTHER_ORG = "3f1c2a9e-0000-4000-8000-000000000001", "3f1c2a9e-0000-4000-8000-000000000002"


def catalog(pair, org: str) -> list[str]:
    return [entry.name for entry in pair.accounts.use_cases["list_catalog"](org, 100, None)]


def test_created_template_reaches_the_accounts_read_model(pair):
    pair.start_accounts_consumer()
    pair.templates.use_cases["create_template"](Actor(ORG, "user-1"), {"name": "Standard onboarding"})
    pair.templates.use_cases["create_template"](Actor(OTHER_ORG, "user-2"), {"name": "Someone else's"})
    assert pair.templates.relay().relay_once() == 2
    eventually(lambda: catalog(pair, OTHER_ORG) == ["Someone else's"], what="second org's catalog updated")
    assert catalog(pair, ORG) == ["Standard onboarding"]  # each org sees only its own


def test_event_redelivered_by_the_relay_is_recorded_once(pair):
    pair.start_accounts_consumer()
    pair.templates.use_cases["create_template"](Actor(ORG, "user-1"), {"name": "Once only"})
    relay = pair.templates.relay()
    relay.relay_once()
    eventually(lambda: catalog(pair, ORG) == ["Once only"])
    with pair.templates.engine.begin() as db:  # a relay that died before marking the row sends it again
        db.execute(text("UPDATE outbox SET sent_at = NULL"))
    assert relay.relay_once() == 1
    inbox = pair.accounts.metadata.tables["inbox"]

    def settled():
        with pair.accounts.engine.connect() as db:
            return db.execute(select(inbox)).all()

    eventually(lambda: _queue_drained(pair), what="redelivery consumed")
    assert len(settled()) == 1 and catalog(pair, ORG) == ["Once only"]


def test_an_applied_template_is_counted_once_per_account(pair):
    """The way back: accounts.template_applied.v1 (published here by accounts' own outbox and relay,
    as the accounts issue will) reaches templates over RabbitMQ and counts accounts, not events."""
    pair.start_templates_consumer()
    template = pair.templates.use_cases["create_template"](Actor(ORG, "user-1"), {"name": "In use"})
    for account in ("account-1", "account-1", "account-2"):
        unit = pair.accounts.uow()
        with unit:
            unit.set_org(ORG)
            unit.publish("accounts.template_applied.v1", {
                "account_id": account, "template_id": template.id, "revision_id": None, "revision": 1,
                "applied_at": "2026-11-22T10:00:00+00:00"})
            unit.commit()
    assert pair.accounts.relay().relay_once() == 3

    def usage():
        return pair.templates.use_cases["get_template"](ORG, template.id).usage_count

    eventually(lambda: usage() == 2, what="usage counted from the accounts events")
    eventually(lambda: _queue_drained(pair, "templates"), what="all three events consumed")
    assert usage() == 2


def test_services_run_as_the_app_role_under_forced_row_level_security(pair):
    """The pair above really runs under RLS; test_row_level_security.py checks every service in depth."""
    for runtime, db, tables in ((pair.templates, pair.templates_db, templates_tables),
                                (pair.accounts, pair.accounts_db, accounts_tables)):
        with runtime.engine.connect() as connection:
            assert connection.execute(text("SELECT current_user")).scalar() == db.app_role
            assert table_findings(connection, tables.RLS_EXEMPT) == []
            assert role_findings(connection, db.app_role) == []
            assert tenant_tables(connection, tables.RLS_EXEMPT)  # not vacuous: there is a table to check


def _queue_drained(pair, service: str = "accounts") -> bool:
    runtime = getattr(pair, service)
    with runtime.connect() as connection:
        _name, count, _consumers = connection.default_channel.queue_declare(
            runtime.topology.queue_name(service), passive=True)
    return count == 0


def test_a_published_revision_becomes_an_account_and_its_use_is_counted(pair):
    """Both ways over RabbitMQ, each service as the app role under RLS: templates publishes a revision,
    accounts keeps its copy and creates an account from it, templates counts the account and
    refuses to delete a template in use."""
    pair.start_accounts_consumer()
    pair.start_templates_consumer()
    admin = Actor(ORG, "user-1")
    template = pair.templates.use_cases["create_template"](admin, {"name": "Used", "milestones": [
        {"name": "Kickoff", "actions": [{"label": "Hello", "type": "SEND_EMAIL",
                                         "content": {"subject": "Hi {{company_name}}", "body": "Welcome"}}]}]})
    pair.templates.use_cases["publish_template"](admin, template.id, None)
    pair.templates.relay().relay_once()

    def create():
        new = NewAccount(details={"company_name": "Acme"}, contacts=({"name": "Jo", "email": "jo@acme.test"},),
                         template_id=template.id)
        return pair.accounts.use_cases["create_account"](ORG, "user-1", new)[0]

    account = eventually(_once_known(create), what="the revision reached accounts")
    assert account.revision_number == 1 and [m.name for m in account.milestones] == ["Kickoff"]
    assert pair.accounts.relay().relay_once() >= 1  # account_created, template_applied, …

    def usage():
        return pair.templates.use_cases["get_template"](ORG, template.id).usage_count

    eventually(lambda: usage() == 1, what="template_applied counted by templates")
    with pytest.raises(Exception, match="(?i)in use|archive"):
        pair.templates.use_cases["delete_template"](admin, template.id)


def _once_known(create):
    """Retry ``create`` until accounts knows the revision (its consumer may not have run yet)."""
    def attempt():
        try:
            return create()
        except InvalidInput:
            return None
    return attempt
