from flask import Flask

from stitch.common import context
from stitch.common.http.problems import Problem, field_errors, problem_response


def test_field_errors_flattens_nested_dicts_and_lists():
    messages = {
        "json": {
            "name": ["Missing data for required field."],
            "address": {"zip": ["Not a valid string.", "Too short."]},
            "items": {0: {"sku": ["Required."]}, 2: ["Not a dict."]},
            "_schema": ["Dates are out of order."],
        },
        "query": {"tags": [["bad tag"], {"x": ["nope"]}]},
    }
    assert field_errors(messages) == [
        {"name": "json.name", "reason": "Missing data for required field."},
        {"name": "json.address.zip", "reason": "Not a valid string."},
        {"name": "json.address.zip", "reason": "Too short."},
        {"name": "json.items.0.sku", "reason": "Required."},
        {"name": "json.items.2", "reason": "Not a dict."},
        {"name": "json._schema", "reason": "Dates are out of order."},
        {"name": "query.tags[0]", "reason": "bad tag"},
        {"name": "query.tags[1].x", "reason": "nope"},
    ]


def test_field_errors_of_a_bare_message():
    assert field_errors("broken", "json") == [{"name": "json", "reason": "broken"}]
    assert field_errors({}) == []


def test_problem_response_shape():
    with Flask(__name__).test_request_context("/api/x/1"), context.bound(request_id="rid-1"):
        response = Problem(409, "Conflict", "already exists", code="duplicate",
                           headers={"Retry-After": "3"}).as_response()
        body = response.get_json(force=True)
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "3"
    assert body == {"type": "about:blank", "title": "Conflict", "status": 409, "detail": "already exists",
                    "instance": "/api/x/1", "request_id": "rid-1", "code": "duplicate"}


def test_problem_response_without_detail_or_request_id():
    with Flask(__name__).test_request_context("/p"):
        body = problem_response(404, "Not Found").get_json(force=True)
    assert body == {"type": "about:blank", "title": "Not Found", "status": 404, "instance": "/p"}
