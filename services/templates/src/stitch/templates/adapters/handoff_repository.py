"""SQLAlchemy repository for handoff forms and their published versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from stitch.templates.adapters.tables import handoff_form_versions as versions
from stitch.templates.adapters.tables import handoff_forms as forms
from stitch.templates.domain.errors import Conflict
from stitch.templates.domain.handoff import HandoffForm, HandoffFormVersion

_STATE = ("name", "description", "questions", "status", "latest_version", "unpublished_changes",
          "created_by", "created_at", "updated_by", "updated_at")


class SqlHandoffFormRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, form: HandoffForm) -> None:
        self._session.execute(insert(forms).values(id=form.id, org_id=form.org_id, version=form.version,
                                                   name_key=form.name.casefold(), **_state(form)))

    def get(self, org_id: str, form_id: str) -> HandoffForm | None:
        row = self._session.execute(select(forms).where(forms.c.org_id == org_id, forms.c.id == form_id)).first()
        return _form(row) if row else None

    def save(self, form: HandoffForm) -> None:
        done = self._session.execute(
            update(forms).where(forms.c.org_id == form.org_id, forms.c.id == form.id, forms.c.version == form.version)
            .values(**_state(form), name_key=form.name.casefold(), version=form.version + 1))
        if done.rowcount != 1:
            raise Conflict("the handoff form was changed by someone else since you loaded it; reload and try again")
        form.version += 1

    def name_taken(self, org_id: str, name: str, except_id: str | None = None) -> bool:
        query = select(forms.c.id).where(forms.c.org_id == org_id, forms.c.name_key == name.casefold())
        if except_id:
            query = query.where(forms.c.id != except_id)
        return self._session.execute(query.limit(1)).first() is not None

    def list(self, org_id: str, status: str, limit: int, after: tuple[str, ...] | None) -> list[HandoffForm]:
        """By name, which is how an admin looks for a form among a handful."""
        query = select(forms).where(forms.c.org_id == org_id)
        if status != "all":
            query = query.where(forms.c.status == status)
        if after:
            if len(after) != 2:
                raise ValueError("cursor")
            query = query.where(or_(forms.c.name_key > after[0],
                                    and_(forms.c.name_key == after[0], forms.c.id > after[1])))
        rows = self._session.execute(query.order_by(forms.c.name_key, forms.c.id).limit(limit))
        return [_form(row) for row in rows]

    def add_version(self, version: HandoffFormVersion) -> None:
        self._session.execute(insert(versions).values(
            id=version.id, org_id=version.org_id, form_id=version.form_id, number=version.number,
            name=version.name, description=version.description, questions=version.questions,
            published_by=version.published_by, published_at=version.published_at))

    def get_version(self, org_id: str, form_id: str, number: int) -> HandoffFormVersion | None:
        row = self._session.execute(select(versions).where(
            versions.c.org_id == org_id, versions.c.form_id == form_id, versions.c.number == number)).first()
        return HandoffFormVersion(**row._mapping) if row else None

    def list_versions(self, org_id: str, form_id: str, limit: int, after: int | None) -> list[HandoffFormVersion]:
        query = select(versions).where(versions.c.org_id == org_id, versions.c.form_id == form_id)
        if after is not None:
            query = query.where(versions.c.number < after)
        rows = self._session.execute(query.order_by(versions.c.number.desc()).limit(limit))
        return [HandoffFormVersion(**row._mapping) for row in rows]


def _state(form: HandoffForm) -> dict[str, Any]:
    return {field: getattr(form, field) for field in _STATE}


def _form(row: Any) -> HandoffForm:
    data = dict(row._mapping)
    del data["name_key"]
    return HandoffForm(**data)


