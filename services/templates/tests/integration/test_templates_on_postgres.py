"""The templates service on PostgreSQL under forced row-level security, as the app role.

What SQLite cannot show: JSONB plans round-trip, searches and keyset pages run as SQL, racing
writers (same name, same revision, stale saves) have exactly one winner, and migration 0003
upgrades an older database whose names clash.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from stitch.common.db.migrate import upgrade
from stitch.common.testing.racing import all_at_once
from stitch.templates import config
from stitch.templates.application.common import Actor
from stitch.templates.application.ports import TemplateQuery
from stitch.templates.bootstrap import bootstrap
from stitch.templates.domain.errors import Conflict

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[4]
ORG, OTHER = "3f1c2a9e-0000-4000-8000-0000000000a1", "3f1c2a9e-0000-4000-8000-0000000000b2"
ADMIN = Actor(ORG, "admin-1")


def example(name: str) -> dict:
    return json.loads((ROOT / "docs" / "templates" / "examples" / f"{name}.json").read_text())["template"]


@pytest.fixture
def database(databases):
    return databases.create_with_roles("templates")


@pytest.fixture
def runtime(database, test_keys):
    runtime = bootstrap(config.load(database_url=database.app_url, migrate_database_url=database.owner_url),
                       verifier=test_keys.verifier())
    runtime.migrate()
    yield runtime
    runtime.engine.dispose()


def test_a_full_plan_round_trips_and_stays_in_its_organization(runtime):
    use = runtime.use_cases
    created = use["create_template"](ADMIN, example("enterprise-implementation"))
    use["create_template"](Actor(OTHER, "admin-2"), example("quick-start"))
    loaded = use["get_template"](ORG, created.id)
    assert loaded.document(with_ids=True) == created.document(with_ids=True)
    assert [t.name for t in use["list_templates"](ORG, TemplateQuery(status="all"), 50, None)] == [created.name]
    with runtime.engine.connect() as db:  # the app role under RLS with no org set sees nothing at all
        assert db.execute(text("SELECT count(*) FROM templates")).scalar() == 0
        assert db.execute(text("SELECT count(*) FROM template_tags")).scalar() == 0


def test_search_filters_sorts_and_pages_in_sql(runtime):
    use = runtime.use_cases
    for name in ("standard-saas-onboarding", "enterprise-implementation", "quick-start"):
        use["create_template"](ADMIN, example(name))
    quick = next(t for t in use["list_templates"](ORG, TemplateQuery(text="quick"), 10, None))
    use["publish_template"](ADMIN, quick.id, None)

    def names(**query):
        return [t.name for t in use["list_templates"](ORG, TemplateQuery(**query), 10, None)]

    assert names(sort="name") == ["Enterprise Implementation", "Quick Start", "Standard SaaS Onboarding"]
    assert names(published=True) == ["Quick Start"]
    assert names(text="ENTERPRISE", sort="name")[0] == "Enterprise Implementation"
    assert names(text="100%_") == []  # LIKE wildcards in the search are literal characters
    tag = example("quick-start")["tags"][0]
    assert "Quick Start" in names(tags=(tag.upper(),))
    pages, after = [], None
    while True:
        page = use["list_templates"](ORG, TemplateQuery(sort="-name"), 2, after)
        pages += [t.name for t in page[:1]]
        if len(page) < 2:
            break
        after = (page[0].name.casefold(), page[0].id)
    assert pages == ["Standard SaaS Onboarding", "Quick Start", "Enterprise Implementation"]


def test_racing_creates_of_one_name_leave_one_template(runtime):
    results = all_at_once(8, lambda _: runtime.use_cases["create_template"](ADMIN, {"name": "Same name"}))
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1 and all(isinstance(r, (Conflict, IntegrityError)) for r in results if r not in winners)
    assert len(runtime.use_cases["list_templates"](ORG, TemplateQuery(text="same name"), 10, None)) == 1


def test_racing_publishes_cut_one_revision(runtime):
    use = runtime.use_cases
    template = use["create_template"](ADMIN, example("quick-start"))
    results = all_at_once(8, lambda _: use["publish_template"](ADMIN, template.id, None))
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, (Conflict, IntegrityError)) for r in results if isinstance(r, Exception))
    assert [r.number for r in use["list_revisions"](ORG, template.id, 10, None)] == [1]
    outbox = runtime.metadata.tables["outbox"]
    with runtime.engine.connect() as db:
        keys = db.execute(select(outbox.c.routing_key)).scalars().all()
    assert keys.count("templates.template_published.v1") == 1


def test_a_stale_save_is_refused_not_lost(runtime):
    template = runtime.use_cases["create_template"](ADMIN, {"name": "Shared"})
    first, second = runtime.uow(), runtime.uow()
    with first, second:
        first.set_org(ORG)
        second.set_org(ORG)
        mine, theirs = first.templates.get(ORG, template.id), second.templates.get(ORG, template.id)
        mine.change_details({"segment": "SMB"}, "admin-1", mine.updated_at)
        first.templates.save(mine)
        first.commit()
        theirs.change_details({"segment": "Enterprise"}, "admin-2", theirs.updated_at)
        with pytest.raises(Conflict, match="changed by someone else"):
            second.templates.save(theirs)
    assert runtime.use_cases["get_template"](ORG, template.id).segment == "SMB"


def test_migration_0003_gives_older_clashing_names_a_suffix(database):
    upgrade(ROOT / "services" / "templates", database.owner_url, "0002")
    owner = create_engine(database.owner_url)
    with owner.begin() as db:  # the owner is under the forced policies too: name the org
        db.execute(text("SELECT set_config('app.org_id', :org, true)"), {"org": ORG})
        for index, name in enumerate(("Onboarding", "onboarding", "Onboarding")):
            db.execute(text("INSERT INTO templates (id, org_id, name, created_by, created_at) VALUES "
                            "(:id, :org, :name, 'u', now() + make_interval(secs => :i))"),
                       {"id": f"00000000-0000-4000-8000-00000000000{index}", "org": ORG, "name": name, "i": index})
    upgrade(ROOT / "services" / "templates", database.owner_url)
    with owner.begin() as db:
        db.execute(text("SELECT set_config('app.org_id', :org, true)"), {"org": ORG})
        rows = db.execute(text("SELECT name, name_key, milestones, status FROM templates ORDER BY created_at")).all()
        forced = db.execute(text("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'templates'")).scalar()
    owner.dispose()
    assert [(r.name, r.name_key) for r in rows] == [
        ("Onboarding", "onboarding"), ("onboarding (2)", "onboarding (2)"), ("Onboarding (3)", "onboarding (3)")]
    assert all(r.milestones == [] and r.status == "active" for r in rows)
    assert forced is True  # the data fix lifted the forced policies only while it ran


def test_an_edit_racing_an_apply_keeps_the_usage_count_and_blocks_delete(runtime):
    """The edit loaded usage 0; the apply committed 1 meanwhile; the edit's save must not undo it."""
    template = runtime.use_cases["create_template"](ADMIN, {"name": "Busy"})
    editing = runtime.uow()
    with editing:
        editing.set_org(ORG)
        loaded = editing.templates.get(ORG, template.id)
        applying = runtime.uow()
        with applying:
            applying.set_org(ORG)
            assert applying.templates.record_application(ORG, template.id, "account-1", None, loaded.created_at)
            applying.commit()
        loaded.change_details({"segment": "SMB"}, "admin-1", loaded.updated_at)
        editing.templates.save(loaded)
        editing.commit()
    assert runtime.use_cases["get_template"](ORG, template.id).usage_count == 1
    with pytest.raises(Conflict, match="applied to 1 account"):
        runtime.use_cases["delete_template"](ADMIN, template.id)


def test_a_name_that_grows_when_case_folded_is_stored(runtime):
    name = "ß" * 150  # casefolds to 300 characters, past the 200 a name may have
    assert runtime.use_cases["create_template"](ADMIN, {"name": name}).name == name
    runtime.use_cases["create_template"](ADMIN, {"name": "ß" * 100})
    with pytest.raises(Conflict):  # the same name, case-insensitively
        runtime.use_cases["create_template"](ADMIN, {"name": "SS" * 100})
