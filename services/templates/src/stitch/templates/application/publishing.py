"""Publishing revisions, reading and comparing them, and moving templates in and out as files."""

from __future__ import annotations

from typing import Any

from stitch.templates.application.common import Actor, check_version
from stitch.templates.application.events import TEMPLATE_PUBLISHED
from stitch.templates.application.ports import Clock, UnitOfWork
from stitch.templates.application.templates import add_new, load
from stitch.templates.domain.diff import diff_revisions
from stitch.templates.domain.errors import InvalidTemplate, NotFound, Violation
from stitch.templates.domain.revision import Revision, document_of
from stitch.templates.domain.template import Template, publish_problems

FILE_FORMAT, FILE_VERSION = "stitch.template", 1


def publish_template(actor: Actor, template_id: str, expected_version: int | None,
                     *, uow: UnitOfWork, clock: Clock) -> tuple[Template, Revision]:
    """Cut the next revision. Its snapshot travels whole in the event: accounts never call back."""
    with uow:
        uow.set_org(actor.org_id)
        template = load(uow, actor.org_id, template_id)
        check_version(template.version, expected_version)
        revision = template.publish(actor.user_id, clock())
        uow.templates.save(template)
        uow.revisions.add(revision)
        uow.publish(TEMPLATE_PUBLISHED, revision.snapshot)
        uow.commit()
    return template, revision


def list_revisions(org_id: str, template_id: str, limit: int, after: int | None,
                   *, uow: UnitOfWork) -> list[Revision]:
    with uow:
        uow.set_org(org_id)
        load(uow, org_id, template_id)  # 404 for a template that is not there, not an empty list
        return uow.revisions.list(org_id, template_id, limit, after)


def get_revision(org_id: str, template_id: str, number: int, *, uow: UnitOfWork) -> Revision:
    with uow:
        uow.set_org(org_id)
        return _revision(uow, org_id, template_id, number)


def compare_revisions(org_id: str, template_id: str, old: int, new: int, *, uow: UnitOfWork) -> dict[str, Any]:
    with uow:
        uow.set_org(org_id)
        return diff_revisions(_revision(uow, org_id, template_id, old).snapshot,
                              _revision(uow, org_id, template_id, new).snapshot)


def validate_document(document: dict[str, Any], *, clock: Clock) -> Template:
    """Check a whole document as publishing would, saving nothing; raises with every violation."""
    try:
        template = Template.create("validation", document, "validation", clock())
    except InvalidTemplate as invalid:  # name what publishing would add, in the same answer
        raise InvalidTemplate(invalid.violations + _plan_problems(document)) from None
    if problems := template.publish_problems():
        raise InvalidTemplate(problems)
    return template


def _plan_problems(document: dict[str, Any]) -> list[Violation]:
    milestones = document.get("milestones") or []
    if not isinstance(milestones, list) or not all(isinstance(m, dict) for m in milestones):
        return []
    return publish_problems([(str(m.get("name") or ""), len(m.get("actions") or [])) for m in milestones])


def export_template(org_id: str, template_id: str, revision: int | None, *, uow: UnitOfWork) -> dict[str, Any]:
    """The exchange file (docs/templates/format.md): the draft, or one published revision."""
    with uow:
        uow.set_org(org_id)
        if revision is None:
            document = load(uow, org_id, template_id).document()
        else:
            document = document_of(_revision(uow, org_id, template_id, revision).snapshot)
    return {"format": FILE_FORMAT, "format_version": FILE_VERSION, "template": document}


def import_template(actor: Actor, file: dict[str, Any], name: str | None, *, uow: UnitOfWork,
                    clock: Clock) -> Template:
    """A new draft from an exchange file; it keeps nothing of the file's origin (no ids, no revisions)."""
    problems = []
    if file.get("format") != FILE_FORMAT:
        problems.append(Violation("format", f"must be {FILE_FORMAT!r}"))
    if file.get("format_version") != FILE_VERSION:
        problems.append(Violation("format_version", f"must be {FILE_VERSION}; this Stitch reads version 1 files"))
    document = file.get("template")
    if not isinstance(document, dict):
        problems.append(Violation("template", "must be an object holding the template"))
    if problems:
        raise InvalidTemplate(problems)
    if name is not None:
        document = {**document, "name": name}
    try:
        template = Template.create(actor.org_id, document, actor.user_id, clock())
    except InvalidTemplate as invalid:
        raise InvalidTemplate([Violation(f"template.{v.path}", v.rule) for v in invalid.violations]) from None
    with uow:
        uow.set_org(actor.org_id)
        add_new(uow, template)
        uow.commit()
    return template


def _revision(uow: UnitOfWork, org_id: str, template_id: str, number: int) -> Revision:
    load(uow, org_id, template_id)
    revision = uow.revisions.get(org_id, template_id, number)
    if revision is None:
        raise NotFound(f"template {template_id} has no revision {number}")
    return revision
