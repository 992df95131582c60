"""The read models, engine settings and the local revision copy, on SQLite and PostgreSQL under RLS;
and migration 0003 against the tables the adapters use."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from stitch.accounts.adapters.tables import metadata
from stitch.accounts.application.ports import EngineSettings, Organization, StaffUser
from stitch.common.testing.racing import all_at_once

pytestmark = pytest.mark.integration


@pytest.fixture
def run(store, kit):
    """Run ``work(uow)`` in one committed unit of work for the org; hand back what it returned."""
    def run(work, org_id=kit.ORG):
        with store.uow() as uow:
            uow.set_org(org_id)
            result = work(uow)
            uow.commit()
            return result
    return run


def test_staff_upserts_ignore_older_events_and_emails_match_case_insensitively(run, kit):
    ada = StaffUser("u-1", "Ada Lovelace", "Ada@Vendor.example", "csm", True)
    run(lambda uow: uow.staff.upsert(kit.ORG, ada, kit.at(2)))
    run(lambda uow: uow.staff.upsert(kit.ORG, StaffUser("u-1", "Ada L.", "ada@vendor.example", "viewer", False),
                                     kit.at(1)))  # an older event, delivered late
    assert run(lambda uow: uow.staff.get(kit.ORG, "u-1")) == ada
    assert run(lambda uow: uow.staff.by_email(kit.ORG, " ADA@vendor.EXAMPLE")) == ada
    newer = StaffUser("u-1", "Ada King", "ada@vendor.example", "admin", False)
    run(lambda uow: uow.staff.upsert(kit.ORG, newer, kit.at(3)))
    assert run(lambda uow: uow.staff.get(kit.ORG, "u-1")) == newer
    assert run(lambda uow: uow.staff.get(kit.OTHER, "u-1"), kit.OTHER) is None
    assert run(lambda uow: uow.staff.by_email(kit.OTHER, "ada@vendor.example"), kit.OTHER) is None


def test_organizations_and_connections(run, kit):
    run(lambda uow: uow.organizations.upsert(Organization(kit.ORG, "Vendor", "vendor")))
    run(lambda uow: uow.organizations.upsert(Organization(kit.ORG, "Vendor Inc.", "vendor")))
    assert run(lambda uow: uow.organizations.get(kit.ORG)) == Organization(kit.ORG, "Vendor Inc.", "vendor")
    assert run(lambda uow: uow.organizations.get(kit.OTHER), kit.OTHER) is None
    run(lambda uow: uow.connections.upsert(kit.ORG, "slack", "connected", kit.at(2)))
    run(lambda uow: uow.connections.upsert(kit.ORG, "slack", "disconnected", kit.at(1)))  # older: ignored
    run(lambda uow: uow.connections.upsert(kit.ORG, "google", "needs_reconnect", kit.at(1)))
    assert run(lambda uow: uow.connections.statuses(kit.ORG)) == {"slack": "connected", "google": "needs_reconnect"}
    run(lambda uow: uow.connections.upsert(kit.ORG, "slack", "error", kit.at(3)))
    assert run(lambda uow: uow.connections.statuses(kit.ORG))["slack"] == "error"
    assert run(lambda uow: uow.connections.statuses(kit.OTHER), kit.OTHER) == {}


def test_settings_are_saved_only_over_the_version_read(run, kit):
    assert run(lambda uow: uow.settings.get(kit.ORG)) == EngineSettings()
    first = EngineSettings(review_portal_tasks=True, auto_send=frozenset({"SLACK", "SEND_EMAIL"}),
                           updated_at=kit.at(1), updated_by="admin-1")
    assert run(lambda uow: uow.settings.save(kit.ORG, first)) is True
    assert run(lambda uow: uow.settings.save(kit.ORG, first)) is False  # a second first save lost the race
    stored = run(lambda uow: uow.settings.get(kit.ORG))
    assert stored == EngineSettings(True, frozenset({"SLACK", "SEND_EMAIL"}), 1, kit.at(1), "admin-1")
    changed = EngineSettings(False, frozenset(), 1, kit.at(2), "admin-2")
    assert run(lambda uow: uow.settings.save(kit.ORG, changed)) is True
    assert run(lambda uow: uow.settings.save(kit.ORG, changed)) is False  # read at 1, stored at 2
    assert run(lambda uow: uow.settings.get(kit.ORG)) == EngineSettings(False, frozenset(), 2, kit.at(2), "admin-2")
    assert run(lambda uow: uow.settings.get(kit.OTHER), kit.OTHER) == EngineSettings()


def test_racing_first_saves_of_settings_have_one_winner(run, kit):
    results = all_at_once(4, lambda i: run(lambda uow: uow.settings.save(
        kit.ORG, EngineSettings(review_portal_tasks=bool(i % 2), updated_at=kit.at(i), updated_by=f"admin-{i}"))))
    assert sorted(results) == [False, False, False, True]
    assert run(lambda uow: uow.settings.get(kit.ORG)).version == 1


def test_revisions_are_kept_idempotently_and_dropped_with_a_deleted_template(run, kit):
    first = kit.revision
    second = type(first)(first.template_id, "c4e8a1f2-6b3d-4e9a-9c7b-1d2e3f4a5b6d", 2, "Standard onboarding v2",
                         first.milestones[:1])
    for revision in (first, first, second):  # a redelivered event is applied twice
        run(lambda uow, revision=revision: uow.revisions.add(kit.ORG, revision, kit.at(revision.revision)))
    assert run(lambda uow: uow.revisions.get(kit.ORG, first.revision_id)) == first
    assert run(lambda uow: uow.revisions.latest(kit.ORG, first.template_id)) == second
    assert run(lambda uow: uow.revisions.latest(kit.ORG, "no-such-template")) is None
    assert run(lambda uow: uow.revisions.get(kit.OTHER, first.revision_id), kit.OTHER) is None
    assert run(lambda uow: uow.revisions.template_state(kit.ORG, first.template_id)) is None
    run(lambda uow: uow.revisions.set_template_state(kit.ORG, first.template_id, "archived"))
    assert run(lambda uow: uow.revisions.template_state(kit.ORG, first.template_id)) == "archived"
    assert run(lambda uow: uow.revisions.latest(kit.ORG, first.template_id)) == second  # archived: kept
    run(lambda uow: uow.revisions.set_template_state(kit.ORG, first.template_id, "deleted"))
    assert run(lambda uow: uow.revisions.template_state(kit.ORG, first.template_id)) == "deleted"
    assert run(lambda uow: uow.revisions.latest(kit.ORG, first.template_id)) is None
    assert run(lambda uow: uow.revisions.get(kit.ORG, first.revision_id)) is None


def test_migration_0003_creates_exactly_the_tables_the_adapters_use(store):
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
