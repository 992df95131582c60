"""`make run`'s supervisor, as a new user meets it: six processes on embedded defaults.

Runs tools/devrun.py on free ports with its own var directory, waits for /ops/health, creates a
template through the gateway and watches it arrive in the accounts read model across processes
(SQLite files + the filesystem:// broker), then stops everything with Ctrl-C (SIGINT).
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from stitch.common.testing.waiting import eventually

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PARTS = ("gateway", "templates", "accounts", "workflows", "portal", "connectors")


def free_ports(count: int) -> list[int]:
    sockets = [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    ports = dict(zip(PARTS, free_ports(len(PARTS)), strict=True))
    var_dir = tmp_path_factory.mktemp("var")
    env = {**os.environ, "STITCH_VAR_DIR": str(var_dir),
           **{f"STITCH_{name.upper()}_PORT": str(port) for name, port in ports.items()}}
    for name in list(env):  # the suite must not pick up test-run settings
        if name.startswith("STITCH_") and name.endswith(("_URL", "DATABASE_URL")):
            env.pop(name)
    process = subprocess.Popen([sys.executable, str(ROOT / "tools" / "devrun.py")], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    try:
        yield process, gateway, ports, var_dir
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def health(gateway: str) -> dict | None:
    try:
        return requests.get(f"{gateway}/ops/health", timeout=3).json()
    except (requests.RequestException, ValueError):
        return None


def test_suite_boots_and_an_event_crosses_processes(suite):
    process, gateway, _ports, var_dir = suite
    ready = eventually(lambda: (h := health(gateway)) and h["status"] == "ready" and h, timeout=120,
                       interval=0.5, what="every part ready")
    assert set(ready["services"]) == set(PARTS)
    assert all(part == {"status": "ready"} for part in ready["services"].values())  # no details anonymously

    def sign_in() -> str | None:  # the supervisor seeds the demo admin once the suite is ready
        password_file = var_dir / "gateway" / "demo-admin-password"
        if not password_file.exists():
            return None
        response = requests.post(f"{gateway}/auth/login", timeout=5, json={
            "email": "admin@demo.stitch.test", "password": password_file.read_text().strip()})
        return response.json()["access_token"] if response.status_code == 200 else None

    token = eventually(sign_in, timeout=60, what="the demo admin can sign in")
    auth = {"Authorization": f"Bearer {token}"}
    detailed = requests.get(f"{gateway}/ops/health", headers=auth, timeout=5).json()
    assert "database" in detailed["services"]["accounts"]["checks"]

    def catalog() -> list[str]:
        body = requests.get(f"{gateway}/api/accounts/template-catalog", headers=auth, timeout=5).json()
        return [item["name"] for item in body["items"]]

    demo = {"Standard SaaS Onboarding", "Enterprise Implementation", "Quick Start"}  # docs/templates/examples
    eventually(lambda: demo <= set(catalog()), timeout=30, what="the demo seed reached accounts")
    created = requests.post(f"{gateway}/api/templates/templates", json={"name": "Pilot rollout"},
                            headers=auth, timeout=5)
    assert created.status_code == 201, created.text
    eventually(lambda: "Pilot rollout" in catalog(), timeout=30, what="new template in the accounts read model")

    bad = requests.post(f"{gateway}/api/templates/templates", json={"name": ""}, headers=auth, timeout=5)
    assert bad.status_code == 422 and bad.headers["Content-Type"] == "application/problem+json"
    assert bad.json()["errors"][0]["name"] == "json.name"
    assert requests.get(f"{gateway}/api/accounts/template-catalog", timeout=5).status_code == 401


def test_the_demo_account_gets_its_drafts_from_the_scheduler(suite):
    """make run seeds a demo account and starts its first milestone; the scheduler (a thread of the
    accounts process, every 2 s) writes the 0-delay drafts without anyone asking."""
    _process, gateway, _ports, var_dir = suite
    password = eventually(lambda: (var_dir / "gateway" / "demo-admin-password").exists()
                          and (var_dir / "gateway" / "demo-admin-password").read_text().strip(), timeout=120)
    token = requests.post(f"{gateway}/auth/login", timeout=5, json={
        "email": "admin@demo.stitch.test", "password": password}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    id_file = var_dir / "demo-account-id"  # written by the supervisor once it seeded the account
    account_id = eventually(lambda: id_file.exists() and id_file.read_text().strip(), timeout=90, interval=0.5,
                            what="the demo account")
    account = requests.get(f"{gateway}/api/accounts/accounts/{account_id}", headers=auth, timeout=5).json()
    assert account["milestones"][0]["state"] == "in_progress"

    def drafted() -> dict | None:
        body = requests.get(f"{gateway}/api/accounts/accounts/{account['id']}", headers=auth, timeout=5).json()
        email = body["milestones"][0]["actions"][0]
        return email if email["state"] == "ready" else None

    email = eventually(drafted, timeout=30, interval=0.5, what="the welcome email drafted by the scheduler")
    assert email["type"] == "SEND_EMAIL" and "{{" not in email["draft"]["fields"]["body"]
    assert "Jordan" in email["draft"]["fields"]["body"]

    # The other demo customers are in the admin's list, and their drafts wait in the review queue.
    listed = requests.get(f"{gateway}/api/accounts/accounts?sort=arr&order=desc", headers=auth, timeout=5).json()
    assert [a["company_name"] for a in listed["items"]] == ["Globex", "Umbrella Health", "Acme Corp", "Initech"]
    queue = eventually(lambda: (q := requests.get(f"{gateway}/api/accounts/review-queue", headers=auth,
                                                  timeout=5).json())["items"] and q, timeout=30, interval=0.5,
                       what="drafts in the review queue")
    assert {item["company_name"] for item in queue["items"]} <= {"Globex", "Umbrella Health", "Acme Corp"}

    # Approved, the welcome email goes out through connectors to the dev mailbox, and the action
    # hears back: executed.
    executed = requests.post(f"{gateway}/api/accounts/accounts/{account_id}/actions/{email['id']}/execute",
                             headers=auth, timeout=5)
    assert executed.status_code == 200, executed.text

    def delivered() -> dict | None:
        body = requests.get(f"{gateway}/api/accounts/accounts/{account_id}", headers=auth, timeout=5).json()
        return body if body["milestones"][0]["actions"][0]["state"] == "executed" else None

    eventually(delivered, timeout=30, interval=0.5, what="the welcome email executed")
    inbox = requests.get(f"{gateway}/dev/mail", headers={"Accept": "application/json"}, timeout=5).json()
    welcome = next(item for item in inbox["items"] if item["to"].endswith("<jordan@acme.test>"))
    assert welcome["subject"] == email["draft"]["fields"]["subject"]
    log = requests.get(f"{gateway}/api/connectors/deliveries?account_id={account_id}", headers=auth, timeout=5)
    assert [d["status"] for d in log.json()["items"]] == ["delivered"]


def test_a_new_customer_signs_up_and_invites_a_teammate(suite):
    """Issue 4's day one, as a new user would do it against `make run`: sign up, find the mail in
    the dev mailbox, follow its link, create the org, sign in, invite Joe, Joe accepts."""
    _process, gateway, _ports, _var = suite
    eventually(lambda: (h := health(gateway)) and h["status"] == "ready", timeout=120, interval=0.5,
               what="every part ready")

    def newest_link(to: str, page: str) -> str:
        def find() -> str | None:
            inbox = requests.get(f"{gateway}/dev/mail", headers={"Accept": "application/json"}, timeout=5).json()
            for item in inbox["items"]:  # newest first
                if item["to"] == to:
                    mail = requests.get(f"{gateway}/dev/mail/{item['id']}", timeout=5,
                                        headers={"Accept": "application/json"}).json()
                    return next((link for link in mail["links"] if page in link), None)
            return None
        return eventually(find, timeout=20, what=f"a mail to {to} with a {page} link")

    def follow(link: str) -> str:
        """Open the page the mail links to (spends nothing), and hand back the token its script reads."""
        page = requests.get(link, timeout=5)
        assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
        assert link.startswith(f"{gateway}/auth/")  # built from the configured public URL
        return link.split("#token=", 1)[1]

    password = "a long enough passphrase"
    refused = requests.post(f"{gateway}/auth/signup", json={"email": "jane@gmail.com"}, timeout=5)
    assert refused.status_code == 422 and "work email" in refused.json()["errors"][0]["reason"]
    assert requests.post(f"{gateway}/auth/signup", json={"email": "jane@acme.test"}, timeout=5).status_code == 202
    token = follow(newest_link("jane@acme.test", "/auth/verify-email"))
    assert requests.post(f"{gateway}/auth/verify-email", json={"token": token}, timeout=5).json()["next"] == \
        "create_organization"
    created = requests.post(f"{gateway}/auth/complete-signup", timeout=10, json={
        "token": token, "name": "Jane Doe", "password": password, "organization": {"name": "Acme", "slug": "acme"}})
    assert created.status_code == 201, created.text
    acme = created.json()["organization"]

    jane = requests.post(f"{gateway}/auth/login", json={"email": "jane@acme.test", "password": password}, timeout=10)
    assert jane.status_code == 200
    invited = requests.post(f"{gateway}/api/gateway/invitations", json={"email": "joe@acme.test", "role": "csm"},
                            headers={"Authorization": f"Bearer {jane.json()['access_token']}"}, timeout=5)
    assert invited.status_code == 201, invited.text

    joe_token = follow(newest_link("joe@acme.test", "/auth/accept-invitation"))
    preview = requests.post(f"{gateway}/auth/invitation", json={"token": joe_token}, timeout=5).json()
    assert preview["organization_name"] == "Acme" and preview["role"] == "csm"
    accepted = requests.post(f"{gateway}/auth/accept-invitation", timeout=10,
                             json={"token": joe_token, "name": "Joe Bloggs", "password": password})
    assert accepted.status_code == 201, accepted.text
    joe = requests.post(f"{gateway}/auth/login", json={"email": "joe@acme.test", "password": password}, timeout=10)
    claims = json.loads(base64.urlsafe_b64decode(joe.json()["access_token"].split(".")[1] + "=="))
    assert claims["role"] == "csm" and claims["org"] == acme["id"]
    again = requests.post(f"{gateway}/auth/accept-invitation", timeout=10,
                          json={"token": joe_token, "name": "Joe", "password": password})
    assert again.status_code == 410


def test_ctrl_c_stops_every_process(suite):
    process, gateway, ports, _var_dir = suite
    eventually(lambda: (h := health(gateway)) and h["status"] == "ready", timeout=120, interval=0.5)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Stitch is running" in output and "stitch: stopped" in output
    assert "admin@demo.stitch.test" in output  # the banner prints the demo login
    for port in ports.values():
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
