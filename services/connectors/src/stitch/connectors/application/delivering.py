"""Outbound delivery: requests become deliveries (once per request id), a periodic sender works the
queue, and every finished delivery of an action is answered with a result event.

Sending happens outside any transaction: mark the attempt started (commit), send, record the
outcome (commit). A worker that dies between the first and the last step leaves the delivery
"sending"; whoever finds it after the lease does not send it again (see domain/deliveries.py).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from stitch.connectors.application import events, vault
from stitch.connectors.application.common import Deps
from stitch.connectors.application.outgoing import compose_email, slack_message, unsendable
from stitch.connectors.application.ports import Due, UnitOfWork
from stitch.connectors.domain.connections import ConnectionStatus
from stitch.connectors.domain.deliveries import Delivery, DeliveryError, DeliveryStatus
from stitch.connectors.domain.failures import SendFailure

log = logging.getLogger(__name__)
CONTENT_KEY = {"email": "email", "slack": "slack", "calendar": "meeting"}
TEST_ABANDONED = DeliveryError("test_abandoned", "The request that asked for this test message ended before it was "
                               "sent, so it was not sent. Send another test.", retryable=False)
INTERNAL_ERROR = SendFailure("internal_error", "Stitch hit an internal error while sending this.",
                             retryable=True)


def when_delivery_requested(deps: Deps, event: Any, org_id: str, data: dict, uow: UnitOfWork) -> None:
    """Keep the request as a delivery and queue it, unless its request id was seen before.

    A request whose message cannot be sent as written (no recipient, no subject…) is answered
    at once with a failure, so the action that asked is never left waiting.
    """
    channel = str(data["channel"])[:16]
    content = data.get(CONTENT_KEY.get(channel, channel))
    delivery = Delivery(
        id=deps.new_id(), org_id=org_id, request_id=str(data["request_id"]), kind="action", channel=channel,
        content=dict(content) if isinstance(content, dict) else {}, requested_at=datetime.fromisoformat(data["requested_at"]),
        account_id=str(data["account_id"]), action_id=str(data["action_id"]),
        requested_by=str(data["requested_by"])[:64] if data.get("requested_by") else None,
        correlation_id=(getattr(event, "correlationid", None) or "")[:64] or None)
    problem = unsendable(channel, content)
    if not uow.deliveries.add(delivery):
        log.info("delivery request %s seen before; not sent again", delivery.request_id)
    elif problem:
        delivery.fail(DeliveryError("invalid_request", f"Stitch cannot send this {channel} request: {problem}.",
                                    retryable=False), deps.clock())
        _settle(uow, delivery)
    else:
        uow.delivery_queue.enqueue(org_id, delivery.id, deps.clock())


def run_due_deliveries(deps: Deps, now: datetime | None = None) -> int:
    """The periodic job: lease a batch of due deliveries across orgs and send each. Returns how many."""
    now = now or deps.clock()
    with deps.uow() as uow:
        due = uow.delivery_queue.claim(now, deps.batch, now + deps.lease)
        uow.commit()
    started = time.monotonic()
    for index, item in enumerate(due):
        if time.monotonic() - started > deps.lease.total_seconds() / 2:
            # Slow sends (a mail server timing out) ate half the lease: give the rest back for
            # another worker rather than start them on a lease about to run out.
            _release(deps, due[index:])
            break
        try:
            send_one(deps, item)
        except Exception:  # noqa: BLE001 - the lease runs out and the next scan deals with it
            log.exception("delivery %s could not be worked on", item.item_id)
    return len(due)


def run_all_due(deps: Deps, now: datetime | None = None) -> int:
    total = 0
    while count := run_due_deliveries(deps, now):
        total += count
    return total


def send_one(deps: Deps, item: Due, *, by_scan: bool = True) -> Delivery | None:
    """Work one leased item. ``by_scan``: the queue's scan (not the request that asked for a test)."""
    delivery = _begin(deps, item, by_scan)
    if delivery is None:
        return None
    outcome: tuple[str, tuple[str, ...]] | SendFailure
    try:
        outcome = _send(deps, delivery)
    except SendFailure as failure:
        outcome = failure
    except Exception:  # noqa: BLE001 - a bug must not lose the delivery: it is retried, then reported
        log.exception("sending delivery %s failed unexpectedly", delivery.id)
        outcome = INTERNAL_ERROR
    if isinstance(outcome, SendFailure) and outcome.needs_reconnect:
        vault.connection_failed(deps, delivery.org_id, delivery.channel, outcome)
    return _record(deps, delivery, outcome)


