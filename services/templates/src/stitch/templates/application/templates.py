"""Creating, finding and editing templates (the draft). Publishing lives in publishing.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from stitch.templates.application.common import Actor, check_version
from stitch.templates.application.events import (TEMPLATE_ARCHIVED, TEMPLATE_CREATED, TEMPLATE_DELETED,
                                                 TEMPLATE_RESTORED)
from stitch.templates.application.ports import Clock, TemplateQuery, UnitOfWork
from stitch.templates.domain.errors import Conflict, NotFound
from stitch.templates.domain.plan import NAME_MAX
from stitch.templates.domain.template import Template

T = TypeVar("T")


def create_template(actor: Actor, document: dict[str, Any], *, uow: UnitOfWork, clock: Clock) -> Template:
    template = Template.create(actor.org_id, document, actor.user_id, clock())
    with uow:
        uow.set_org(actor.org_id)
        add_new(uow, template)
        uow.commit()
    return template


def add_new(uow: UnitOfWork, template: Template) -> None:
    """Store a new template (created, duplicated, imported) and announce it, inside ``uow``."""
    _check_name_free(uow, template.org_id, template.name)
    uow.templates.add(template)
    uow.publish(TEMPLATE_CREATED, {"template_id": template.id, "name": template.name,
                                   "created_by": template.created_by,
                                   "created_at": template.created_at.isoformat()})


def get_template(org_id: str, template_id: str, *, uow: UnitOfWork) -> Template:
    with uow:
        uow.set_org(org_id)
        return load(uow, org_id, template_id)


def list_templates(org_id: str, query: TemplateQuery, limit: int, after: tuple[str, ...] | None,
                   *, uow: UnitOfWork) -> list[Template]:
    with uow:
        uow.set_org(org_id)
        return uow.templates.search(org_id, query, limit, after)


def change_details(actor: Actor, template_id: str, changes: dict[str, Any], expected_version: int | None,
                   *, uow: UnitOfWork, clock: Clock) -> Template:
    def change(template: Template, now: datetime) -> None:
        template.change_details(changes, actor.user_id, now)
        if "name" in changes:
            _check_name_free(uow, actor.org_id, template.name, except_id=template.id)

    return edit(actor, template_id, expected_version, change, uow=uow, clock=clock)[0]


def replace_plan(actor: Actor, template_id: str, milestones: list[Any], expected_version: int | None,
                 *, uow: UnitOfWork, clock: Clock) -> Template:
    return edit(actor, template_id, expected_version,
                lambda t, now: t.replace_plan(milestones, actor.user_id, now), uow=uow, clock=clock)[0]


def edit(actor: Actor, template_id: str, expected_version: int | None, change: Callable[[Template, datetime], T],
         *, uow: UnitOfWork, clock: Clock) -> tuple[Template, T]:
    """Load, check the client's version, apply one domain change, save, commit.

    The milestone and action edits (plan_edits.py) are all this with a different change.
    """
    with uow:
        uow.set_org(actor.org_id)
        template = load(uow, actor.org_id, template_id)
        check_version(template.version, expected_version)
        result = change(template, clock())
        uow.templates.save(template)
        uow.commit()
    return template, result


def archive_template(actor: Actor, template_id: str, expected_version: int | None = None,
                     *, uow: UnitOfWork, clock: Clock) -> Template:
    """Archived templates are read-only and offered for no new account; running accounts go on."""
    with uow:
        uow.set_org(actor.org_id)
        template = load(uow, actor.org_id, template_id)
        check_version(template.version, expected_version)
        template.archive(actor.user_id, clock())
        uow.templates.save(template)
        uow.publish(TEMPLATE_ARCHIVED, {"template_id": template.id, "name": template.name,
                                        "archived_by": actor.user_id, "archived_at": template.updated_at.isoformat()})
        uow.commit()
    return template


def restore_template(actor: Actor, template_id: str, expected_version: int | None = None,
                     *, uow: UnitOfWork, clock: Clock) -> Template:
    with uow:
        uow.set_org(actor.org_id)
        template = load(uow, actor.org_id, template_id)
        check_version(template.version, expected_version)
        template.restore(actor.user_id, clock())
        uow.templates.save(template)
        uow.publish(TEMPLATE_RESTORED, {"template_id": template.id, "name": template.name,
                                        "restored_by": actor.user_id, "restored_at": template.updated_at.isoformat()})
        uow.commit()
    return template


def delete_template(actor: Actor, template_id: str, *, uow: UnitOfWork, clock: Clock) -> None:
    """Only a template never applied to an account; one in use is archived instead (409 says so)."""
    with uow:
        uow.set_org(actor.org_id)
        template = load(uow, actor.org_id, template_id)
        template.check_deletable()
        if not uow.templates.delete(actor.org_id, template_id):
            raise Conflict("the template was just applied to an account; archive it instead")
        uow.revisions.delete_all(actor.org_id, template_id)
        uow.publish(TEMPLATE_DELETED, {"template_id": template.id, "name": template.name,
                                       "deleted_by": actor.user_id, "deleted_at": clock().isoformat()})
        uow.commit()


def duplicate_template(actor: Actor, template_id: str, name: str | None, *, uow: UnitOfWork,
                       clock: Clock) -> Template:
    with uow:
        uow.set_org(actor.org_id)
        original = load(uow, actor.org_id, template_id)
        copy = original.duplicate(name or _free_copy_name(uow, original), actor.user_id, clock())
        add_new(uow, copy)
        uow.commit()
    return copy


def _free_copy_name(uow: UnitOfWork, original: Template) -> str:
    """ "Onboarding (copy)", then "(copy 2)", "(copy 3)"…: duplicating twice is no mistake."""
    for number in range(1, 1000):
        suffix = " (copy)" if number == 1 else f" (copy {number})"
        name = original.name[:NAME_MAX - len(suffix)] + suffix
        if not uow.templates.name_taken(original.org_id, name):
            return name
    raise Conflict("too many copies of this template; name the copy yourself")


def load(uow: UnitOfWork, org_id: str, template_id: str) -> Template:
    template = uow.templates.get(org_id, template_id)
    if template is None:
        raise NotFound(f"no template {template_id} in this organization")
    return template


def _check_name_free(uow: UnitOfWork, org_id: str, name: str, except_id: str | None = None) -> None:
    if uow.templates.name_taken(org_id, name, except_id):
        raise Conflict(f"a template named {name!r} already exists; choose another name")
