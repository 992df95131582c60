"""The portal service boots through bootstrap() with a fake unit of work (its features come later)."""

from stitch.common.testing.fakes import FakeUnitOfWork
from stitch.portal.bootstrap import bootstrap
from stitch.portal.entrypoints.http import create_app


def test_portal_serves_health_and_its_api_document(test_keys):
    runtime = bootstrap(uow=lambda: FakeUnitOfWork("portal"), verifier=test_keys.verifier())
    client = create_app(runtime).test_client()
    assert client.get("/healthz").get_json() == {"status": "alive"}
    assert client.get("/readyz").status_code == 200  # no database to check when faked
    assert client.get("/api/portal/openapi.json").get_json()["info"]["title"] == "Stitch portal"