def _release(deps: Deps, items: list[Due]) -> None:
    with deps.uow() as uow:
        for item in items:
            uow.delivery_queue.release(item)
        uow.commit()


def _begin(deps: Deps, item: Due, by_scan: bool = True) -> Delivery | None:
    """Mark the attempt started, or settle a delivery that needs no sending.

    The item's lease is renewed here, for this one send, and only while it still carries the
    token it was claimed with: an item whose lease ran out and that another worker claimed is
    theirs now, and is left alone.
    """
    with deps.uow() as uow:
        uow.set_org(item.org_id)
        now = deps.clock()
        # The delivery row first, then the queue row: the order _record takes them in, so a worker
        # starting a delivery and one recording it never wait on each other in a circle.
        delivery = uow.deliveries.get(item.org_id, item.item_id, lock=True)
        if not uow.delivery_queue.hold(item, now + deps.lease):
            return None
        if delivery is None or delivery.final:
            uow.delivery_queue.remove(item.item_id)
            uow.commit()
            return None
        if delivery.status is DeliveryStatus.SENDING:  # a worker died mid-send: never send it blind again
            delivery.lost_attempt(now)
            _settle(uow, delivery)
            uow.commit()
            return None
        if by_scan and delivery.kind == "test":  # its request ended before sending it: nobody awaits it now
            delivery.fail(TEST_ABANDONED, now)
            _settle(uow, delivery)
            uow.commit()
            return None
        delivery.start_attempt(now)
        uow.deliveries.save(delivery)
        uow.commit()
        return delivery


def _record(deps: Deps, started: Delivery, outcome: tuple[str, tuple[str, ...]] | SendFailure) -> Delivery | None:
    with deps.uow() as uow:
        uow.set_org(started.org_id)
        delivery = uow.deliveries.get(started.org_id, started.id, lock=True)
        if delivery is None or delivery.status is not DeliveryStatus.SENDING or delivery.attempts != started.attempts:
            return None  # someone settled it meanwhile (our lease ran out): theirs is the verdict
        now = deps.clock()
        if isinstance(outcome, SendFailure):
            delivery.attempt_failed(outcome, now, deps.retry)
        else:
            delivery.succeeded(outcome[0], now, outcome[1])
        if delivery.final:
            _settle(uow, delivery)
        else:
            uow.deliveries.save(delivery)
            uow.delivery_queue.enqueue(delivery.org_id, delivery.id, delivery.next_attempt_at)
        uow.commit()
        return delivery


def _settle(uow: UnitOfWork, delivery: Delivery) -> None:
    """A finished delivery leaves the queue; an action's is answered (tests are answered in the API)."""
    uow.deliveries.save(delivery)
    uow.delivery_queue.remove(delivery.id)
    if delivery.kind == "action":
        uow.publish(*events.delivery_answer(delivery))


def _send(deps: Deps, delivery: Delivery) -> tuple[str, tuple[str, ...]]:
    if delivery.channel == "email":
        with deps.uow() as uow:
            uow.set_org(delivery.org_id)
            email = compose_email(uow, delivery)
        sent = deps.email.send_detailed(email)
        return sent.message_id, tuple(sent.refused)
    if delivery.channel == "slack":
        connection, token = vault.access_token(deps, delivery.org_id, "slack")
        with deps.uow() as uow:
            uow.set_org(delivery.org_id)
            message = slack_message(uow, delivery, connection)
        try:
            ts = deps.slack.post_message(token, message)
        except SendFailure as failure:
            if failure.code == "token_expired":  # renew now (unless another worker did); the retry posts again
                vault.refresh(deps, delivery.org_id, connection.id, unless_changed_from=token)
            raise
        if connection.status is ConnectionStatus.ERROR:  # it works again: say so
            try:  # the message is posted: nothing from here on may turn that into a failure (and a re-post)
                vault.connection_worked(deps, delivery.org_id, connection.id)
            except Exception:  # noqa: BLE001
                log.exception("marking the Slack connection of org %s working again failed", delivery.org_id)
        return ts, ()
    raise SendFailure("channel_unavailable",
                      "Stitch cannot send calendar invitations yet. Send the invitation from your calendar and "
                      "mark the action done.", retryable=False)
