"""Workers racing on PostgreSQL (the full stack runs several): every delivery goes out exactly once,
and a refresh token is spent once however many workers find it due. Skipped without PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stitch.common.testing.racing import all_at_once

pytestmark = pytest.mark.integration
REFRESH_MARGIN = timedelta(minutes=5)


@pytest.fixture
def backend() -> str:
    return "postgresql"  # SQLite has one writer at a time: there is no race to lose there


def test_two_senders_send_each_of_200_deliveries_exactly_once(connectors, kit):
    requests = [connectors.request_email(subject=f"Onboarding step {number:03d}") for number in range(200)]

    def drain(_: int) -> int:
        sent = 0
        while count := connectors.use["run_due_deliveries"]():
            sent += count
        return sent

    results = all_at_once(2, drain)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(results) == 200
    received = connectors.smtp.wait_for(200, timeout=30)
    assert len(received) == 200
    assert len({mail.message["Message-ID"] for mail in received}) == 200
    assert sorted(str(mail.message["Subject"]) for mail in received) == [
        f"Onboarding step {number:03d}" for number in range(200)]
    answers = connectors.answers()
    assert len(answers) == 200 and {a["type"] for a in answers} == {kit.SUCCEEDED}
    assert sorted(a["data"]["request_id"] for a in answers) == sorted(r["request_id"] for r in requests)
    assert {a["data"]["provider_message_id"] for a in answers} == {m.message["Message-ID"] for m in received}


RACERS = [("test_connection", "test_connection"), ("refresh_due_tokens", "test_connection"),
          ("refresh_due_tokens", "refresh_due_tokens")]


def test_one_due_connection_refreshed_by_two_workers_at_once_is_refreshed_once(connectors, kit):
    connectors.connect_slack()
    calls = {"test_connection": lambda: connectors.use["test_connection"](kit.ORG_A, "slack"),
             "refresh_due_tokens": lambda: connectors.use["refresh_due_tokens"]()}

    for round_ in range(6):  # each pairing twice: a race is lost now and then, not every time
        racers = RACERS[round_ % len(RACERS)]
        connection = connectors.slack_connection()
        # Exactly at the margin: due now, and not due after a refresh whatever clock the expiry came from.
        connectors.clock.now = connection.token_expires_at - REFRESH_MARGIN
        refreshes_before = connectors.slack.calls.count("oauth.v2.access")

        results = all_at_once(2, lambda i: calls[racers[i]]())

        assert [r for r in results if isinstance(r, Exception)] == [], racers
        assert connectors.slack.calls.count("oauth.v2.access") - refreshes_before == 1, racers
        assert [r.ok for r in results if hasattr(r, "ok")] == [True] * racers.count("test_connection")
        after = connectors.slack_connection()
        assert after.status == "connected" and after.token_expires_at > connection.token_expires_at
    assert [issued.grant_type for issued in connectors.slack.issued] == ["authorization_code"] + ["refresh_token"] * 6


def test_two_admins_finishing_a_first_connect_at_once_both_land_on_one_connection(connectors, kit):
    """Neither flow finds a connection to lock, so both insert: the one-active index takes one, and
    the other reconnects it instead of failing with a server error and leaving its grant unused."""
    for round_ in range(3):
        flows = []
        for _ in range(2):
            started = connectors.use["start_connect"](kit.ORG_A, kit.ADMIN, "slack", None)
            flows.append((started, connectors.approve(started.authorization_url)))

        results = all_at_once(2, lambda i: connectors.use["finish_connect"](
            "slack", state=flows[i][1]["state"], browser_secret=flows[i][0].browser_secret,
            code=flows[i][1]["code"], error=None))

        assert [r for r in results if isinstance(r, Exception)] == [], round_
        assert all("result=connected" in r for r in results)
        active = [c for c in connectors.use["connections"](kit.ORG_A) if c.active]
        assert len(active) == 1 and str(active[0].status) == "connected"
        connectors.use["disconnect"](kit.ORG_A, kit.ADMIN, "slack")  # the next round starts unconnected
