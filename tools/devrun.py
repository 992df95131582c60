"""`make run`: the whole suite on embedded defaults, one process per service, under one supervisor.

SQLite files, the filesystem:// broker, keys and logs all live under ./var. Each process logs
JSON to var/log/<name>.log; warnings and errors are echoed here. Ctrl-C stops everything.
This script imports no Stitch package: it drives the suite as a user would, over HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = {  # name → port (DESIGN §5)
    "gateway": 8080, "templates": 8101, "accounts": 8102, "workflows": 8103, "portal": 8104, "connectors": 8105,
}
EXAMPLES = ROOT / "docs" / "templates" / "examples"  # exchange files (docs/templates/format.md)
DEMO_TEMPLATES = ("standard-saas-onboarding.json", "enterprise-implementation.json", "quick-start.json")


def main() -> int:
    var = Path(os.environ.get("STITCH_VAR_DIR", ROOT / "var")).resolve()
    (var / "log").mkdir(parents=True, exist_ok=True)
    ports = {name: int(os.environ.get(f"STITCH_{name.upper()}_PORT", port)) for name, port in PROCESSES.items()}
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    env = {**os.environ, "STITCH_VAR_DIR": str(var), "STITCH_ENV": "dev", "PYTHONUNBUFFERED": "1",
           "STITCH_JWKS_URL": f"{gateway}/.well-known/jwks.json",
           "STITCH_PUBLIC_URL": gateway,  # links in mail (sign-up, reset, invitations) lead here
           "STITCH_SCHEDULER_INTERVAL": "2",  # accounts: drafts appear within seconds on one machine
           **{f"STITCH_{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items()}}
    children = {name: _start(name, ports[name], env, var) for name in PROCESSES}
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        if not _wait_ready(gateway, children, stopping, timeout=120):
            print("stitch: the suite did not become ready; see var/log/*.log", file=sys.stderr)
            return 1
        login = _seed_demo_org(env)
        token = _seed(gateway, login)
        account_id = _seed_account(gateway, token)
        if account_id:  # for scripts and tests: the banner says it too
            (var / "demo-account-id").write_text(account_id)
        _banner(gateway, token, login, var, account_id)
        while not stopping.is_set():
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"stitch: {name} exited with {child.returncode}; see var/log/{name}.log", file=sys.stderr)
                    return 1
            stopping.wait(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        _stop(children)
    return 0


def _start(name: str, port: int, env: dict, var: Path) -> subprocess.Popen:
    log = open(var / "log" / f"{name}.log", "ab")
    child = subprocess.Popen(
        [sys.executable, "-m", f"stitch.{name}.entrypoints.cli", "embedded"],
        env={**env, "STITCH_HTTP_PORT": str(port)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops children in order
    )
    threading.Thread(target=_pump, args=(name, child, log), daemon=True).start()
    return child


def _pump(name: str, child: subprocess.Popen, log) -> None:
    """Keep every line in the log file; echo warnings and errors to the terminal."""
    for line in child.stdout:
        log.write(line)
        log.flush()
        try:
            record = json.loads(line)
        except ValueError:
            record = {"level": "ERROR", "message": line.decode(errors="replace").rstrip()}
        if record.get("level") in ("WARNING", "ERROR", "CRITICAL"):
            print(f"[{name}] {record.get('level')}: {record.get('message')}", file=sys.stderr)


def _wait_ready(gateway: str, children: dict, stopping: threading.Event, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stopping.is_set():
        if any(child.poll() is not None for child in children.values()):
            return False
        try:
            with urllib.request.urlopen(f"{gateway}/ops/health", timeout=3) as response:
                if json.load(response)["status"] == "ready":
                    return True
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.5)
    return False


def _call(method: str, url: str, token: str | None = None, body: dict | None = None) -> dict:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _seed_demo_org(env: dict) -> dict:
    """The demo organization and its admin (idempotent): the gateway's own admin command."""
    done = subprocess.run([sys.executable, "-m", "stitch.gateway.entrypoints.cli", "seed-demo"], env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _seed(gateway: str, login: dict) -> str:
    """The demo organization's admin signs in, imports the example templates once and publishes them."""
    token = _call("POST", f"{gateway}/auth/login",
                  body={"email": login["email"], "password": login["password"], "session": "token"})["access_token"]
    templates = f"{gateway}/api/templates/templates"
    for file_name in DEMO_TEMPLATES:
        exchange = json.loads((EXAMPLES / file_name).read_text(encoding="utf-8"))
        name = exchange["template"]["name"]
        found = _call("GET", f"{templates}?{urllib.parse.urlencode({'q': name, 'status': 'all', 'limit': 200})}",
                      token)["items"]
        if any(t["name"].casefold() == name.casefold() for t in found):
            continue  # seeded on an earlier run (or the admin made their own): leave it alone
        try:
            imported = _call("POST", f"{templates}/import", token, exchange)
        except urllib.error.HTTPError as error:
            if error.code == 409:  # the name is taken after all
                continue
            raise
        _call("POST", f"{templates}/{imported['id']}/publish", token)
    return token


# Demo customers (company, ARR, template, contact, whether their first milestone is under way):
# enough for the accounts list, its filters and the review queue to show something.
DEMO_ACCOUNTS = (
    ("Acme Corp", 48000, "Standard SaaS Onboarding", ("Jordan Lee", "jordan@acme.test", "Head of Operations"), True),
    ("Globex", 240000, "Enterprise Implementation", ("Hank Scorpio", "hank@globex.test", "CEO"), True),
    ("Initech", 12000, "Quick Start", ("Bill Lumbergh", "bill@initech.test", "VP Operations"), False),
    ("Umbrella Health", 96000, "Standard SaaS Onboarding", ("Alice Abernathy", "alice@umbrella.test", "IT lead"),
     True),
)


def _seed_account(gateway: str, token: str, wait: float = 60) -> str | None:
    """The demo customers, the first milestone of most of them started (once: the same CRM deal
    returns the same account). Accounts learns templates and users from events, so retry until it
    knows them. Returns the first (Acme Corp), which the README walks through."""
    me = _call("GET", f"{gateway}/api/gateway/me", token)
    templates = {item["name"]: item["id"] for item in
                 _call("GET", f"{gateway}/api/templates/templates?limit=50", token)["items"]}
    first_id = None
    for company, arr, template, (name, email, title), start in DEMO_ACCOUNTS:
        if template not in templates:
            continue
        body = {"company_name": company, "arr": arr, "close_date": time.strftime("%Y-%m-%d"),
                "industry": "Software", "website": f"https://{email.split('@')[1]}",
                "contacts": [{"name": name, "email": email, "title": title}], "template_id": templates[template],
                "csm_id": me["id"], "crm_source": "demo", "external_id": company.split()[0].lower()}
        account = _create_when_known(gateway, token, body, time.monotonic() + wait)
        if account is None:
            return first_id
        first = account["milestones"][0]
        if start and first["state"] == "pending":
            _call("POST", f"{gateway}/api/accounts/accounts/{account['id']}/milestones/{first['id']}/start", token)
        first_id = first_id or account["id"]
    return first_id


def _create_when_known(gateway: str, token: str, body: dict, deadline: float) -> dict | None:
    while True:
        try:
            return _call("POST", f"{gateway}/api/accounts/accounts", token, body)
        except urllib.error.HTTPError as error:
            if error.code != 422 or time.monotonic() > deadline:
                print(f"stitch: the demo account {body['company_name']} was not created ({error.code}); "
                      "see var/log/accounts.log", file=sys.stderr)
                return None
            time.sleep(0.5)


def _banner(gateway: str, token: str, login: dict, var: Path, account_id: str | None) -> None:
    account = f"{gateway}/api/accounts/accounts/{account_id}" if account_id else "(not seeded: see the log)"
    print(f"""
  Stitch is running  ·  {gateway}
  ─────────────────────────────────────────────────────────────────────────────
  Suite health     {gateway}/ops/health
  API docs         {gateway}/api/templates/docs   (and /api/<service>/docs)
  Demo login       {login["email"]}  /  {login["password"]}   (organization "demo", admin)
  Sign up          {gateway}/auth/signup   (a work email; the mail arrives in the dev mailbox)
  Dev mailbox      {gateway}/dev/mail      (every mail the suite sends, never delivered)
  Demo account     {account}
  Logs and data    {var}
  Try it:
    TOKEN=$(curl -s -H 'Content-Type: application/json' \\
         -d '{{"email":"{login["email"]}","password":"{login["password"]}","session":"token"}}' \\
         {gateway}/auth/login | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')
    curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
         -d '{{"name":"My first template"}}' {gateway}/api/templates/templates
    curl -s -H "Authorization: Bearer $TOKEN" {gateway}/api/accounts/template-catalog
    curl -s -H "Authorization: Bearer $TOKEN" {account}

  A token for the demo admin, valid 15 minutes:
    {token}

  Ctrl-C stops every process.
""", flush=True)


def _stop(children: dict) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    print("stitch: stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
