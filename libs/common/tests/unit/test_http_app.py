import pytest
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from stitch.common.http.app import create_base_app
from stitch.common.http.auth import requires_auth
from stitch.common.http.health import CheckResult
from stitch.common.testing.fakes import TestKeys

KEYS = TestKeys()
PROBLEM = "application/problem+json"


class ItemIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    count = fields.Integer(load_default=1)


class ItemOut(Schema):
    name = fields.String()
    count = fields.Integer()
    org_id = fields.String()


def _boom():
    raise RuntimeError("db password is hunter2")


def _build(checks):
    app, api = create_base_app(service="t", title="t", api_prefix="/api/t", checks=checks,
                               verifier=KEYS.verifier())
    blp = Blueprint("items", __name__, url_prefix="/api/t/items")

    @blp.route("")
    class Items(MethodView):
        @blp.arguments(ItemIn)
        @blp.response(201, ItemOut)
        @requires_auth("manage_templates")
        def post(self, body):
            from stitch.common.http.auth import current_principal

            return {**body, "org_id": current_principal().org_id}

    @blp.route("/boom")
    class Boom(MethodView):
        def get(self):
            _boom()

    api.register_blueprint(blp)
    return app


@pytest.fixture(scope="module")
def client():
    checks = {"db": lambda: CheckResult(True), "broker": lambda: CheckResult(True, "ok")}
    return _build(checks).test_client()


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"]
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body


def test_a_valid_request_passes(client):
    response = client.post("/api/t/items", json={"name": "a"}, headers=KEYS.bearer(org="org-5"))
    assert response.status_code == 201
    assert response.get_json() == {"name": "a", "count": 1, "org_id": "org-5"}


def test_validation_errors_are_422_naming_the_field(client):
    body = _problem(client.post("/api/t/items", json={"count": "x"}, headers=KEYS.bearer()), 422)
    names = {e["name"] for e in body["errors"]}
    assert names == {"json.name", "json.count"}
    assert "json.name" in body["detail"] and body["instance"] == "/api/t/items"


def test_malformed_json_is_400(client):
    response = client.post("/api/t/items", data="{not json", content_type="application/json",
                           headers=KEYS.bearer())
    body = _problem(response, 400)
    assert body["errors"][0]["name"] == "json"


def test_bodies_over_one_mib_are_413(client):
    response = client.post("/api/t/items", json={"name": "x" * (1024 * 1024)}, headers=KEYS.bearer())
    _problem(response, 413)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic dTpw"}, {"Authorization": "Bearer "},
                                     {"Authorization": "Bearer not-a-token"},
                                     {"Authorization": f"Bearer {KEYS.token(ttl=-300)}"},
                                     {"Authorization": f"Bearer {TestKeys().token()}"}])
def test_401_without_a_valid_token(client, headers):
    response = client.post("/api/t/items", json={"name": "a"}, headers=headers)
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_403_without_the_capability(client):
    body = _problem(client.post("/api/t/items", json={"name": "a"}, headers=KEYS.bearer(role="viewer")), 403)
    assert "manage_templates" in body["detail"]


def test_404_and_405_are_problems(client):
    _problem(client.get("/api/t/nothing-here"), 404)
    response = client.delete("/api/t/items")
    _problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_unexpected_errors_are_a_bare_500(client):
    response = client.get("/api/t/items/boom")
    body = _problem(response, 500)
    text = response.get_data(as_text=True)
    assert "hunter2" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert body["detail"] == "an unexpected error occurred"


def test_request_ids(client):
    generated = client.get("/healthz").headers["X-Request-Id"]
    assert len(generated) == 36
    assert client.get("/healthz", headers={"X-Request-Id": "abc-123"}).headers["X-Request-Id"] == "abc-123"
    for bad in ("abc\x07def", "x" * 129):
        echoed = client.get("/healthz", headers={"X-Request-Id": bad}).headers["X-Request-Id"]
        assert echoed and echoed != bad and len(echoed) == 36
    body = _problem(client.get("/api/t/nothing", headers={"X-Request-Id": "req-42"}), 404)
    assert body["request_id"] == "req-42"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "alive"}


def test_readyz_passes_when_every_check_passes(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ready"
    assert set(response.get_json()["checks"]) == {"db", "broker"}


def test_readyz_fails_with_a_failing_or_raising_check():
    def explode():
        raise ConnectionError("nope")

    client = _build({"db": lambda: CheckResult(True), "broker": lambda: CheckResult(False, "down"),
                     "cache": explode}).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not_ready"
    assert body["checks"]["db"]["ok"] is True
    assert body["checks"]["broker"] == {**body["checks"]["broker"], "ok": False, "detail": "down"}
    assert body["checks"]["cache"]["ok"] is False and body["checks"]["cache"]["detail"] == "ConnectionError"

    only_raising = _build({"cache": explode}).test_client().get("/readyz")
    assert only_raising.status_code == 503


def test_metrics(client):
    client.post("/api/t/items", json={"name": "a"}, headers=KEYS.bearer())
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert 'stitch_http_requests_total{method="POST",route="/api/t/items",service="t",status="201"}' in text


def test_openapi_document_declares_bearer_auth(client):
    spec = client.get("/api/t/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer",
                                                                   "bearerFormat": "JWT"}
    assert spec["security"] == [{"bearerAuth": []}]
    assert "/api/t/items" in spec["paths"]


def test_swagger_ui_is_served_locally(client):
    page = client.get("/api/t/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "/api/t/docs/assets/swagger-ui-bundle.js" in page.get_data(as_text=True)
    asset = client.get("/api/t/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.get_data()) > 1000
    asset.close()
