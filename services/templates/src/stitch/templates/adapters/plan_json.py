"""Stored plans back into domain values. Stored JSON was validated on the way in; no re-checks."""

from __future__ import annotations

from typing import Any

from stitch.templates.domain.plan import Action, Milestone


def milestones_from_json(stored: list[dict[str, Any]]) -> list[Milestone]:
    return [
        Milestone(**{k: v for k, v in m.items() if k != "actions"},
                  actions=tuple(Action(**a) for a in m["actions"]))
        for m in stored
    ]


def milestones_to_json(milestones: list[Milestone]) -> list[dict[str, Any]]:
    return [m.as_dict() for m in milestones]
