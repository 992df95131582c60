"""The token vault on a real database: AES-GCM bound to its row, key rotation, unreadable tokens,
the key-making command, and tokens that never show up anywhere but sealed."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
from datetime import timedelta

import pytest
import requests
from sqlalchemy import update

from stitch.connectors.adapters.tables import connection_secrets
from stitch.connectors.adapters.token_cipher import TamperedSecret, cipher_from_setting
from stitch.connectors.application.ports import Sealed
from stitch.connectors.application.vault import associated_data
from stitch.connectors.entrypoints import cli
from stitch.connectors.entrypoints.http import create_app

pytestmark = pytest.mark.integration


def sealed_row(connectors, connection_id: str, field: str = "access_token") -> Sealed:
    [row] = [row for row in connectors.rows("connection_secrets")
             if row["connection_id"] == connection_id and row["field"] == field]
    return Sealed(row["key_id"], bytes(row["nonce"]), bytes(row["ciphertext"]))


def test_a_ciphertext_moved_to_another_row_does_not_open(connectors, kit):
    connection_a = connectors.connect_slack(kit.ORG_A)
    token_a = connectors.slack.issued[-1].access_token
    connection_b = connectors.connect_slack(kit.ORG_B)
    cipher = cipher_from_setting(kit.K1)
    sealed = sealed_row(connectors, connection_a.id)

    assert cipher.open(sealed, associated_data(connection_a, "access_token")) == token_a
    with pytest.raises(TamperedSecret):  # another org's connection
        cipher.open(sealed, associated_data(connection_b, "access_token"))
    with pytest.raises(TamperedSecret):  # another connection of the same org
        cipher.open(sealed, associated_data(dataclasses.replace(connection_a, id=connection_b.id), "access_token"))
    with pytest.raises(TamperedSecret):  # another field of the same connection
        cipher.open(sealed, associated_data(connection_a, "refresh_token"))

    # A database writer copies org A's sealed token over org B's: B must not get to use A's workspace.
    connectors.edit(kit.ORG_B, update(connection_secrets).where(
        connection_secrets.c.connection_id == connection_b.id, connection_secrets.c.field == "access_token")
        .values(key_id=sealed.key_id, nonce=sealed.nonce, ciphertext=sealed.ciphertext))
    calls_before = len(connectors.slack.calls)
    result = connectors.use["test_connection"](kit.ORG_B, "slack")

    assert result.ok is False and result.error["code"] == "integration_needs_reconnect"
    assert connectors.slack_connection(kit.ORG_B).status == "needs_reconnect"
    assert connectors.slack.calls[calls_before:] == []  # A's token never went to Slack on B's behalf
    assert connectors.use["test_connection"](kit.ORG_A, "slack").ok is True


def test_rotation_reseals_every_token_under_the_new_key(build_connectors, kit):
    before = build_connectors(token_keys=kit.K1)
    connection_a = before.connect_slack(kit.ORG_A)
    connection_b = before.connect_slack(kit.ORG_B)
    assert {row["key_id"] for row in before.rows("connection_secrets")} == {"k1"}

    rotating = build_connectors(token_keys=f"{kit.K2},{kit.K1}")
    assert rotating.use["test_connection"](kit.ORG_A, "slack").ok is True  # every listed key still opens
    result = rotating.use["reencrypt_tokens"]()

    assert (result.connections, result.unreadable, result.by_key) == (2, 0, {"k2": 2})
    secrets_rows = rotating.rows("connection_secrets")
    assert len(secrets_rows) == 4 and {row["key_id"] for row in secrets_rows} == {"k2"}
    index = rotating.rows("vault_index")
    assert sorted(row["connection_id"] for row in index) == sorted([connection_a.id, connection_b.id])
    assert [row for row in index if row["key_id"] == "k1"] == []
    assert rotating.use["reencrypt_tokens"]().connections == 0  # nothing left under k1

    after = build_connectors(token_keys=kit.K2)  # k1 dropped
    assert after.use["test_connection"](kit.ORG_A, "slack").ok is True
    assert after.use["test_connection"](kit.ORG_B, "slack").ok is True
    cipher = cipher_from_setting(kit.K2)
    assert cipher.open(sealed_row(after, connection_a.id, "refresh_token"),
                       associated_data(connection_a, "refresh_token")).startswith("xoxe-")


def test_the_reencrypt_command_rotates_as_an_operator_runs_it(build_connectors, database, kit, monkeypatch, capsys,
                                                              tmp_path):
    """`stitch-connectors reencrypt-tokens` with the new key first in STITCH_TOKEN_KEYS."""
    before = build_connectors(token_keys=kit.K1)
    before.connect_slack(kit.ORG_A)
    for name, value in {"STITCH_DATABASE_URL": database.url, "STITCH_ENV": "prod", "STITCH_VAR_DIR": str(tmp_path),
                        "STITCH_TOKEN_KEYS": f"{kit.K2},{kit.K1}", "STITCH_BROKER_URL": "memory://"}.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(SystemExit) as ended:
        cli.main(["reencrypt-tokens"])

    assert ended.value.code == 0
    assert json.loads(capsys.readouterr().out) == {"reencrypted": 1, "unreadable": 0, "by_key": {"k2": 1}}
    assert {row["key_id"] for row in before.rows("connection_secrets")} == {"k2"}


def test_a_token_sealed_under_a_key_no_longer_configured_is_reported_unreadable(build_connectors, kit):
    before = build_connectors(token_keys=kit.K1)
    connection = before.connect_slack(kit.ORG_A)

    without_k1 = build_connectors(token_keys=f"{kit.K3},{kit.K2}")
    result = without_k1.use["reencrypt_tokens"]()

    assert (result.connections, result.unreadable, result.by_key) == (0, 1, {"k1": 1})
    assert {row["key_id"] for row in without_k1.rows("connection_secrets")} == {"k1"}  # left as it was
    tested = without_k1.use["test_connection"](kit.ORG_A, "slack")
    assert tested.ok is False and tested.error["code"] == "integration_needs_reconnect"
    assert without_k1.slack_connection(kit.ORG_A).id == connection.id


def test_new_token_key_prints_an_entry_the_setting_accepts(capsys):
    cli.main(["new-token-key", "--id", "k2027"])
    first = json.loads(capsys.readouterr().out)["entry"]
    cli.main(["new-token-key"])
    second = json.loads(capsys.readouterr().out)["entry"]

    key_id, _, encoded = first.partition(":")
    assert key_id == "k2027" and len(base64.b64decode(encoded, validate=True)) == 32
    assert second.startswith("k2") and second.partition(":")[2] != encoded  # a fresh key each time
    cipher = cipher_from_setting(f"{first},{second}")
    assert cipher.primary_key_id == "k2027"
    assert cipher.open(cipher.seal("canary", "ad"), "ad") == "canary"


def test_tokens_never_show_in_logs_events_answers_or_columns(build_connectors, kit, test_keys, caplog):
    # Every logger at DEBUG before the service is built (it holds slack_sdk's body logging at INFO,
    # as in production).
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    connectors = build_connectors()
    connectors.slack.add_channel("#northwind-onboarding")
    connectors.slack.add_channel("#private", member=False)
    connectors.organization()
    connectors.staff_user(kit.ADMIN, "Ada Admin", "ada.admin@lumen.example", role="admin")
    connection = connectors.connect_slack()
    answers: list[str] = []
    client = create_app(connectors.runtime).test_client()
    admin = test_keys.bearer(org=kit.ORG_A, role="admin", sub=kit.ADMIN)

    def call(method: str, path: str, **kwargs):
        response = client.open(f"/api/connectors{path}", method=method, headers=admin, **kwargs)
        assert response.status_code < 300, (path, response.get_json())
        answers.append(f"{response.headers}\n{response.get_data(as_text=True)}")
        return response.get_json()

    connectors.request_slack("#northwind-onboarding")
    connectors.request_slack("#private")
    connectors.request_email()
    connectors.run()
    call("POST", "/connections/slack/test")
    call("POST", "/test-messages", json={"channel": "slack", "slack_channel": "#northwind-onboarding"})
    call("PATCH", "/connections/slack", json={"default_channel": "#northwind-onboarding"})
    connectors.clock.now = connection.token_expires_at - timedelta(minutes=4)
    connectors.use["refresh_due_tokens"]()  # a rotation: new access and refresh tokens
    for path in ("/providers", "/connections", "/connections?include_disconnected=true", "/connections/slack",
                 "/slack/account-channels"):
        call("GET", path)
    for delivery in call("GET", "/deliveries")["items"]:
        call("GET", f"/deliveries/{delivery['id']}")
    stored = connectors.all_rows()  # before the disconnect erases the sealed tokens
    # The workspace uninstalls the app: the next send, refresh and revocation are refused (and logged).
    requests.post(f"{connectors.slack.api_url}auth.revoke", timeout=10,
                  headers={"Authorization": f"Bearer {connectors.slack.issued[-1].access_token}"})
    connectors.request_slack("#northwind-onboarding")
    connectors.run()
    call("DELETE", "/connections/slack")

    canaries = [value for issued in connectors.slack.issued for value in (issued.access_token, issued.refresh_token)]
    canaries.append("fake-client-secret")
    assert len(canaries) >= 5  # connect and refresh both issued tokens
    logged = caplog.text + "\n".join(f"{record.getMessage()} {record.args!r} {record.exc_text}"
                                     for record in caplog.records)
    assert caplog.records  # the logs were captured
    published = json.dumps(connectors.outbox())
    columns = [(f"{table}.{column}", kit.cell_text(value))
               for table, rows in stored.items() for row in rows for column, value in row.items()]
    for canary in canaries:
        assert canary not in logged
        assert canary not in published
        assert not [answer for answer in answers if canary in answer]
        assert not [where for where, text in columns if canary in text]
