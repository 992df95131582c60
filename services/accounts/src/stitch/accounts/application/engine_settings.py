"""The org's rules for the onboarding engine: review portal tasks first, auto-send per type."""

from __future__ import annotations

import dataclasses
from typing import Any

from stitch.accounts.application.common import Deps
from stitch.accounts.application.ports import EngineSettings
from stitch.accounts.domain.errors import InvalidInput, Violation
from stitch.accounts.domain.states import ActionType
from stitch.common.concurrency import StaleVersion, check_version

# Portal tasks are published without approval anyway; auto-send concerns messages.
AUTO_SENDABLE = frozenset({ActionType.SEND_EMAIL.value, ActionType.SLACK.value, ActionType.SCHEDULE_MEETING.value})


def get_settings(deps: Deps, org_id: str) -> EngineSettings:
    with deps.uow() as uow:
        uow.set_org(org_id)
        return uow.settings.get(org_id)


def update_settings(deps: Deps, org_id: str, actor: str, changes: dict[str, Any],
                    expected_version: int | None = None) -> EngineSettings:
    problems = []
    if "review_portal_tasks" in changes and not isinstance(changes["review_portal_tasks"], bool):
        problems.append(Violation("review_portal_tasks", "must be true or false"))
    auto_send = changes.get("auto_send")
    if auto_send is not None and (not isinstance(auto_send, list) or not set(auto_send) <= AUTO_SENDABLE):
        problems.append(Violation("auto_send", f"must list action types among {', '.join(sorted(AUTO_SENDABLE))}"))
    if problems:
        raise InvalidInput(problems)
    with deps.uow() as uow:
        uow.set_org(org_id)
        current = uow.settings.get(org_id)
        check_version(current.version, expected_version)
        updated = dataclasses.replace(
            current, review_portal_tasks=changes.get("review_portal_tasks", current.review_portal_tasks),
            auto_send=frozenset(auto_send) if auto_send is not None else current.auto_send,
            updated_at=deps.clock(), updated_by=actor)
        if not uow.settings.save(org_id, updated):
            raise StaleVersion(uow.settings.get(org_id).version)
        uow.commit()
    return dataclasses.replace(updated, version=current.version + 1)
