"""A connection's statuses and the rules it refuses. Pure domain, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stitch.connectors.domain.connections import Connection, ConnectionStatus
from stitch.connectors.domain.errors import RuleBroken

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def a_connection(status: ConnectionStatus = ConnectionStatus.CONNECTED, **changes) -> Connection:
    fields = {"id": "c-1", "org_id": "org-1", "provider": "slack", "status": status, "account_id": "T0LUMEN",
              "account_name": "Lumen (lumen.slack.com)", "scopes": ("chat:write",), "connected_by": "admin-1",
              "connected_at": T0, "token_expires_at": at(720), "changed_at": T0}
    return Connection(**(fields | changes))


@pytest.mark.parametrize(("status", "active"), [
    (ConnectionStatus.CONNECTED, True), (ConnectionStatus.ERROR, True),
    (ConnectionStatus.NEEDS_RECONNECT, True), (ConnectionStatus.DISCONNECTED, False)])
def test_only_a_disconnected_connection_is_inactive(status, active):
    assert a_connection(status).active is active


def test_a_failure_the_tokens_did_not_cause_is_an_error_and_clears_when_a_call_works():
    connection = a_connection()

    assert connection.failed("Slack had a problem (HTTP 503).", at(1), needs_reconnect=False) is True
    assert (connection.status, connection.last_error, connection.last_error_at) == (
        ConnectionStatus.ERROR, "Slack had a problem (HTTP 503).", at(1))
    assert (connection.version, connection.changed_at) == (2, at(1))

    assert connection.failed("Slack did not answer.", at(2), needs_reconnect=False) is False  # still erring
    assert (connection.last_error, connection.version) == ("Slack did not answer.", 3)

    assert connection.worked(at(3)) is True
    assert (connection.status, connection.last_error, connection.last_error_at) == (
        ConnectionStatus.CONNECTED, None, None)
    assert connection.version == 4
    assert connection.worked(at(4)) is False and connection.version == 4  # nothing to clear: no change


def test_a_failure_of_the_tokens_needs_a_reconnect_which_only_a_reconnect_clears():
    connection = a_connection()
    assert connection.failed("Slack no longer accepts Stitch's access.", at(1), needs_reconnect=True) is True
    assert connection.status is ConnectionStatus.NEEDS_RECONNECT

    assert connection.failed("Slack had a problem.", at(2), needs_reconnect=False) is False
    assert connection.status is ConnectionStatus.NEEDS_RECONNECT
    assert connection.worked(at(3)) is False and connection.status is ConnectionStatus.NEEDS_RECONNECT

    connection.reconnected(account_id="T0LUMEN", account_name="Lumen (lumen.slack.com)",
                           scopes=("chat:write",), by="admin-2", at=at(4), token_expires_at=at(724))
    assert (connection.status, connection.last_error, connection.last_error_at) == (
        ConnectionStatus.CONNECTED, None, None)
    assert (connection.connected_by, connection.connected_at, connection.token_expires_at) == (
        "admin-2", at(4), at(724))


def test_an_error_text_is_kept_short():
    connection = a_connection()
    connection.failed("x" * 5000, at(1), needs_reconnect=False)
    assert len(connection.last_error) == 2000


def test_refreshed_tokens_move_the_expiry_and_bring_an_erring_connection_back():
    connection = a_connection(ConnectionStatus.ERROR, last_error="timeout", last_error_at=at(0))
    assert connection.tokens_refreshed(at(1440), ("chat:write", "channels:read"), at(715)) is True
    assert (connection.status, connection.last_error) == (ConnectionStatus.CONNECTED, None)
    assert (connection.token_expires_at, connection.scopes) == (at(1440), ("chat:write", "channels:read"))

    assert connection.tokens_refreshed(at(2160), (), at(1435)) is False  # connected before and after
    assert (connection.token_expires_at, connection.scopes) == (at(2160), ("chat:write", "channels:read"))
    assert connection.changed_at == at(1435)


def test_disconnecting_records_who_and_when_and_forgets_the_expiry():
    connection = a_connection()
    connection.disconnect("admin-1", at(5))
    assert (connection.status, connection.disconnected_by, connection.disconnected_at) == (
        ConnectionStatus.DISCONNECTED, "admin-1", at(5))
    assert connection.token_expires_at is None and not connection.active
    assert connection.version == 2


@pytest.mark.parametrize(("change", "rule"), [
    (lambda c: c.disconnect("admin-2", at(9)), "connection.disconnect.already_disconnected"),
    (lambda c: c.reconnected(account_id="T0", account_name="Lumen", scopes=(), by="admin-2", at=at(9),
                             token_expires_at=None), "connection.reconnect.disconnected"),
    (lambda c: c.set_default_channel("#general", at(9)), "connection.settings.disconnected"),
])
def test_a_disconnected_connection_refuses_to_change(change, rule):
    connection = a_connection()
    connection.disconnect("admin-1", at(5))
    with pytest.raises(RuleBroken) as refused:
        change(connection)
    assert refused.value.rule == rule
    assert (connection.status, connection.version, connection.disconnected_by) == (
        ConnectionStatus.DISCONNECTED, 2, "admin-1")


def test_a_disconnected_connection_ignores_failures():
    connection = a_connection()
    connection.disconnect("admin-1", at(5))
    assert connection.failed("Slack no longer accepts Stitch's access.", at(6), needs_reconnect=True) is False
    assert (connection.status, connection.last_error, connection.version) == (
        ConnectionStatus.DISCONNECTED, None, 2)


def test_the_default_channel_is_set_and_cleared():
    connection = a_connection()
    connection.set_default_channel("#customer-onboarding", at(1))
    assert (connection.default_channel, connection.version, connection.changed_at) == (
        "#customer-onboarding", 2, at(1))
    connection.set_default_channel(None, at(2))
    assert connection.default_channel is None and connection.version == 3
