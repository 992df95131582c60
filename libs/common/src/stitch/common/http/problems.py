"""RFC 9457 problem+json for every error a Stitch HTTP endpoint returns.

Client mistakes get their real status and a message naming the field and the rule; anything
unexpected is logged with its stack and answered with a bare 500 that leaks nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from stitch.common import context

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """Raise from a view to answer with a specific problem (status, title, detail, extras)."""

    def __init__(self, status: int, title: str, detail: str = "", *, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra
        self.headers = headers or {}

    def as_response(self) -> Response:
        response = problem_response(self.status, self.title, self.detail, **self.extra)
        response.headers.update(self.headers)
        return response


def problem_response(status: int, title: str, detail: str = "", **extra: Any) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    if rid := context.request_id.get():
        body["request_id"] = rid
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def invalid_fields_response(violations: Any) -> Response:
    """422 for a domain's refusal of a body: each violation (``.path``, ``.rule``) named as the request
    has it, ``json.<path>``, the same shape as the schema's own errors."""
    errors = [{"name": f"json.{v.path}", "reason": v.rule} for v in violations]
    return Problem(422, "Request is not valid", "; ".join(f"{e['name']}: {e['reason']}" for e in errors),
                   errors=errors).as_response()


def field_errors(messages: Any, location: str = "") -> list[dict[str, str]]:
    """Flatten webargs/marshmallow messages into [{"name": "json.name", "reason": "..."}]."""
    found: list[dict[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            found += field_errors(value, f"{location}.{key}" if location else str(key))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        found += [{"name": location, "reason": m} for m in messages]
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            found += field_errors(value, f"{location}[{index}]")
    else:
        found.append({"name": location, "reason": str(messages)})
    return found


def handle_http_exception(error: HTTPException) -> Response:
    response = _problem_for(error)
    for name, value in error.get_headers():  # e.g. Allow on a 405
        if name.lower() != "content-type":
            response.headers[name] = value
    data = getattr(error, "data", None) or {}
    response.headers.update(data.get("headers") or {})  # flask-smorest abort(..., headers=...)
    return response


def _problem_for(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    if "messages" in data:  # webargs: the body or query failed to parse (400) or validate (422)
        errors = field_errors(data["messages"])
        detail = "; ".join(f"{e['name']}: {e['reason']}" for e in errors)
        return problem_response(error.code or 400, "Request is not valid", detail, errors=errors)
    if isinstance(error, RequestEntityTooLarge):
        return problem_response(413, "Request body too large", "bodies are limited to 1 MiB")
    detail = data.get("message") or (error.description if error.description != type(error).description else "")
    return problem_response(error.code or 500, error.name, str(detail or ""))


def install_problem_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Problem, Problem.as_response)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(500, "Internal Server Error", "an unexpected error occurred")
