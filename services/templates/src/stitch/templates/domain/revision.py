"""Revisions: immutable, numbered snapshots of a template, cut when an admin publishes.

The snapshot is the whole plan in one JSON object. It travels in ``templates.template_published.v1``
so the accounts service can create accounts from it without ever calling this service.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stitch.templates.domain.template import Template


@dataclasses.dataclass(frozen=True)
class Revision:
    id: str
    template_id: str
    org_id: str
    number: int
    snapshot: dict[str, Any]
    published_by: str
    published_at: datetime


def snapshot_of(template: Template, revision_id: str, by: str, now: datetime) -> dict[str, Any]:
    """The revision as data: template details, milestones in sequence, actions in position."""
    milestones = []
    for sequence, milestone in enumerate(template.milestones, start=1):
        data = milestone.as_dict()
        data["sequence"] = sequence
        for position, action in enumerate(data["actions"], start=1):
            action["position"] = position
        milestones.append(data)
    return {
        "template_id": template.id, "revision_id": revision_id, "revision": template.latest_revision,
        "name": template.name, "description": template.description,
        "duration_weeks": template.duration_weeks, "segment": template.segment, "tags": list(template.tags),
        "milestones": milestones, "published_by": by, "published_at": now.isoformat(),
    }


def document_of(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A revision in the exchange format (no ids, no sequence numbers: order is the sequence)."""
    return {
        "name": snapshot["name"], "description": snapshot["description"],
        "duration_weeks": snapshot["duration_weeks"], "segment": snapshot["segment"], "tags": snapshot["tags"],
        "milestones": [
            {**{k: v for k, v in m.items() if k not in ("id", "sequence", "actions")},
             "actions": [{k: v for k, v in a.items() if k not in ("id", "position")} for a in m["actions"]]}
            for m in snapshot["milestones"]
        ],
    }
