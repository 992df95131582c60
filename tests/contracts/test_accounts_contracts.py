"""accounts against docs/events: a real SQLite journey publishes every documented accounts.* type,
each outbox row validates, and every type it consumes is understood as documented."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from stitch.accounts import config as accounts_config
from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.bootstrap import bootstrap as accounts_bootstrap
from stitch.common.envelope import Envelope
from tests.contracts.test_event_contracts import ORG, example, schemas, validator

ADMIN = "00000000-0000-4000-8000-0000000ad300"
CSM = "00000000-0000-4000-8000-0000000c5300"
# Staff-only texts the journey writes (notes, raw CRM notes, a transfer's note): in no event at all.
INTERNAL_MARKERS = ("internal only", "still internal", "raw crm internal", "transfer internal", "note body internal")


@pytest.fixture
def accounts(migrated_runtime):
    return migrated_runtime(accounts_bootstrap, accounts_config)


def deliver(runtime, event: dict) -> None:
    """One event through the handler the consumer would call, in its own transaction."""
    validator(schemas()[event["type"]]).validate(event)
    with runtime.uow() as uow:
        uow.set_org(event["orgid"])
        runtime.event_handlers[event["type"]](Envelope.from_dict(event), uow)
        uow.commit()


def documented(event_type: str, **data) -> dict:
    event = example(event_type)
    event["orgid"] = ORG
    event["data"].update(data)
    return event


def seed(accounts) -> None:
    deliver(accounts, documented("templates.template_published.v1"))
    deliver(accounts, documented("identity.organization_created.v1", organization_id=ORG))
    deliver(accounts, documented("identity.user_created.v1", user_id=CSM, role="csm", status="active"))
    deliver(accounts, documented("identity.user_created.v1", user_id=ADMIN, role="admin", status="active",
                                 email="admin@example.com"))
    deliver(accounts, documented("connectors.connection_changed.v1", provider="slack", status="connected"))


def test_accounts_publishes_every_documented_event_as_documented(accounts):
    seed(accounts)
    use = accounts.use_cases
    revision = example("templates.template_published.v1")["data"]
    new = NewAccount(details={"company_name": "Acme", "website": "https://acme.test", "notes": "internal only",
                              "crm_source": "hubspot", "external_id": "deal-42"},
                     contacts=({"name": "Jo Doe", "email": "jo@acme.test", "role": "it_admin"},),
                     template_id=revision["template_id"], csm_id=CSM)
    account, _ = use["create_account"](ORG, ADMIN, new)
    use["change_details"](ORG, account.id, ADMIN, {"industry": "Retail", "notes": "still internal"})
    use["set_status"](ORG, account.id, ADMIN, "at_risk")
    use["change_details"](ORG, account.id, ADMIN, {"crm_notes": "raw crm internal"})
    use["add_collaborator"](ORG, account.id, ADMIN, ADMIN)
    use["assign_csm"](ORG, account.id, ADMIN, ADMIN, note="transfer internal", keep_previous=True)
    use["add_note"](ORG, account.id, ADMIN, "note body internal")
    contact, account = use["add_contact"](ORG, account.id, ADMIN, {"name": "Sam Roe", "email": "sam@acme.test"})
    use["change_contact"](ORG, account.id, ADMIN, contact.id, {"title": "CTO"})
    account = use["apply_template"](ORG, account.id, ADMIN, revision["template_id"], confirm_reset=True)
    first, second = account.milestones[0], account.milestones[1]
    use["block_milestone"](ORG, account.id, ADMIN, first.id, "Waiting for the signed order form")
    use["unblock_milestone"](ORG, account.id, ADMIN, first.id)
    account = use["start_milestone"](ORG, account.id, ADMIN, first.id)
    use["run_due_jobs"]()
    account = use["get_account"](ORG, account.id)
    email, form = account.milestones[0].actions[:2]
    account = use["execute_action"](ORG, account.id, ADMIN, email.id)
    request = _last(accounts, "accounts.delivery_requested.v1")
    deliver(accounts, documented("connectors.delivery_failed.v1", request_id=request["data"]["request_id"],
                                 account_id=account.id, action_id=email.id))
    use["execute_action"](ORG, account.id, ADMIN, email.id)
    request = _last(accounts, "accounts.delivery_requested.v1")
    deliver(accounts, documented("connectors.delivery_succeeded.v1", request_id=request["data"]["request_id"],
                                 account_id=account.id, action_id=email.id))
    use["mark_action_done"](ORG, account.id, ADMIN, email.id)
    deliver(accounts, documented("portal.submission_received.v1", account_id=account.id, action_id=form.id))
    deliver(accounts, documented("portal.viewed_as_customer.v1", account_id=account.id, viewed_by=ADMIN))
    deliver(accounts, documented("portal.contact_invited.v1", account_id=account.id))
    for action in use["get_account"](ORG, account.id).milestones[0].actions:
        if action.state.value in ("pending", "ready", "review_pending"):
            use["skip_action"](ORG, account.id, ADMIN, action.id)
    use["complete_milestone"](ORG, account.id, ADMIN, first.id)
    assert use["get_account"](ORG, account.id).milestone(second.id).state.value == "in_progress"
    use["archive"](ORG, account.id, ADMIN, "Lost the deal")
    use["unarchive"](ORG, account.id, ADMIN, "Won it back")
    deliver(accounts, documented("workflows.account_creation_requested.v1", template_id=revision["template_id"],
                                 csm_id=CSM))
    created = _last(accounts, "accounts.account_created.v1")["data"]
    deliver(accounts, documented("workflows.csm_assignment_requested.v1", account_id=created["account_id"],
                                 csm_id=ADMIN))
    deliver(accounts, documented("workflows.template_application_requested.v1", account_id=created["account_id"],
                                 template_id=revision["template_id"], revision_id=revision["revision_id"],
                                 reapply=True))

    rows = _outbox(accounts)
    documented_types = schemas()
    for row in rows:
        assert row.routing_key in documented_types, f"{row.routing_key} is published without a schema"
        validator(documented_types[row.routing_key]).validate(row.envelope)
        assert row.envelope["orgid"] == ORG
        assert not [marker for marker in INTERNAL_MARKERS if marker in str(row.envelope)], row.routing_key
    produced = {row.routing_key for row in rows}
    never = {name for name in documented_types if name.startswith("accounts.")} - produced
    assert not never, f"documented but not produced by the journey: {sorted(never)}"


def test_every_type_accounts_consumes_is_documented(accounts):
    assert set(accounts.event_handlers) <= set(schemas())


def _outbox(runtime) -> list:
    with runtime.engine.connect() as db:
        return db.execute(select(runtime.metadata.tables["outbox"]).order_by(
            runtime.metadata.tables["outbox"].c.created_at)).all()


def _last(runtime, event_type: str) -> dict:
    return [row.envelope for row in _outbox(runtime) if row.routing_key == event_type][-1]
