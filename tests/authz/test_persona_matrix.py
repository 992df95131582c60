"""The persona matrix (reliability-security §6.3): every operation of every OpenAPI document,
through the gateway, as every persona.

- Inventory: the operations in operations.yaml are exactly those the six documents list, each
  app serves no route its document hides (beyond a short, explained list), and an operation is
  public in the matrix exactly when the gateway's public-route list says so.
- Personas: unauthenticated callers (no token, expired, forged, alg=none, a portal contact's
  token, a revoked API key; no token straight to a service, or through the gateway by a path
  that starts public, /api/<service>/docs/../<rest>) get 401; org B's admin gets 404 on org A's objects and none of org
  A's data from collections; org A's staff and API keys get what the permission table gives
  them (2xx) and 403 for the rest; org A's admin is the positive control (2xx). A refused write
  must leave org A's data as it was.
- Mass assignment: every write, with org_id, owner_id, role or status added, is refused (422)
  or the extra field is ignored (a re-read of both orgs shows it had no effect).
- Negative controls run the same functions against apps with a planted flaw, so a matrix that
  cannot fail cannot pass.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint

from stitch.common.http.auth import current_principal, requires_auth
from stitch.common.permissions import API_KEY_SCOPES, ROLE_CAPABILITIES, Capability
from stitch.common.tokens import JwksSource, TokenError, TokenVerifier
from stitch.gateway.adapters.forwarder import PASSED_REQUEST_HEADERS
from stitch.gateway.application.routes import is_public

MATRIX_FILE = Path(__file__).with_name("operations.yaml")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
REQUIRES = {"public", "authenticated", *(c.value for c in Capability)}
KINDS = {"collection", "object", "shared", "own"}
INJECTED_FIELDS = ("org_id", "owner_id", "role", "status")
# Change without a write: when a persona's API key was last used; the clock a view counts down by.
VOLATILE_FIELDS = {"last_used_at", "as_of", "due_in_seconds"}
SAMPLE_PARAM = "sample1"  # stands in for a path parameter where only the path's shape matters


# -- the matrix file ----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Operation:
    part: str
    method: str
    path: str
    requires: str
    kind: str | None = None
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)
    fresh: bool = False
    body: Any = None
    denied: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    query: str = ""

    @property
    def id(self) -> str:
        return f"{self.part} {self.method} {self.path}"

    @property
    def public(self) -> bool:
        return self.requires == "public"

    @property
    def write(self) -> bool:
        return self.method != "GET"


@dataclasses.dataclass(frozen=True)
class Matrix:
    operations: tuple[Operation, ...]
    undocumented: tuple[dict[str, Any], ...]


def parse_op_id(op_id: str) -> tuple[str, str, str]:
    part, method, path = op_id.split(" ")
    return part, method, path


def load_matrix(text: str, seed_kinds: Iterable[str]) -> Matrix:
    """Read and check operations.yaml; a malformed entry fails here, naming the entry."""
    raw = yaml.safe_load(text)
    operations, seen = [], set()
    for entry in raw["operations"]:
        op_id = entry["op"]
        unknown = set(entry) - {"op", "requires", "kind", "params", "fresh", "body", "denied", "query"}
        assert not unknown, f"{op_id}: unknown keys {sorted(unknown)}"
        assert op_id not in seen, f"{op_id} is listed twice"
        seen.add(op_id)
        part, method, path = parse_op_id(op_id)
        assert method in METHODS, f"{op_id}: method {method}"
        op = Operation(part, method, path, entry["requires"], entry.get("kind"), entry.get("params", {}),
                       entry.get("fresh", False), entry.get("body"), entry.get("denied", {}), entry.get("query", ""))
        assert op.requires in REQUIRES, f"{op_id}: requires {op.requires!r} is not one of {sorted(REQUIRES)}"
        if not op.public:
            assert op.kind in KINDS, f"{op_id}: kind must be one of {sorted(KINDS)}"
        names = set(re.findall(r"\{(\w+)\}", path))
        assert names == set(op.params), f"{op_id}: params {sorted(op.params)} ≠ path parameters {sorted(names)}"
        assert set(op.params.values()) <= set(seed_kinds), f"{op_id}: unknown seed kind in {dict(op.params)}"
        assert (op.kind in ("object", "own")) == bool(names) or op.public, \
            f"{op_id}: object and own ops, and only they, have path parameters"
        for persona, denial in op.denied.items():
            assert 400 <= denial["status"] < 500 and denial.get("why"), \
                f"{op_id}: denied.{persona} must be a 4xx status with a why"
        operations.append(op)
    return Matrix(tuple(operations), tuple(raw.get("undocumented", ())))


# -- inventory: what the apps serve -------------------------------------------------------------

def openapi_document(part: str, app: Flask) -> dict:
    response = app.test_client().get(f"/api/{part}/openapi.json")
    assert response.status_code == 200, f"{part}: no OpenAPI document ({response.status_code})"
    return response.get_json()


def documented_operations(apps: Mapping[str, Flask]) -> dict[str, dict]:
    """Every operation of every part's OpenAPI document: op id → {doc, operation}."""
    found = {}
    for part, app in apps.items():
        doc = openapi_document(part, app)
        for path, item in doc["paths"].items():
            for method, operation in item.items():
                if method.upper() in METHODS:
                    found[f"{part} {method.upper()} {path}"] = {"doc": doc, "operation": operation}
    return found


