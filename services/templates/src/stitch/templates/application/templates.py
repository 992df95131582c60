"""Creating and listing templates."""

from __future__ import annotations

import dataclasses

from stitch.templates.application.ports import Clock, UnitOfWork
from stitch.templates.domain.template import Template

TEMPLATE_CREATED = "templates.template_created.v1"


@dataclasses.dataclass(frozen=True)
class CreateTemplate:
    org_id: str
    name: str
    created_by: str


def create_template(command: CreateTemplate, uow: UnitOfWork, clock: Clock) -> Template:
    with uow:
        uow.set_org(command.org_id)
        template = Template.create(command.org_id, command.name, command.created_by, clock())
        uow.templates.add(template)
        uow.publish(TEMPLATE_CREATED, {
            "template_id": template.id,
            "name": template.name,
            "created_by": template.created_by,
            "created_at": template.created_at.isoformat(),
        })
        uow.commit()
    return template


def list_templates(org_id: str, limit: int, after: tuple[str, str] | None, uow: UnitOfWork) -> list[Template]:
    with uow:
        uow.set_org(org_id)
        return uow.templates.list(org_id, limit, after)
