"""The CloudEvents 1.0 envelope every Stitch event travels in (DESIGN §3).

Structured JSON mode with the extensions ``orgid``, ``correlationid``, ``causationid`` and
``traceparent``. The ``id`` is the AMQP ``message_id``, the outbox key and the inbox key.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from stitch.common import context

SPECVERSION = "1.0"
_TYPE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$")


class MalformedEvent(ValueError):
    """The bytes on the wire are not a Stitch envelope: no retry can fix that."""


@dataclasses.dataclass(frozen=True)
class Envelope:
    id: str
    source: str
    type: str
    time: str
    data: dict[str, Any]
    orgid: str | None = None
    correlationid: str | None = None
    causationid: str | None = None
    traceparent: str | None = None
    specversion: str = SPECVERSION
    datacontenttype: str = "application/json"

    @property
    def routing_key(self) -> str:
        return self.type

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Envelope:
        try:
            body = json.loads(raw)
        except (TypeError, ValueError) as exc:
            raise MalformedEvent(f"not JSON: {exc}") from exc
        return cls.from_dict(body)

    @classmethod
    def from_dict(cls, body: Any) -> Envelope:
        if not isinstance(body, dict):
            raise MalformedEvent("envelope must be a JSON object")
        missing = [k for k in ("id", "source", "type", "time", "specversion") if not body.get(k)]
        if missing:
            raise MalformedEvent(f"envelope lacks {', '.join(missing)}")
        if body["specversion"] != SPECVERSION:
            raise MalformedEvent(f"unsupported specversion {body['specversion']!r}")
        if not _TYPE.match(str(body["type"])):
            raise MalformedEvent(f"event type {body['type']!r} is not <service>.<name>.v<n>")
        if not isinstance(body.get("data", {}), dict):
            raise MalformedEvent("data must be a JSON object")
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in body.items() if k in known} | {"data": body.get("data", {})})


def new_event(service: str, event_type: str, data: dict[str, Any], org_id: str | None,
              namespace: str | None = None) -> Envelope:
    """Build an envelope for an event raised now, inheriting the current correlation context.

    Event types start with the producer's namespace: its service name, unless it publishes
    under another (the gateway's events are ``identity.*``, DESIGN §1)."""
    namespace = namespace or service
    if not _TYPE.match(event_type) or not event_type.startswith(f"{namespace}."):
        raise ValueError(f"{event_type!r} must be '{namespace}.<name>.v<n>'")
    event_id = str(uuid.uuid4())
    return Envelope(
        id=event_id,
        source=f"/stitch/{service}",
        type=event_type,
        time=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        data=data,
        orgid=org_id,
        correlationid=context.correlation_id.get() or event_id,
        causationid=context.causation_id.get() or context.request_id.get(),
        traceparent=context.child_traceparent(context.traceparent.get()),
    )