def served_routes(app: Flask) -> set[tuple[str, str]]:
    """(METHOD, path in OpenAPI form) of every URL rule of the app."""
    return {(method, _rule_form(rule.rule)) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def _rule_form(path: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", path)


def _sample(path: str) -> str:
    return re.sub(r"\{[^{}]+\}", SAMPLE_PARAM, path)


def inventory_problems(matrix: Matrix, apps: Mapping[str, Flask], dev: bool = False) -> list[str]:
    """Everything that lets an operation escape the matrix, or the matrix drift from the apps.
    ``dev``: the apps run as in development (STITCH_ENV=dev), where the gateway serves and lets
    through the routes marked ``dev_only`` (and production must not serve them)."""
    problems = []
    documented = documented_operations(apps)
    listed = {op.id: op for op in matrix.operations}
    problems += [f"not in operations.yaml: {op_id}" for op_id in sorted(set(documented) - set(listed))]
    problems += [f"in operations.yaml but in no OpenAPI document: {op_id}"
                 for op_id in sorted(set(listed) - set(documented))]
    for op_id, op in listed.items():
        if op_id not in documented:
            continue
        if op.public != is_public(_sample(op.path), dev=dev):
            problems.append(f"{op_id}: matrix says {'public' if op.public else op.requires}, the gateway's "
                            f"public-route list says {'public' if not op.public else 'protected'}")
        found = documented[op_id]
        security = found["operation"].get("security", found["doc"].get("security"))
        if op.public != (security == []):
            problems.append(f"{op_id}: the OpenAPI document declares security {security!r}, the matrix "
                            f"{'public' if op.public else op.requires}")
    allowed = []
    for entry in matrix.undocumented:
        part, methods, path = entry["route"].split(" ")
        allowed.append((part, set(methods.split(",")), path, entry))
    for part, app in apps.items():
        own = {(m, p) for op_id in documented if op_id.startswith(f"{part} ")
               for _, m, p in [parse_op_id(op_id)]}
        for method, path in sorted(served_routes(app) - own):
            match = [e for p, ms, pth, e in allowed
                     if p in ("*", part) and method in ms and _rule_form(pth.replace("{part}", part)) == path]
            if not match:
                problems.append(f"{part} serves {method} {path}, which no OpenAPI document lists "
                                f"and operations.yaml does not explain")
            elif match[0].get("dev_only") and not dev:
                problems.append(f"{part} serves {method} {path} outside development mode, "
                                f"yet operations.yaml says it is dev-only")
            elif (match[0].get("requires") == "public") != is_public(_sample(path), dev=dev):
                problems.append(f"{part} {method} {path}: operations.yaml and the gateway's public-route "
                                f"list disagree on whether it is public")
    return problems


# -- personas × operations ----------------------------------------------------------------------

ALLOW = "2xx"
OWN = "its own"  # another org's admin on an "own" operation: any answer but org A's data or a change to it


def expected(op: Operation, persona) -> str | int:
    if persona.kind == "detour":
        return 400  # the gateway refuses dot segments before it routes anything
    if persona.kind in ("unauthenticated", "direct"):
        return 401
    if persona.kind == "other_org":
        return {"object": 404, "own": OWN}.get(op.kind, ALLOW)
    if persona.name in op.denied:
        return op.denied[persona.name]["status"]
    return ALLOW if op.requires == "authenticated" or op.requires in persona.capabilities else 403


def applies(op: Operation, persona) -> bool:
    """Every persona on every protected operation; those that aim at a service (straight to it,
    or by a detour through the gateway's routing) on the services' operations."""
    return not op.public and (persona.kind not in ("direct", "detour") or op.part != "gateway")


def _detour(op: Operation, path: str) -> str:
    """The same operation by a path that starts as a public one (the API documents)."""
    return f"/api/{op.part}/docs/..{path.removeprefix(f'/api/{op.part}')}"


@dataclasses.dataclass
class Report:
    cases: int = 0
    by_persona: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    unexpected_allows: list[str] = dataclasses.field(default_factory=list)  # security failures
    wrong_denials: list[str] = dataclasses.field(default_factory=list)  # refused, but not as the matrix says
    failed_positives: list[str] = dataclasses.field(default_factory=list)  # refused what it should allow
    server_errors: list[str] = dataclasses.field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return [*self.unexpected_allows, *self.server_errors, *self.failed_positives, *self.wrong_denials]


def _strip_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_volatile(v) for k, v in value.items() if k not in VOLATILE_FIELDS}
    if isinstance(value, list):
        return [_strip_volatile(v) for v in value]
    return value


def snapshot(suite, matrix: Matrix, org: str = "A", part: str | None = None) -> dict[str, Any]:
    """The org's data as its admin reads it: every protected GET of the matrix (all pages), or of
    one part's — a write reaches another part only through events, never within its own call.
    Read from each part itself: the gateway only forwards, and going round it halves the time of
    the matrix (a snapshot is taken before and after every guarded write)."""
    org_data = suite.orgs[org]
    state = {}
    for op in matrix.operations:
        if op.method != "GET" or op.public or op.fresh or (part and op.part != part):
            continue
        path = _url(op, {name: org_data.seeds[kind] for name, kind in op.params.items()})
        pages, cursor = [], None
        while True:
            page = f"{path}{'&' if '?' in path else '?'}cursor={cursor}" if cursor else path
            response = suite.call("GET", page, headers=suite.as_admin(org),
                                  direct=None if op.part == "gateway" else op.part)
            assert response.status_code == 200, f"snapshot {path}: {response.status_code}"
            body = response.get_json()
            pages.append(_strip_volatile(body))
            cursor = body.get("next_cursor") if isinstance(body, dict) else None
            if not cursor:
                break
        state[op.id] = pages
    return state


def _with_params(path: str, values: Mapping[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def _url(op: Operation, values: Mapping[str, str]) -> str:
    path = _with_params(op.path, values)
    return f"{path}?{op.query}" if op.query else path


def _params_for(suite, op: Operation) -> dict[str, str]:
    org = suite.orgs["A"]
    return {name: suite.seed(kind, "A") if op.fresh else org.seeds[kind] for name, kind in op.params.items()}


PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def fill(value: Any, lookup) -> Any:
    """Replace ``{name}`` placeholders in every string of a YAML body."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: lookup(m.group(1)), value)
    if isinstance(value, list):
        return [fill(v, lookup) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, lookup) for k, v in value.items()}
    return value


def _fill(suite, value: Any, org_key: str, params: Mapping[str, str]) -> Any:
    org = suite.orgs[org_key]
    admin_a = suite.orgs["A"]

    def lookup(name: str) -> str:
        if name == "unique":
            return org.unique()
        if name == "admin_email":
            return admin_a.admin_email
        if name == "admin_password":
            return suite.password
        if name == "refresh_token":
            return suite.login(admin_a.admin_email)["refresh_token"]
        if name == "caller_csm_id":  # a CSM of the caller's own org (a pool's members must be)
            return org.users["csm"].id
        if name in ("signup_token", "reset_token", "invitation_token"):
            return getattr(suite, name)(org_key)  # a fresh link per use, read from the mail
        return suite.placeholder(name, params)  # an id inside the case's seeded objects

    return fill(value, lookup)


def _leaks(text: str, markers: Iterable[str], request_path: str) -> list[str]:
    """Org A's markers in an answer, but for what the caller sent itself: a problem's "instance"
    echoes the path asked for, and a 404's detail may name the id it did not find there."""
    asked = request_path.lower()
    text = text.replace(request_path, "").lower()
    return sorted(m for m in markers if m.lower() in text and m.lower() not in asked)


def run_case(suite, matrix: Matrix, op: Operation, persona, report: Report) -> None:
    want = expected(op, persona)
    params = _params_for(suite, op)
    path, url = _with_params(op.path, params), _url(op, params)
    body = _fill(suite, op.body, persona.org, params) if op.body is not None else None
    guard_state = op.write and (want != ALLOW or persona.kind == "other_org")
    before = snapshot(suite, matrix, part=op.part) if guard_state else None
    response = suite.call(op.method, _detour(op, url) if persona.kind == "detour" else url,
                          headers=persona.headers, body=body, direct=op.part if persona.kind == "direct" else None)
    status, text = response.status_code, response.get_data(as_text=True)
    case = f"{op.id} as {persona.name}: expected {want}, got {status}"
    report.cases += 1
    report.by_persona[persona.name] += 1
    if status >= 500:
        report.server_errors.append(f"{case}: {text[:200]}")
        return
    allowed = 200 <= status < 400
    if want == OWN:
        pass  # it reached its own org's (2xx, or 404 when it has none): the leak and snapshot checks decide
    elif want == ALLOW:
        if not allowed:
            report.failed_positives.append(f"{case}: {text[:200]}")
            return
    elif allowed:
        report.unexpected_allows.append(f"{case}: {text[:200]}")
        return
    elif status != want:
        report.wrong_denials.append(f"{case}: {text[:200]}")
    elif status == 401 and response.headers.get("WWW-Authenticate", "").split(" ")[0] != "Bearer":
        report.wrong_denials.append(f"{case}: a 401 without WWW-Authenticate: Bearer")
    if persona.org != "A" and (leaked := _leaks(text, suite.orgs["A"].markers, path)):
        report.unexpected_allows.append(f"{case}: org A's data in the answer: {leaked}")
    if persona.name == "admin" and op.method == "GET" and op.kind == "collection" \
            and not _leaks(text, suite.orgs["A"].markers, path):
        report.failed_positives.append(f"{case}: the positive control sees none of org A's seeded data, "
                                       f"so the other-org check on it proves nothing (seed one)")
    if before is not None and snapshot(suite, matrix, part=op.part) != before:
        report.unexpected_allows.append(f"{case}: refused or foreign, yet org A's data changed")


def run_matrix(suite, matrix: Matrix, personas: Iterable, operations: Iterable[Operation] | None = None) -> Report:
    report, personas = Report(), list(personas)
    for op in operations if operations is not None else matrix.operations:
        for persona in personas:
            if applies(op, persona):
                run_case(suite, matrix, op, persona, report)
    return report


# -- mass assignment ----------------------------------------------------------------------------

def _request_fields(documented: Mapping[str, dict], op: Operation) -> set[str]:
    found = documented[op.id]
    schema = (found["operation"].get("requestBody", {}).get("content", {})
              .get("application/json", {}).get("schema"))
    while schema and "$ref" in schema:
        schema = found["doc"]["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set((schema or {}).get("properties", {}))


def _occurrences(state: Any, field: str, value: str) -> int:
    """How often org A's data holds the injected value: org B's ids (org_id, owner_id) anywhere at
    all; a role or status as that field."""
    anywhere = field in ("org_id", "owner_id")
    if isinstance(state, dict):
        own = 0 if anywhere else int(state.get(field) == value)
        return own + sum(_occurrences(v, field, value) for v in state.values())
    if isinstance(state, list):
        return sum(_occurrences(v, field, value) for v in state)
    return int(anywhere and state == value)


def mass_assignment_problems(suite, matrix: Matrix, documented: Mapping[str, dict], op: Operation,
                             tally: collections.Counter | None = None) -> list[str]:
    b = suite.orgs["B"]
    injected = {"org_id": b.id, "owner_id": b.admin_id, "role": "admin", "status": "active"}
    headers = {} if op.public else suite.as_admin("A")
    fields = [f for f in INJECTED_FIELDS if f not in _request_fields(documented, op)]

    def attempt(extra: dict[str, str] | None):
        params = _params_for(suite, op)
        path = _url(op, params)
        body = _fill(suite, op.body, "A", params) if op.body is not None else None
        if extra is not None:
            body = {**(body or {}), **extra}
        before = (snapshot(suite, matrix, "A", op.part), snapshot(suite, matrix, "B", op.part))
        response = suite.call(op.method, path, headers=headers, body=body)
        return response, before, (snapshot(suite, matrix, "A", op.part), snapshot(suite, matrix, "B", op.part))

    plain, plain_before, plain_after = attempt(None)
    if not 200 <= plain.status_code < 300:
        return [f"{op.id}: the plain write as org A's admin answered {plain.status_code}: "
                f"{plain.get_data(as_text=True)[:200]}"]
    problems = []
    for field in fields:
        response, before, after = attempt({field: injected[field]})
        case = f"{op.id} with {field}={injected[field]!r}"
        if tally is not None:
            tally[response.status_code] += 1
        if response.status_code == 422:
            if after != before:
                problems.append(f"{case}: refused with 422, yet data changed")
        elif 200 <= response.status_code < 300:
            if after[1] != before[1]:
                problems.append(f"{case}: org B's data changed")
            grew = _occurrences(after[0], field, injected[field]) - _occurrences(before[0], field, injected[field])
            plain_grew = (_occurrences(plain_after[0], field, injected[field])
                          - _occurrences(plain_before[0], field, injected[field]))
            if grew > plain_grew:
                problems.append(f"{case}: accepted and applied (org A now holds it {grew - plain_grew} more time(s) "
                                f"than after the same write without it)")
        else:
            problems.append(f"{case}: neither refused (422) nor ignored (2xx): {response.status_code}")
    return problems


# -- the tests ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def matrix(suite) -> Matrix:
    return load_matrix(MATRIX_FILE.read_text(), suite.SEED_KINDS)


def test_the_matrix_lists_every_operation_and_nothing_else(suite, matrix):
    assert inventory_problems(matrix, suite.apps) == []


def test_development_mode_documents_no_other_operation(suite, matrix):
    """The matrix runs the gateway as in production; development mode may not add operations
    (if it must, the matrix has to learn to run them), and the routes it adds outside the OpenAPI
    document (the dev mailbox) are the ``dev_only`` ones operations.yaml explains."""
    apps = {**suite.apps, "gateway": suite.build_gateway_app("dev")}
    assert set(documented_operations(apps)) == set(documented_operations(suite.apps))
    assert inventory_problems(matrix, apps, dev=True) == []


def test_the_permission_table_keeps_the_promises_the_matrix_relies_on():
    """Expectations come from the table; these are the rows no table change may break."""
    assert ROLE_CAPABILITIES["viewer"] == {Capability.READ}  # a viewer writes nothing
    assert not {c for c in ROLE_CAPABILITIES["csm"] if c.startswith("manage_")}
    assert not {c for c in ROLE_CAPABILITIES["ae"] if c.startswith("manage_")}
    assert ROLE_CAPABILITIES["admin"] == set(Capability)
    assert not API_KEY_SCOPES & {Capability.MANAGE_USERS, Capability.MANAGE_API_KEYS}


def test_each_refused_token_is_wrong_in_one_way_only(suite):
    """The 401 personas would pass but for the one flaw each stands for, so their 401s are not
    the product of a token built wrong in some other way."""
    def token(name: str) -> str:
        return suite.personas[name].headers["Authorization"].removeprefix("Bearer ")

    jwks = JwksSource.from_callable(suite.keys.jwks)
    twenty_minutes_ago = lambda: datetime.now(UTC).timestamp() - 20 * 60  # noqa: E731
    assert TokenVerifier(jwks, "stitch", "stitch", clock=twenty_minutes_ago).verify(token("expired")).role == "admin"
    assert suite.forger.verifier().verify(token("forged")).org_id == suite.orgs["A"].id
    assert TokenVerifier(jwks, "stitch", "stitch-portal").verify(token("customer")).role == "contact"
    header = json.loads(base64.urlsafe_b64decode(token("alg_none").split(".")[0] + "=="))
    assert header["alg"] == "none" and token("alg_none").endswith(".")
    for name in ("expired", "forged", "customer", "alg_none"):
        with pytest.raises(TokenError):
            suite.verifier.verify(token(name))


def test_headers_cannot_name_another_org(suite):
    """The forwarder passes only the real forwarder's headers, and a spoofed tenant header
    changes nothing: org B's admin asking as org A still sees org B."""
    spoof = {"X-Org-Id": suite.orgs["A"].id, "X-Forwarded-User": suite.orgs["A"].admin_id,
             "X-Tenant": suite.orgs["A"].slug, "Cookie": f"org={suite.orgs['A'].id}"}
    suite.forwarder.calls.clear()
    response = suite.call("GET", "/api/templates/templates", headers={**suite.as_admin("B"), **spoof})
    assert response.status_code == 200 and not _leaks(response.get_data(as_text=True), suite.orgs["A"].markers, "")
    [call] = suite.forwarder.calls
    assert set(call.headers) <= {*PASSED_REQUEST_HEADERS, "X-Request-Id", "X-Correlation-Id", "traceparent"}


def test_every_persona_on_every_operation(suite, matrix, matrix_summary):
    personas = list(suite.personas.values())
    report = run_matrix(suite, matrix, personas)
    protected = [op for op in matrix.operations if not op.public]
    writes = [op for op in protected if op.write]
    matrix_summary += [
        f"operations: {len(matrix.operations)} in {len(suite.apps)} OpenAPI documents ({len(protected)} protected, "
        f"{len(matrix.operations) - len(protected)} public); personas: {len(personas)} "
        f"({', '.join(p.name for p in personas)})",
        f"cases run: {report.cases} (protected operations × personas; direct_anonymous and public_detour on "
        f"service operations only); writes guarded by a re-read of org A: {len(writes)}",
        f"unexpected allows: {len(report.unexpected_allows)}; server errors: {len(report.server_errors)}; "
        f"failed positive controls: {len(report.failed_positives)}; wrong denial codes: {len(report.wrong_denials)}",
    ]
    assert report.cases > 0 and set(report.by_persona) == {p.name for p in personas}
    assert report.failures == [], "\n".join(report.failures)


def test_no_write_takes_org_id_owner_id_role_or_status_it_does_not_document(suite, matrix, matrix_summary):
    documented = documented_operations(suite.apps)
    writes = [op for op in matrix.operations if op.write and (op.body is not None or not op.public)]
    tally: collections.Counter = collections.Counter()
    problems = [p for op in writes for p in mass_assignment_problems(suite, matrix, documented, op, tally)]
    answers = ", ".join(f"{count}× {status}" for status, count in sorted(tally.items()))
    matrix_summary.append(f"mass-assignment probes: {sum(tally.values())} on {len(writes)} write operations "
                          f"(org_id, owner_id, role, status unless documented; answers: {answers}); "
                          f"problems: {len(problems)}")
    assert problems == []


def test_suite_health_details_need_manage_settings(suite):
    """/ops/health is public for statuses only (DESIGN §4): the details are an admin's."""
    for persona in suite.personas.values():
        if persona.kind in ("direct", "detour"):
            continue
        body = suite.call("GET", "/ops/health", headers=persona.headers).get_json()
        detailed = any("checks" in part for part in body["services"].values())
        # Any org's admin: the suite's health is no org's data. Not an API key, even one scoped
        # manage_settings: on this public route the gateway does not exchange keys for tokens.
        may = Capability.MANAGE_SETTINGS in persona.capabilities and not persona.name.startswith("api_key")
        assert detailed == may, f"{persona.name}: details shown={detailed}"


def test_public_routes_answer_callers_without_a_token(suite, matrix):
    """What the gateway's list calls public is reachable without a token, for every part; a
    dev-only one in development mode only (in production the gateway asks for a token)."""
    paths = {op.path for op in matrix.operations if op.public and op.method == "GET"}
    dev_paths = set()
    for entry in matrix.undocumented:
        part, methods, path = entry["route"].split(" ")
        if entry.get("requires") == "public" and "GET" in methods.split(",") and "<" not in path:
            found = {path.replace("{part}", p) for p in (suite.apps if part == "*" else [part])}
            if entry.get("dev_only"):
                dev_paths |= found
            else:
                paths |= found
    answers = {path: suite.call("GET", path).status_code for path in sorted(paths)}
    with suite.serving_gateway(suite.build_gateway_app("dev")):
        answers |= {path: suite.call("GET", path).status_code for path in sorted(dev_paths)}
    refused = {path: status for path, status in answers.items() if not 200 <= status < 300}
    assert refused == {}, f"public by the gateway's list, yet refused without a token: {refused}"
    in_production = {path: suite.call("GET", path).status_code for path in sorted(dev_paths)}
    assert set(in_production.values()) <= {401}, f"dev-only, yet answered in production: {in_production}"


def test_the_gateway_forwards_without_a_token_only_to_public_paths(suite, matrix):
    """A request the gateway lets through without a token must reach a public path, not one it
    only looked like: dot segments (plain or percent-encoded) after a public prefix are resolved
    on the way to the service (requests removes them), so they must not pass the public check."""
    suite.forwarder.calls.clear()
    for op in matrix.operations:
        if op.part != "gateway" and not op.public:
            rest = _with_params(op.path, _params_for(suite, op)).removeprefix(f"/api/{op.part}")
            for dots in ("..", "%2e%2e", "%2E%2E"):
                suite.call(op.method, f"/api/{op.part}/docs/{dots}{rest}")
    reached = sorted({f"{call.method} {call.path}" for call in suite.forwarder.calls
                      if not is_public(call.path, dev=False)})
    assert reached == [], f"forwarded without a token to protected paths: {reached}"


# -- negative controls: the same checks, against planted flaws ------------------------------------

def _planted_templates_app(suite) -> Flask:
    """The templates app with three flaws: a write that forgets its capability, a list that
    ignores the caller's org, and a route outside the OpenAPI document that checks no token."""
    from stitch.templates.application.common import Actor
    from stitch.templates.application.ports import TemplateQuery
    from stitch.templates.entrypoints.http import create_app

    runtime, org_a = suite.runtimes["templates"], suite.orgs["A"].id
    app = create_app(runtime)
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    planted = Blueprint("planted", __name__, url_prefix="/api/templates")

    @planted.route("/unguarded")
    class Unguarded(MethodView):
        @requires_auth()  # the flaw: manage_templates forgotten
        @planted.response(201)
        def post(self):
            principal = current_principal()
            actor = Actor(principal.org_id, principal.subject)
            template = runtime.use_cases["create_template"](actor, {"name": f"Planted {uuid.uuid4().hex}"})
            return jsonify(id=template.id)

    @planted.route("/leaky")
    class Leaky(MethodView):
        @requires_auth()
        @planted.response(200)
        def get(self):
            # the flaw: not the caller's org
            items = runtime.use_cases["list_templates"](org_a, TemplateQuery(), 50, None)
            return jsonify(items=[{"id": t.id, "name": t.name} for t in items])

    api.register_blueprint(planted)

    @app.get("/api/templates/hidden")  # the flaw: undocumented, and no token asked for
    def hidden():
        items = runtime.use_cases["list_templates"](org_a, TemplateQuery(), 50, None)
        return jsonify(templates=[t.id for t in items])

    return app


PLANTED_MATRIX = """
operations:
  - op: templates POST /api/templates/unguarded
    requires: manage_templates
    kind: collection
  - op: templates GET /api/templates/leaky
    requires: authenticated
    kind: collection
  - op: templates GET /api/templates/hidden
    requires: read
    kind: collection
"""


def _edited(old: str, new: str) -> str:
    text = MATRIX_FILE.read_text()
    assert old in text, f"the negative control no longer finds {old!r} in operations.yaml"
    return text.replace(old, new)


def test_negative_control_inventory_reports_what_the_matrix_does_not_list(suite, matrix):
    apps = {**suite.apps, "templates": _planted_templates_app(suite)}
    problems = inventory_problems(matrix, apps)
    assert "not in operations.yaml: templates POST /api/templates/unguarded" in problems
    assert "not in operations.yaml: templates GET /api/templates/leaky" in problems
    assert any(p.startswith("templates serves GET /api/templates/hidden") for p in problems)
    made_public = _edited("- op: gateway GET /api/gateway/users\n    requires: read",
                          "- op: gateway GET /api/gateway/users\n    requires: public")
    problems = inventory_problems(load_matrix(made_public, suite.SEED_KINDS), suite.apps)
    assert any(p.startswith("gateway GET /api/gateway/users: matrix says public") for p in problems)
    renamed = _edited("- op: accounts GET /api/accounts/template-catalog", "- op: accounts GET /api/accounts/gone")
    problems = inventory_problems(load_matrix(renamed, suite.SEED_KINDS), suite.apps)
    assert "not in operations.yaml: accounts GET /api/accounts/template-catalog" in problems
    assert "in operations.yaml but in no OpenAPI document: accounts GET /api/accounts/gone" in problems


def test_negative_control_personas_catch_a_forgotten_capability_and_a_foreign_read(suite, matrix):
    planted = load_matrix(PLANTED_MATRIX, suite.SEED_KINDS)
    combined = Matrix(matrix.operations + planted.operations, matrix.undocumented)
    with suite.serving("templates", _planted_templates_app(suite)):
        report = run_matrix(suite, combined, suite.personas.values(), planted.operations)
    allows = "\n".join(report.unexpected_allows)
    for persona in ("viewer", "csm", "ae", "api_key_read", "api_key_hand_off"):
        assert f"templates POST /api/templates/unguarded as {persona}: expected 403, got 200" in allows
    assert "templates GET /api/templates/leaky as other_org: expected 2xx, got 200: org A's data" in allows
    assert "templates GET /api/templates/hidden as direct_anonymous: expected 401, got 200" in allows
    assert "templates GET /api/templates/hidden as other_org: expected 2xx, got 200: org A's data" in allows


def test_negative_control_mass_assignment_catches_an_applied_field(suite, matrix):
    """A gateway endpoint that copies the body onto the user (role included) without a schema."""
    app = suite.build_gateway_app("prod")
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    planted = Blueprint("planted", __name__, url_prefix="/api/gateway")
    use = suite.gateway_runtime.use_cases

    @planted.route("/sloppy-users/<user_id>")
    class Sloppy(MethodView):
        @requires_auth(Capability.MANAGE_USERS)
        @planted.response(200)
        def post(self, user_id):
            body = request.get_json(silent=True) or {}
            user = use["update_user"](current_principal().org_id, user_id,
                                      **{k: v for k, v in body.items() if k in ("name", "role")})
            return jsonify(id=user.id, role=user.role)

    api.register_blueprint(planted)
    op = load_matrix("""
operations:
  - op: gateway POST /api/gateway/sloppy-users/{user_id}
    requires: manage_users
    kind: object
    params: {user_id: user}
    fresh: true
""", suite.SEED_KINDS).operations[0]
    with suite.serving_gateway(app):
        problems = mass_assignment_problems(suite, matrix, documented_operations({"gateway": app}), op)
    assert problems == [f"{op.id} with role='admin': accepted and applied (org A now holds it 1 more time(s) "
                        f"than after the same write without it)"]
