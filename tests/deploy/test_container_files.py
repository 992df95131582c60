"""The container files of DESIGN §5: Dockerfile, docker-compose.yml and deploy/, checked offline.

No Docker engine is needed: the compose file is validated against the Compose-spec schema that
check-jsonschema vendors (reference/tooling.md §6), the Dockerfile is parsed with
dockerfile-parse, and what both refer to (package directories, CLI commands, the gunicorn config)
is looked up in the repository.
"""

from __future__ import annotations

import json
import logging
import re
import runpy
import shlex
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from stitch.common.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"

PACKAGE_DIRS = {
    "gateway": "gateway",
    "templates": "services/templates",
    "accounts": "services/accounts",
    "workflows": "services/workflows",
    "portal": "services/portal",
    "connectors": "services/connectors",
}
PORTS = {"gateway": 8080, "templates": 8101, "accounts": 8102, "workflows": 8103, "portal": 8104, "connectors": 8105}
# DESIGN §1, "Processes": every one of them runs in the full stack as `<part>-<process>`; connectors
# adds beat for its periodic scans (delivery queue, token refresh; ADR 0007).
PROCESSES = {
    "gateway": ("api", "consumer", "relay"),
    "templates": ("api", "consumer", "relay"),
    "accounts": ("api", "worker", "beat", "consumer", "relay"),
    "workflows": ("api", "worker", "beat", "consumer", "relay"),
    "portal": ("api", "consumer", "relay"),
    "connectors": ("api", "worker", "beat", "consumer", "relay"),
}
OWNER_ROLE, APP_ROLE = "stitch_owner", "stitch_app"  # deploy/compose/postgres-init.sql
APP_SPEC = re.compile(r"^stitch\.(?P<part>\w+)\.entrypoints\.http:create_app\(\)$")
CLI_MODULE = re.compile(r"^stitch\.(?P<part>\w+)\.entrypoints\.cli$")


# --- helpers ------------------------------------------------------------------------------------

def check_compose_schema(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True, text=True, timeout=120)


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())  # resolves the anchors and `<<` merges


def stitch_services(compose: dict) -> dict[str, dict]:
    """The compose services built from the root Dockerfile."""
    return {name: service for name, service in compose["services"].items()
            if isinstance(service.get("build"), dict) and service["build"].get("dockerfile") == "Dockerfile"}


