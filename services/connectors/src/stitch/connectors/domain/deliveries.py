"""A delivery: one request to send one email or Slack message, and what became of it.

The request id is the idempotency key: a request seen twice is one delivery. Each attempt is
recorded. A transient failure waits (backoff, or what the provider asked for with Retry-After)
and tries again until the attempts run out; a permanent one fails at once. An attempt that was
started but never finished (the worker died mid-send) is not repeated: nobody knows whether the
message went out, and a customer getting the same email twice is worse than a CSM being told
"check before you send again".
"""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from stitch.connectors.domain.failures import SendFailure


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # an attempt is under way
    RETRYING = "retrying"  # the last attempt failed for a reason that may pass; another is planned
    DELIVERED = "delivered"
    FAILED = "failed"


FINAL = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.FAILED})


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.2  # ± this share of the delay, so many retries do not land at one instant

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random | None = None) -> timedelta:
        """The wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after is not None:  # the provider said how long; never less, and within the cap
            return min(timedelta(seconds=max(retry_after, 0)), self.cap)
        backoff = min(self.base * 2 ** (attempt - 1), self.cap)
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return min(backoff * (1 + spread), self.cap)


@dataclasses.dataclass(frozen=True)
class DeliveryError:
    code: str
    message: str
    retryable: bool

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "retryable": self.retryable}


OUTCOME_UNKNOWN = DeliveryError(
    "outcome_unknown",
    "Stitch lost track of this delivery while it was being sent (the sending process stopped). It may or "
    "may not have reached the recipients: check with them before sending it again.",
    retryable=False)  # not "try again": that is how a customer gets the same message twice


@dataclasses.dataclass
class Delivery:
    id: str
    org_id: str
    request_id: str
    kind: str  # "action" (from accounts) or "test" (an admin's test message)
    channel: str  # "email", "slack", "calendar"
    content: dict[str, Any]  # what to send, as requested (email or slack object)
    requested_at: datetime
    account_id: str | None = None
    action_id: str | None = None
    requested_by: str | None = None
    status: DeliveryStatus = DeliveryStatus.QUEUED
    attempts: int = 0
    next_attempt_at: datetime | None = None
    attempt_log: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    provider_message_id: str | None = None
    refused: tuple[str, ...] = ()  # recipients the server refused while it took the rest
    error: DeliveryError | None = None
    finished_at: datetime | None = None
    correlation_id: str | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def start_attempt(self, at: datetime) -> None:
        if self.final or self.status is DeliveryStatus.SENDING:
            raise ValueError(f"delivery {self.id} is {self.status}, not sendable")
        self.status, self.attempts, self.next_attempt_at = DeliveryStatus.SENDING, self.attempts + 1, None
        self.attempt_log.append({"attempt": self.attempts, "started_at": at.isoformat()})

    def succeeded(self, message_id: str, at: datetime, refused: tuple[str, ...] = ()) -> None:
        self._finish_attempt(at, "delivered")
        self.status, self.provider_message_id, self.refused, self.finished_at = (
            DeliveryStatus.DELIVERED, message_id, refused, at)
        self.error = None

    def attempt_failed(self, failure: SendFailure, at: datetime, policy: RetryPolicy,
                       rng: random.Random | None = None) -> None:
        """Retry later if the failure may pass and attempts are left; else fail for good."""
        error = DeliveryError(failure.code, failure.message, failure.retryable)
        self._finish_attempt(at, "failed", error)
        if failure.retryable and self.attempts < policy.attempts:
            self.status, self.error = DeliveryStatus.RETRYING, error
            self.next_attempt_at = at + policy.delay(self.attempts, failure.retry_after, rng)
            return
        if failure.retryable:  # out of attempts: say so; trying later may still work
            tried = (f"Stitch tried {self.attempts} times and gave up." if self.attempts > 1
                     else "It was tried once.")
            error = DeliveryError(failure.code, f"{failure.message} {tried}", retryable=True)
        self.fail(error, at)

    def fail(self, error: DeliveryError, at: datetime) -> None:
        if self.status is DeliveryStatus.SENDING:
            self._finish_attempt(at, "failed", error)
        self.status, self.error, self.finished_at, self.next_attempt_at = DeliveryStatus.FAILED, error, at, None

    def lost_attempt(self, at: datetime) -> None:
        """The attempt under way was abandoned (its worker's lease ran out): never send it blind again."""
        self.fail(OUTCOME_UNKNOWN, at)

    def _finish_attempt(self, at: datetime, result: str, error: DeliveryError | None = None) -> None:
        if self.attempt_log and "finished_at" not in self.attempt_log[-1]:
            entry = self.attempt_log[-1]
            entry.update(finished_at=at.isoformat(), result=result)
            if error is not None:
                entry["error"] = error.as_dict()
