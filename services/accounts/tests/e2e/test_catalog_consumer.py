"""The accounts consumer over a real (SQLite) database: inbox + handler in one transaction."""

import pytest
from sqlalchemy import select

from stitch.accounts import config
from stitch.accounts.bootstrap import bootstrap
from stitch.accounts.entrypoints.http import create_app
from stitch.common.envelope import new_event

pytestmark = pytest.mark.e2e


@pytest.fixture
def app_runtime(migrated_runtime):
    return migrated_runtime(bootstrap, config)


def test_an_event_applied_twice_is_recorded_once(app_runtime, test_keys):
    event = new_event("templates", "templates.template_created.v1",
                      {"template_id": "t-1", "name": "Standard", "created_by": "u-1",
                       "created_at": "2026-11-22T09:00:00+00:00"}, "org-1")
    consumer = app_runtime.consumer()
    assert consumer.apply(event) is True
    assert consumer.apply(event) is False  # the redelivery finds its id in the inbox
    with app_runtime.engine.connect() as db:
        assert len(db.execute(select(app_runtime.metadata.tables["inbox"])).all()) == 1
    body = create_app(app_runtime).test_client().get("/api/accounts/template-catalog",
                                                     headers=test_keys.bearer()).get_json()
    assert [item["name"] for item in body["items"]] == ["Standard"]


def test_a_failing_handler_leaves_no_inbox_row(app_runtime):
    event = new_event("templates", "templates.template_created.v1", {"template_id": "t-1"}, "org-1")
    with pytest.raises(Exception):
        app_runtime.consumer().apply(event)
    with app_runtime.engine.connect() as db:  # so the retry is not mistaken for a duplicate
        assert db.execute(select(app_runtime.metadata.tables["inbox"])).all() == []
