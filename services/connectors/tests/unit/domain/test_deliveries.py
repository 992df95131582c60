"""A delivery's life: attempts, the retry policy (Retry-After wins, a cap, jitter within bounds),
the attempt log, and an abandoned attempt that is never sent blind again. Pure domain, no I/O."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from stitch.connectors.domain.deliveries import (
    OUTCOME_UNKNOWN,
    Delivery,
    DeliveryError,
    DeliveryStatus,
    RetryPolicy,
)
from stitch.connectors.domain.failures import SendFailure

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
POLICY = RetryPolicy(attempts=3, base=timedelta(seconds=30), cap=timedelta(minutes=10), jitter=0.2)
BUSY = SendFailure("mail_server_busy", "The mail server asked to try again later: 451 4.3.0", retryable=True)
REJECTED = SendFailure("rejected", "The mail server refused the message: 554 5.7.1 spam", retryable=False)


class Edge:
    """A random source that always draws the low (or high) end of the range: the jitter's bounds."""

    def __init__(self, high: bool) -> None:
        self.high = high

    def uniform(self, low: float, high: float) -> float:
        return high if self.high else low


def a_delivery(**changes) -> Delivery:
    fields = {"id": "d-1", "org_id": "org-1", "request_id": "r-1", "kind": "action", "channel": "email",
              "content": {"subject": "Hi"}, "requested_at": T0, "account_id": "a-1", "action_id": "x-1"}
    return Delivery(**(fields | changes))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# the retry policy ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("attempt", "expected"), [(1, 30), (2, 60), (3, 120), (5, 480), (6, 600), (20, 600)])
def test_the_backoff_doubles_from_the_base_up_to_the_cap(attempt, expected):
    no_jitter = RetryPolicy(base=timedelta(seconds=30), cap=timedelta(minutes=10), jitter=0.0)
    assert no_jitter.delay(attempt, None) == timedelta(seconds=expected)


def test_jitter_spreads_the_wait_within_its_bounds():
    assert POLICY.delay(2, None, Edge(high=False)) == timedelta(seconds=48)  # 60 s - 20 %
    assert POLICY.delay(2, None, Edge(high=True)) == timedelta(seconds=72)  # 60 s + 20 %
    waits = {POLICY.delay(2, None, random.Random(seed)) for seed in range(200)}
    assert all(timedelta(seconds=48) <= wait <= timedelta(seconds=72) for wait in waits)
    assert len(waits) > 100  # spread, not one instant for everyone


def test_jitter_never_lifts_a_wait_above_the_cap():
    # "doubled each time, capped at an hour" (config.delivery_backoff_seconds): the cap is a ceiling.
    assert POLICY.delay(30, None, Edge(high=True)) <= timedelta(minutes=10)
    assert POLICY.delay(30, None, Edge(high=False)) == timedelta(minutes=8)  # jitter still spreads below it


def test_retry_after_wins_over_the_backoff_without_jitter():
    assert POLICY.delay(1, 7, Edge(high=True)) == timedelta(seconds=7)
    assert POLICY.delay(3, 7.5, Edge(high=False)) == timedelta(seconds=7.5)


def test_retry_after_is_held_to_the_cap_and_never_negative():
    assert POLICY.delay(1, 86_400) == timedelta(minutes=10)
    assert POLICY.delay(1, -5) == timedelta(0)


# transitions --------------------------------------------------------------------------------------


def test_a_new_delivery_is_queued():
    delivery = a_delivery()
    assert (delivery.status, delivery.attempts, delivery.attempt_log, delivery.final) == (
        DeliveryStatus.QUEUED, 0, [], False)


def test_starting_an_attempt_counts_and_logs_it():
    delivery = a_delivery(next_attempt_at=at(0))
    delivery.start_attempt(at(1))
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.SENDING, 1, None)
    assert delivery.attempt_log == [{"attempt": 1, "started_at": at(1).isoformat()}]


def test_a_delivery_under_way_or_finished_cannot_start_another_attempt():
    sending = a_delivery()
    sending.start_attempt(at(0))
    with pytest.raises(ValueError):
        sending.start_attempt(at(1))
    for finish in (lambda d: d.succeeded("<m@x>", at(1)), lambda d: d.attempt_failed(REJECTED, at(1), POLICY)):
        delivery = a_delivery()
        delivery.start_attempt(at(0))
        finish(delivery)
        assert delivery.final
        with pytest.raises(ValueError):
            delivery.start_attempt(at(2))


