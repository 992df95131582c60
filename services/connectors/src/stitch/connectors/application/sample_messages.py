"""An admin's "send a test message": one real email or Slack message, sent now, answered in the API.

A test is logged like any delivery (kind "test") but is tried once and never retried or
answered with an event: the admin is looking at the result.
"""

from __future__ import annotations

import dataclasses

from stitch.connectors.application import delivering
from stitch.connectors.application.common import Deps
from stitch.connectors.application.outgoing import branding_of
from stitch.connectors.domain.deliveries import Delivery, RetryPolicy
from stitch.connectors.domain.errors import InvalidInput

TEST_SUBJECT = "Stitch test message"


def send_test_email(deps: Deps, org_id: str, user_id: str, to: str | None) -> Delivery:
    with deps.uow() as uow:
        uow.set_org(org_id)
        caller = uow.directory.user(org_id, user_id)
        company = branding_of(uow, org_id).company_name or "your team"
        # Only to the team's own inboxes: a test message must not become a way to mail anyone.
        if to is not None and not uow.directory.is_staff_email(org_id, to):
            raise InvalidInput("to", "must be the address of an active member of your organization")
    to = to or (caller.email if caller else None)
    if not to:
        raise InvalidInput("to", "required: Stitch does not know your email address yet")
    name = caller.name if caller else "Stitch"
    body = (f"Hi,\n\nThis is a test message from Stitch, sent by {name} for {company}.\n\n"
            "If you can read it, customer email from Stitch reaches this inbox, with your branding.\n")
    content = {"from_name": name, "reply_to": caller.email if caller else None, "to": [{"name": "", "email": to}],
               "cc": [], "bcc": [], "subject": TEST_SUBJECT, "body_markdown": body, "notification": False}
    return _send_now(deps, org_id, user_id, "email", content)


def send_test_slack(deps: Deps, org_id: str, user_id: str, channel: str) -> Delivery:
    content = {"channel": channel, "text": "This is a test message from Stitch: onboarding messages you approve "
                                          "will appear in this channel."}
    return _send_now(deps, org_id, user_id, "slack", content)


def _send_now(deps: Deps, org_id: str, user_id: str, channel: str, content: dict) -> Delivery:
    now = deps.clock()
    delivery = Delivery(id=deps.new_id(), org_id=org_id, request_id=deps.new_id(), kind="test", channel=channel,
                        content=content, requested_at=now, requested_by=user_id)
    with deps.uow() as uow:
        uow.set_org(org_id)
        uow.deliveries.add(delivery)
        # Sent right here, once; queued only under this request's lease, so if the request dies
        # mid-send the sender's scan finds it after the lease and settles it (never re-sends it).
        item = uow.delivery_queue.lease_now(org_id, delivery.id, now + deps.lease)
        uow.commit()
    once = dataclasses.replace(deps, retry=RetryPolicy(attempts=1))
    return delivering.send_one(once, item, by_scan=False) or delivery
