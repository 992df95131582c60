"""Editing a draft's milestones and actions one at a time (the editor's small saves)."""

from __future__ import annotations

from typing import Any

from stitch.templates.application.common import Actor
from stitch.templates.application.ports import Clock, UnitOfWork
from stitch.templates.application.templates import edit
from stitch.templates.domain.plan import Action, Milestone
from stitch.templates.domain.template import Template


def add_milestone(actor: Actor, template_id: str, data: dict[str, Any], position: int | None,
                  expected_version: int | None, *, uow: UnitOfWork, clock: Clock) -> tuple[Template, Milestone]:
    return edit(actor, template_id, expected_version,
                lambda t, now: t.add_milestone(data, position, actor.user_id, now), uow=uow, clock=clock)


def change_milestone(actor: Actor, template_id: str, milestone_id: str, changes: dict[str, Any],
                     expected_version: int | None, *, uow: UnitOfWork, clock: Clock) -> tuple[Template, Milestone]:
    return edit(actor, template_id, expected_version,
                lambda t, now: t.change_milestone(milestone_id, changes, actor.user_id, now), uow=uow, clock=clock)


def remove_milestone(actor: Actor, template_id: str, milestone_id: str, expected_version: int | None,
                     *, uow: UnitOfWork, clock: Clock) -> Template:
    return edit(actor, template_id, expected_version,
                lambda t, now: t.remove_milestone(milestone_id, actor.user_id, now), uow=uow, clock=clock)[0]


def reorder_milestones(actor: Actor, template_id: str, milestone_ids: list[str], expected_version: int | None,
                       *, uow: UnitOfWork, clock: Clock) -> Template:
    return edit(actor, template_id, expected_version,
                lambda t, now: t.reorder_milestones(milestone_ids, actor.user_id, now), uow=uow, clock=clock)[0]


def add_action(actor: Actor, template_id: str, milestone_id: str, data: dict[str, Any], position: int | None,
               expected_version: int | None, *, uow: UnitOfWork, clock: Clock) -> tuple[Template, Action]:
    return edit(actor, template_id, expected_version,
                lambda t, now: t.add_action(milestone_id, data, position, actor.user_id, now), uow=uow, clock=clock)


def change_action(actor: Actor, template_id: str, action_id: str, changes: dict[str, Any],
                  expected_version: int | None, *, uow: UnitOfWork, clock: Clock) -> tuple[Template, Action]:
    return edit(actor, template_id, expected_version,
                lambda t, now: t.change_action(action_id, changes, actor.user_id, now), uow=uow, clock=clock)


def move_action(actor: Actor, template_id: str, action_id: str, milestone_id: str, position: int | None,
                expected_version: int | None, *, uow: UnitOfWork, clock: Clock) -> Template:
    return edit(actor, template_id, expected_version,
                lambda t, now: t.move_action(action_id, milestone_id, position, actor.user_id, now),
                uow=uow, clock=clock)[0]


def remove_action(actor: Actor, template_id: str, action_id: str, expected_version: int | None,
                  *, uow: UnitOfWork, clock: Clock) -> Template:
    return edit(actor, template_id, expected_version,
                lambda t, now: t.remove_action(action_id, actor.user_id, now), uow=uow, clock=clock)[0]


def reorder_actions(actor: Actor, template_id: str, milestone_id: str, action_ids: list[str],
                    expected_version: int | None, *, uow: UnitOfWork, clock: Clock) -> Template:
    return edit(actor, template_id, expected_version,
                lambda t, now: t.reorder_actions(milestone_id, action_ids, actor.user_id, now), uow=uow, clock=clock)[0]
