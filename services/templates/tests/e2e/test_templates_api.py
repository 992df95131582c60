"""The templates API over a real (SQLite) database created by the Alembic history."""

import pytest
from sqlalchemy import select

from stitch.templates import config
from stitch.templates.bootstrap import bootstrap
from stitch.templates.entrypoints.http import create_app

pytestmark = pytest.mark.e2e


@pytest.fixture
def app_runtime(migrated_runtime):
    return migrated_runtime(bootstrap, config)


def test_created_template_is_stored_with_its_outbox_event(app_runtime, test_keys):
    client = create_app(app_runtime).test_client()
    created = client.post("/api/templates/templates", json={"name": "Enterprise"}, headers=test_keys.bearer())
    assert created.status_code == 201
    listed = client.get("/api/templates/templates", headers=test_keys.bearer()).get_json()
    assert [t["name"] for t in listed["items"]] == ["Enterprise"]
    assert client.get("/api/templates/templates", headers=test_keys.bearer(org="org-2")).get_json()["items"] == []
    outbox = app_runtime.metadata.tables["outbox"]
    with app_runtime.engine.connect() as db:
        [row] = db.execute(select(outbox)).all()
    assert row.routing_key == "templates.template_created.v1" and row.sent_at is None
    assert row.envelope["data"]["template_id"] == created.get_json()["id"]


def test_failed_validation_writes_nothing(app_runtime, test_keys):
    client = create_app(app_runtime).test_client()
    assert client.post("/api/templates/templates", json={"name": "x" * 201},
                       headers=test_keys.bearer()).status_code == 422
    with app_runtime.engine.connect() as db:
        assert db.execute(select(app_runtime.metadata.tables["outbox"])).all() == []


def test_a_cursor_this_api_did_not_issue_is_refused(app_runtime, test_keys):
    client = create_app(app_runtime).test_client()
    client.post("/api/templates/templates", json={"name": "One"}, headers=test_keys.bearer())
    naive = "WyIyMDIwLTAxLTAxIiwgIngiXQ"  # ["2020-01-01", "x"]: a date with no offset
    for sort in ("created_at", "-updated_at"):
        answer = client.get(f"/api/templates/templates?sort={sort}&cursor={naive}", headers=test_keys.bearer())
        assert answer.status_code == 422 and answer.get_json()["errors"][0]["name"] == "query.cursor"
