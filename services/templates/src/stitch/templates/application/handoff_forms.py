"""Handoff forms: several per organization, edited as drafts, published as immutable versions."""

from __future__ import annotations

from typing import Any

from stitch.templates.application.common import Actor, check_version
from stitch.templates.application.events import HANDOFF_FORM_PUBLISHED
from stitch.templates.application.ports import Clock, UnitOfWork
from stitch.templates.domain.errors import Conflict, NotFound
from stitch.templates.domain.handoff import HandoffForm, HandoffFormVersion


def create_form(actor: Actor, data: dict[str, Any], *, uow: UnitOfWork, clock: Clock) -> HandoffForm:
    form = HandoffForm.create(actor.org_id, data, actor.user_id, clock())
    with uow:
        uow.set_org(actor.org_id)
        _check_name_free(uow, form)
        uow.handoff_forms.add(form)
        uow.commit()
    return form


def get_form(org_id: str, form_id: str, *, uow: UnitOfWork) -> HandoffForm:
    with uow:
        uow.set_org(org_id)
        return _load(uow, org_id, form_id)


def list_forms(org_id: str, status: str, limit: int, after: tuple[str, ...] | None,
               *, uow: UnitOfWork) -> list[HandoffForm]:
    with uow:
        uow.set_org(org_id)
        return uow.handoff_forms.list(org_id, status, limit, after)


def change_form(actor: Actor, form_id: str, changes: dict[str, Any], expected_version: int | None,
                *, uow: UnitOfWork, clock: Clock) -> HandoffForm:
    with uow:
        uow.set_org(actor.org_id)
        form = _load(uow, actor.org_id, form_id)
        check_version(form.version, expected_version)
        form.change(changes, actor.user_id, clock())
        _check_name_free(uow, form)
        uow.handoff_forms.save(form)
        uow.commit()
    return form


def set_form_archived(actor: Actor, form_id: str, archived: bool, expected_version: int | None = None,
                      *, uow: UnitOfWork, clock: Clock) -> HandoffForm:
    with uow:
        uow.set_org(actor.org_id)
        form = _load(uow, actor.org_id, form_id)
        check_version(form.version, expected_version)
        (form.archive if archived else form.restore)(actor.user_id, clock())
        uow.handoff_forms.save(form)
        uow.commit()
    return form


def publish_form(actor: Actor, form_id: str, expected_version: int | None,
                 *, uow: UnitOfWork, clock: Clock) -> HandoffFormVersion:
    """Answers given later point at this version, so its wording never changes under them."""
    with uow:
        uow.set_org(actor.org_id)
        form = _load(uow, actor.org_id, form_id)
        check_version(form.version, expected_version)
        version = form.publish(actor.user_id, clock())
        uow.handoff_forms.save(form)
        uow.handoff_forms.add_version(version)
        uow.publish(HANDOFF_FORM_PUBLISHED, {
            "form_id": form.id, "version_id": version.id, "version": version.number, "name": version.name,
            "description": version.description, "questions": version.questions,
            "published_by": version.published_by, "published_at": version.published_at.isoformat(),
        })
        uow.commit()
    return version


def list_form_versions(org_id: str, form_id: str, limit: int, after: int | None,
                       *, uow: UnitOfWork) -> list[HandoffFormVersion]:
    with uow:
        uow.set_org(org_id)
        _load(uow, org_id, form_id)
        return uow.handoff_forms.list_versions(org_id, form_id, limit, after)


def get_form_version(org_id: str, form_id: str, number: int, *, uow: UnitOfWork) -> HandoffFormVersion:
    with uow:
        uow.set_org(org_id)
        _load(uow, org_id, form_id)
        version = uow.handoff_forms.get_version(org_id, form_id, number)
        if version is None:
            raise NotFound(f"handoff form {form_id} has no version {number}")
        return version


def _load(uow: UnitOfWork, org_id: str, form_id: str) -> HandoffForm:
    form = uow.handoff_forms.get(org_id, form_id)
    if form is None:
        raise NotFound(f"no handoff form {form_id} in this organization")
    return form


def _check_name_free(uow: UnitOfWork, form: HandoffForm) -> None:
    if uow.handoff_forms.name_taken(form.org_id, form.name, except_id=form.id):
        raise Conflict(f"a handoff form named {form.name!r} already exists; choose another name")