def command_lines(command: list[str] | str) -> list[list[str]]:
    """A compose command as argv lists; ``sh -c 'a && b'`` gives one argv per step."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv[:2] == ["sh", "-c"]:
        return [shlex.split(step) for step in argv[2].split("&&")]
    return [argv]


def describe(argv: list[str]) -> tuple[str, str]:
    """``(part, what)``: what is ``"api"`` for gunicorn, else the CLI subcommand."""
    if argv[0] == "exec":
        argv = argv[1:]
    if argv[0] == "gunicorn":
        config = argv[argv.index("--config") + 1] if "--config" in argv else None
        assert config and (ROOT / config).is_file(), f"gunicorn without an existing --config: {argv}"
        match = APP_SPEC.match(argv[-1])
        assert match, f"gunicorn must serve stitch.<part>.entrypoints.http:create_app(): {argv}"
        part = match["part"]
        http = ROOT / PACKAGE_DIRS[part] / "src" / "stitch" / part / "entrypoints" / "http.py"
        assert "def create_app(" in http.read_text(), f"{http} has no create_app"
        return part, "api"
    if argv[0].startswith("stitch-"):
        part, rest = argv[0].removeprefix("stitch-"), argv[1:]
    elif argv[:2] == ["python", "-m"] and CLI_MODULE.match(argv[2]):
        part, rest = CLI_MODULE.match(argv[2])["part"], argv[3:]
    else:
        raise AssertionError(f"not a Stitch process: {argv}")
    assert part in PACKAGE_DIRS, f"unknown part {part!r} in {argv}"
    assert rest and rest[0] in COMMANDS, f"{argv}: the CLI command must be one of {COMMANDS}"
    return part, rest[0]


def dockerfile(part: str) -> DockerfileParser:
    return DockerfileParser(path=str(DOCKERFILE), build_args={"SERVICE": part})


def stages(parser: DockerfileParser) -> list[list[dict]]:
    """The instructions of each build stage; index 0 holds what comes before the first FROM."""
    result: list[list[dict]] = [[]]
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            result.append([])
        result[-1].append(instruction)
    return result


def declared(instructions: list[dict]) -> dict[str, str]:
    """ARG and ENV names of a stage with their values (``""`` when an ARG has no default)."""
    names: dict[str, str] = {}
    for instruction in instructions:
        if instruction["instruction"] in ("ARG", "ENV"):
            for token in shlex.split(instruction["value"]):
                name, _, value = token.partition("=")
                names[name] = value
    return names


def substitute(text: str, values: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        name = match["braced"] or match["bare"]
        assert name in values, f"${name} is not declared where {text!r} uses it"
        return values[name]

    return re.sub(r"\$(?:\{(?P<braced>\w+)\}|(?P<bare>\w+))", replace, text)


def copy_arguments(instruction: dict) -> list[str]:
    value = instruction["value"].strip()
    tokens = json.loads(value) if value.startswith("[") else shlex.split(value)
    return [t for t in tokens if not t.startswith("--")]


def copy_sources(instruction: dict) -> list[str]:
    return copy_arguments(instruction)[:-1]


def copy_target(instruction: dict) -> str:
    return copy_arguments(instruction)[-1]


def dockerignored(path: str) -> bool:
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:  # later lines win, as in Docker; `!` re-includes
        negate, pattern = pattern.startswith("!"), pattern.lstrip("!").strip("/")
        if any(fnmatch(prefix, pattern) or (pattern.startswith("**/") and fnmatch(prefix.split("/")[-1],
               pattern[3:])) for prefix in prefixes):
            excluded = not negate
    return excluded


# --- docker-compose.yml -------------------------------------------------------------------------

def test_compose_file_is_valid_against_the_compose_spec():
    result = check_compose_schema(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("good", "bad"), [
    pytest.param("  depends_on:\n", "  depend_on:\n", id="unknown-key"),
    pytest.param("interval: 10s", "interval: [10s]", id="wrong-type"),
])
def test_compose_validation_rejects_a_broken_copy(tmp_path, good, bad):
    """The negative control: the schema check above can fail."""
    text = COMPOSE.read_text()
    assert good in text
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(text.replace(good, bad, 1))
    result = check_compose_schema(broken)
    assert result.returncode != 0, result.stdout + result.stderr
    assert bad.strip().split(":")[0] in result.stdout + result.stderr


def test_compose_services_built_from_the_dockerfile_run_a_known_command():
    services = stitch_services(load_compose())
    assert services
    for name, service in services.items():
        part = service["build"]["args"]["SERVICE"]
        assert part in PACKAGE_DIRS, f"{name}: SERVICE={part!r} is not a part"
        assert (ROOT / PACKAGE_DIRS[part] / "pyproject.toml").is_file(), name
        assert service["build"]["context"] == "."
        assert service["image"] == f"stitch-{part}:dev", f"{name}: one image per part, shared by its processes"
        for argv in command_lines(service["command"]):
            assert describe(argv)[0] == part, f"{name} is built as {part} but runs {argv}"


def test_every_process_of_every_part_has_a_compose_service():
    services = stitch_services(load_compose())
    expected = {f"{part}-{process}": (part, process) for part, processes in PROCESSES.items()
                for process in processes}
    expected |= {f"migrate-{part}": (part, "migrate") for part in PROCESSES}
    assert sorted(services) == sorted(expected), "compose and DESIGN §1 disagree about the processes"
    for name, (part, process) in expected.items():
        runs = [describe(argv) for argv in command_lines(services[name]["command"])]
        if process == "migrate":  # migrate, then declare the part's exchange and queues
            assert runs == [(part, "migrate"), (part, "declare")], name
        else:
            assert runs == [(part, process)], name


def test_compose_start_order_health_checks_and_ports():
    compose = load_compose()
    services, stitch = compose["services"], stitch_services(compose)
    migrations = {f"migrate-{part}" for part in PROCESSES}
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"
        published = service.get("ports", [])
        expected = {"gateway-api": ["8080:8080"], "mailpit": ["8025:8025"]}.get(name, [])  # Mailpit: dev mail UI
        assert published == expected, f"{name} publishes {published}"
    for name, service in stitch.items():
        depends = service["depends_on"]
        assert depends["postgres"]["condition"] == depends["rabbitmq"]["condition"] == "service_healthy"
        if name in migrations:
            assert service.get("restart", "no") == "no"
            continue
        # every part migrated and its queues declared before any relay publishes
        assert {m: depends.get(m, {}).get("condition") for m in migrations} == dict.fromkeys(
            migrations, "service_completed_successfully"), name
        if name.endswith("-api"):
            test = " ".join(service["healthcheck"]["test"])
            assert "/readyz" in test and "STITCH_HTTP_PORT" in test, name


def test_compose_environment_matches_the_parts():
    compose = load_compose()
    init_sql = (ROOT / "deploy" / "compose" / "postgres-init.sql").read_text()
    for name, service in stitch_services(compose).items():
        part, env = service["build"]["args"]["SERVICE"], service["environment"]
        assert env["STITCH_ENV"] == "dev", name  # the dev login of the quick start
        # DESIGN §4: every process connects as the app role, which owns nothing; only the
        # migrate one-shot connects as the owner as well, to migrate and grant the app role.
        assert env["STITCH_DATABASE_URL"].startswith(f"postgresql+psycopg://{APP_ROLE}:"), name
        assert env["STITCH_DATABASE_URL"].endswith(f"@postgres:5432/stitch_{part}"), name
        if name.startswith("migrate-"):
            assert env["STITCH_MIGRATE_DATABASE_URL"] == (
                f"postgresql+psycopg://{OWNER_ROLE}:{OWNER_ROLE}@postgres:5432/stitch_{part}"), name
        else:
            assert "STITCH_MIGRATE_DATABASE_URL" not in env, name
        assert f"CREATE DATABASE stitch_{part} OWNER {OWNER_ROLE};" in init_sql
        assert int(env["STITCH_HTTP_PORT"]) == PORTS[part], name
        assert env["STITCH_JWKS_URL"] == "http://gateway-api:8080/.well-known/jwks.json", name
        if part == "gateway":
            assert env["STITCH_SIGNING_KEY_FILE"] == "/keys/signing-key.json"
            # DESIGN §4: rate limits in Redis in the full stack; security mail over SMTP
            assert env["STITCH_RATE_LIMIT_STORAGE_URL"].startswith("redis://redis:6379/"), name
            assert env["STITCH_MAIL_URL"].startswith("smtp://mailpit:"), name
            assert any(v.startswith("gateway-keys:/keys") for v in service["volumes"]), name
            for other, port in PORTS.items():
                if other != "gateway":
                    assert env[f"STITCH_{other.upper()}_URL"] == f"http://{other}-api:{port}"
    for role in (OWNER_ROLE, APP_ROLE):
        assert re.search(rf"^CREATE ROLE {role} WITH LOGIN PASSWORD '{role}' NOSUPERUSER NOBYPASSRLS "
                         r"NOCREATEDB NOCREATEROLE;$", init_sql, re.M), role
    assert f"TO {APP_ROLE};" in init_sql and f"OWNER {APP_ROLE}" not in init_sql
    declared_volumes = set(compose["volumes"])
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared_volumes, f"{name} mounts undeclared volume {source}"


# --- Dockerfile ---------------------------------------------------------------------------------

@pytest.mark.parametrize("part", sorted(PACKAGE_DIRS))
def test_dockerfile_copies_only_what_exists(part):
    parser = dockerfile(part)
    global_args = declared(stages(parser)[0])
    copied = []
    for stage in stages(parser)[1:]:
        known = {**global_args, **declared(stage), "SERVICE": part}
        for instruction in stage:
            if instruction["instruction"] in ("COPY", "ADD") and "--from=" not in instruction["value"]:
                for source in copy_sources(instruction):
                    source = substitute(source, known)
                    assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
                    assert not dockerignored(source), f"COPY {source}: excluded by .dockerignore"
                    copied.append(source)
    assert PACKAGE_DIRS[part] in copied or PACKAGE_DIRS[part].split("/")[0] in copied
    assert {"pyproject.toml", "uv.lock", "libs/common"} <= set(copied)


@pytest.mark.parametrize("part", sorted(PACKAGE_DIRS))
def test_dockerfile_variables_are_declared_where_used(part):
    """An ARG is scoped to its stage, and only ENV reaches the running container's CMD."""
    all_stages = stages(dockerfile(part))
    global_args = {**declared(all_stages[0])}
    for stage in all_stages[1:]:
        substitute(stage[0]["value"], global_args)  # FROM sees only the ARGs before the first FROM
        known, runtime_env = {"PATH": ""}, {"PATH": ""}  # PATH comes from the base image
        for instruction in stage[1:]:  # in order: a name is usable after the line declaring it
            if instruction["instruction"] in ("COPY", "ADD", "ENV", "WORKDIR", "USER", "EXPOSE", "VOLUME"):
                substitute(instruction["value"], known)
            if instruction["instruction"] in ("ARG", "ENV"):
                known.update(declared([instruction]))
            if instruction["instruction"] == "ENV":
                runtime_env.update(declared([instruction]))
            if instruction["instruction"] in ("CMD", "ENTRYPOINT"):
                substitute(instruction["value"], runtime_env)  # a build ARG is gone at run time