def test_success_records_the_message_id_refused_recipients_and_closes_the_attempt():
    delivery = a_delivery()
    delivery.start_attempt(at(0))
    delivery.succeeded("<m1@stitch.test>", at(2), refused=("gone@northwind.example",))
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.final
    assert (delivery.provider_message_id, delivery.refused, delivery.finished_at, delivery.error) == (
        "<m1@stitch.test>", ("gone@northwind.example",), at(2), None)
    assert delivery.attempt_log == [{"attempt": 1, "started_at": at(0).isoformat(),
                                     "finished_at": at(2).isoformat(), "result": "delivered"}]


def test_a_transient_failure_with_attempts_left_waits_and_retries():
    delivery = a_delivery()
    delivery.start_attempt(at(0))
    delivery.attempt_failed(BUSY, at(1), POLICY, Edge(high=True))

    assert delivery.status is DeliveryStatus.RETRYING and not delivery.final
    assert delivery.next_attempt_at == at(1) + timedelta(seconds=36)  # 30 s + 20 %
    assert delivery.error == DeliveryError("mail_server_busy", BUSY.message, True)
    assert delivery.finished_at is None
    assert delivery.attempt_log[0]["result"] == "failed"
    assert delivery.attempt_log[0]["error"] == {"code": "mail_server_busy", "message": BUSY.message,
                                                "retryable": True}

    delivery.start_attempt(at(40))  # a retrying delivery is sendable again
    delivery.succeeded("<m@x>", at(41))
    assert (delivery.status, delivery.attempts, delivery.error) == (DeliveryStatus.DELIVERED, 2, None)
    assert [entry["attempt"] for entry in delivery.attempt_log] == [1, 2]
    assert [entry["result"] for entry in delivery.attempt_log] == ["failed", "delivered"]


def test_the_providers_retry_after_sets_the_next_attempt():
    delivery = a_delivery(channel="slack")
    delivery.start_attempt(at(0))
    delivery.attempt_failed(SendFailure("rate_limited", "Slack asked Stitch to slow down.", retryable=True,
                                        retry_after=7), at(1), POLICY, Edge(high=True))
    assert delivery.next_attempt_at == at(8)


def test_a_permanent_failure_fails_at_once_with_the_providers_words():
    delivery = a_delivery()
    delivery.start_attempt(at(0))
    delivery.attempt_failed(REJECTED, at(1), POLICY)
    assert (delivery.status, delivery.finished_at, delivery.next_attempt_at) == (DeliveryStatus.FAILED, at(1), None)
    assert delivery.error == DeliveryError("rejected", REJECTED.message, False)
    assert delivery.attempt_log[0]["result"] == "failed"


def test_when_attempts_run_out_a_transient_failure_fails_saying_trying_later_may_work():
    delivery = a_delivery()
    for attempt in range(POLICY.attempts):
        delivery.start_attempt(at(attempt * 100))
        delivery.attempt_failed(BUSY, at(attempt * 100 + 1), POLICY)
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 3
    assert delivery.error.retryable is True and delivery.error.code == "mail_server_busy"
    assert delivery.error.message == f"{BUSY.message} Stitch tried 3 times and gave up."
    assert len(delivery.attempt_log) == 3 and all(entry["result"] == "failed" for entry in delivery.attempt_log)
    assert delivery.next_attempt_at is None


def test_an_abandoned_attempt_fails_as_outcome_unknown_and_closes_its_log_entry():
    delivery = a_delivery()
    delivery.start_attempt(at(0))
    delivery.lost_attempt(at(600))
    assert (delivery.status, delivery.error, delivery.finished_at) == (DeliveryStatus.FAILED, OUTCOME_UNKNOWN, at(600))
    assert OUTCOME_UNKNOWN.code == "outcome_unknown" and OUTCOME_UNKNOWN.retryable is False
    assert delivery.attempt_log[0] == {"attempt": 1, "started_at": at(0).isoformat(),
                                      "finished_at": at(600).isoformat(), "result": "failed",
                                      "error": OUTCOME_UNKNOWN.as_dict()}


def test_failing_a_delivery_that_is_not_sending_leaves_the_log_alone():
    delivery = a_delivery()
    delivery.start_attempt(at(0))
    delivery.attempt_failed(BUSY, at(1), POLICY)
    log = [dict(entry) for entry in delivery.attempt_log]
    error = DeliveryError("channel_unavailable", "Stitch cannot send calendar invitations yet.", False)
    delivery.fail(error, at(5))
    assert (delivery.status, delivery.error, delivery.next_attempt_at) == (DeliveryStatus.FAILED, error, None)
    assert delivery.attempt_log == log
