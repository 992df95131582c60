"""Migration 0004 fills the list columns of accounts saved before it, as the repository would: on
SQLite, and on PostgreSQL as the owner role, which forced row-level security binds too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from stitch.accounts import config
from stitch.common.db.migrate import upgrade

ORG = "3f1c2a9e-0000-4000-8000-0000000000a1"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ACCOUNT = "0a0c0000-0000-4000-8000-000000000001"


@pytest.fixture(params=["sqlite", "postgresql"])
def owner_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'accounts.db'}"
    return request.getfixturevalue("databases").create_with_roles("accounts-0004").owner_url


def _as_org(db) -> None:
    if db.dialect.name == "postgresql":
        db.execute(text("SELECT set_config('app.org_id', :org, true)"), {"org": ORG})


def _seed_at_0003(url: str) -> None:
    """One account as 0003 stored it: two contacts, a started milestone with a ready draft and a
    scheduled action, and a pending milestone."""
    engine = create_engine(url)
    with engine.begin() as db:
        _as_org(db)
        db.execute(text(
            "INSERT INTO accounts (id, org_id, company_name, industry, company_size, website, notes, custom_fields, "
            "status, archived, archived_reason, created_at, version) VALUES (:id, :org, 'ÄRZTE Straße GmbH', '', '', "
            "'', '', '{}', 'active', false, '', :t0, 1)"), {"id": ACCOUNT, "org": ORG, "t0": T0})
        for position, (name, email) in enumerate((("Dana Scully", "dana@arzte.test"), ("Fox Mulder", "fox@x.test"))):
            db.execute(text(
                "INSERT INTO account_contacts (id, org_id, account_id, position, name, email, title, role, is_primary) "
                "VALUES (:id, :org, :account, :position, :name, :email, '', '', :primary)"),
                {"id": f"contact-{position}", "org": ORG, "account": ACCOUNT, "position": position, "name": name,
                 "email": email, "primary": position == 0})
        for sequence, (milestone_id, name, state) in enumerate((("m-1", "Kickoff", "in_progress"),
                                                                 ("m-2", "Setup", "pending")), start=1):
            db.execute(text(
                "INSERT INTO account_milestones (id, org_id, account_id, sequence, name, duration_days, "
                "internal_description, customer_description, exit_criteria, state) VALUES (:id, :org, :account, "
                ":sequence, :name, 7, '', '', '', :state)"),
                {"id": milestone_id, "org": ORG, "account": ACCOUNT, "sequence": sequence, "name": name,
                 "state": state})
        for position, (action_id, state, due_at, fired_at) in enumerate((
                ("a-ready", "ready", None, datetime(2026, 11, 21, 8, 0, tzinfo=UTC)),
                ("a-later", "pending", datetime(2026, 11, 23, 8, 0, tzinfo=UTC), None))):
            db.execute(text(
                "INSERT INTO account_actions (id, org_id, account_id, milestone_id, position, label, description, "
                "type, trigger_type, delay_hours, content, csm_visible, csm_label, csm_section, portal_visible, "
                "portal_label, blocker, state, due_at, fired_at, draft_instructions, auto_sent) VALUES (:id, :org, "
                ":account, 'm-1', :position, 'Email', '', 'SEND_EMAIL', 'milestone_start', 0, '{}', true, '', '', "
                "false, '', false, :state, :due_at, :fired_at, '', false)"),
                {"id": action_id, "org": ORG, "account": ACCOUNT, "position": position, "state": state,
                 "due_at": due_at, "fired_at": fired_at})
    engine.dispose()


def test_the_list_columns_of_older_accounts_are_filled(owner_url):
    upgrade(config.SERVICE_ROOT, owner_url, "0003")
    _seed_at_0003(owner_url)
    upgrade(config.SERVICE_ROOT, owner_url)
    engine = create_engine(owner_url)
    with engine.begin() as db:
        _as_org(db)
        account = db.execute(text("SELECT * FROM accounts")).one()
        ready_since = db.execute(text("SELECT ready_since FROM account_actions WHERE id = 'a-ready'")).scalar()
    engine.dispose()
    assert (account.current_milestone_id, account.current_milestone_name) == ("m-1", "Kickoff")
    assert _utc(account.next_action_at) == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)  # the draft waiting since then
    assert _utc(ready_since) == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    # Case-folded by Python, as the repository writes it and the list's search folds the query.
    assert account.search_text == "ärzte strasse gmbh dana scully dana@arzte.test fox mulder fox@x.test"
    assert account.crm_notes == ""


def _utc(value) -> datetime:
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