@pytest.mark.parametrize("part", sorted(PACKAGE_DIRS))
def test_dockerfile_default_command_serves_the_api(part):
    parser = dockerfile(part)
    final = stages(parser)[-1]
    env = {name: value for name, value in declared([i for i in final if i["instruction"] == "ENV"]).items()}
    assert env["SERVICE"] == "${SERVICE}"
    assert env["PROMETHEUS_MULTIPROC_DIR"], "gunicorn's multiprocess metrics need it (tooling.md §5)"
    argv = json.loads(parser.cmd)
    if argv[:2] == ["sh", "-c"]:
        argv = shlex.split(argv[2])
    argv = [substitute(arg, {"SERVICE": part}) for arg in argv]
    assert describe(argv) == (part, "api")
    config = argv[argv.index("--config") + 1]
    workdir = [i["value"] for i in final if i["instruction"] == "WORKDIR"][-1]
    copies = [copy_sources(i) + [copy_target(i)] for i in final if i["instruction"] == "COPY"]
    assert [config, config] in copies or [config, f"{workdir}/{config}"] in copies, (
        f"{config} is not copied to {workdir}/{config} in the runtime stage")


def test_dockerfile_pins_and_runs_as_a_user():
    parser = dockerfile("accounts")
    assert parser.is_multistage
    for image in parser.parent_images:
        assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", image), image
    uv_version = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)[1]
    assert f"ARG UV_VERSION={uv_version}" in parser.content, "the image and `make` must use the same uv"
    assert "--frozen" in parser.content and "--no-dev" in parser.content
    assert "UV_PYTHON_DOWNLOADS=never" in parser.content
    user = [i["value"] for i in stages(parser)[-1] if i["instruction"] == "USER"]
    assert user and user[-1].split(":")[0] not in ("root", "0"), "the runtime stage must not run as root"


# --- deploy/ ------------------------------------------------------------------------------------

def test_gunicorn_config(monkeypatch, tmp_path):
    from gunicorn.config import KNOWN_SETTINGS

    metrics = tmp_path / "prometheus"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics))
    monkeypatch.setenv("SERVICE", "accounts")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.delenv("STITCH_HTTP_PORT", raising=False)
    monkeypatch.delenv("STITCH_HTTP_HOST", raising=False)
    conf = runpy.run_path(str(GUNICORN_CONF))

    settings = {s.name for s in KNOWN_SETTINGS}
    ours = {name for name, value in conf.items()
            if not name.startswith("_") and not isinstance(value, type(sys)) and name != "annotations"}
    assert ours <= settings, f"not gunicorn settings (typos?): {sorted(ours - settings)}"
    assert conf["bind"] == "0.0.0.0:8102"  # the part's own port (DESIGN §5)
    assert conf["workers"] == 3
    assert conf["accesslog"] is None  # the app logs requests as JSON itself
    assert 0 < conf["graceful_timeout"] < 40  # compose's stop_grace_period is 40 s

    metrics.mkdir()
    (metrics / "counter_1.db").write_bytes(b"stale")
    conf["on_starting"](None)
    assert metrics.is_dir() and not any(metrics.iterdir()), "on_starting must empty the metrics directory"
    (metrics / "gauge_livesum_4242.db").write_bytes(b"")
    conf["child_exit"](None, type("Worker", (), {"pid": 4242})())
    assert not (metrics / "gauge_livesum_4242.db").exists(), "child_exit must drop a dead worker's live gauges"

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        conf["post_fork"](None, None)  # workers log JSON, as every other Stitch process does
        assert any(getattr(h, "_stitch", False) for h in root.handlers), "post_fork must configure JSON logs"
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)

    monkeypatch.setenv("STITCH_HTTP_PORT", "9000")
    assert runpy.run_path(str(GUNICORN_CONF))["bind"] == "0.0.0.0:9000"


def test_k8s_readme_exists():
    readme = ROOT / "deploy" / "k8s" / "README.md"
    assert readme.is_file()
    assert "kustomize" in readme.read_text().lower()
