"""SQLAlchemy repositories for templates and revisions. Every query filters by org as well as RLS does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from stitch.templates.adapters.plan_json import milestones_from_json, milestones_to_json
from stitch.templates.adapters.tables import template_applications, template_revisions, template_tags, templates
from stitch.templates.application.ports import TemplateQuery
from stitch.templates.domain.errors import Conflict
from stitch.templates.domain.revision import Revision
from stitch.templates.domain.template import Template

_SORT_COLUMNS = {"name": templates.c.name_key, "created_at": templates.c.created_at,
                 "updated_at": templates.c.updated_at}


class SqlTemplateRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, template: Template) -> None:
        self._session.execute(insert(templates).values(id=template.id, version=template.version, **_row(template)))
        self._write_tags(template)

    def get(self, org_id: str, template_id: str) -> Template | None:
        row = self._session.execute(select(templates).where(
            templates.c.org_id == org_id, templates.c.id == template_id)).first()
        return _template(row) if row else None

    def save(self, template: Template) -> None:
        """Optimistic: the row must still be at the version this template was loaded at."""
        # usage_count is not the aggregate's to write: the usage consumer raises it concurrently.
        row = {k: v for k, v in _row(template).items() if k != "usage_count"}
        done = self._session.execute(
            update(templates)
            .where(templates.c.org_id == template.org_id, templates.c.id == template.id,
                   templates.c.version == template.version)
            .values(**row, version=template.version + 1))
        if done.rowcount != 1:
            raise Conflict("the template was changed by someone else since you loaded it; reload and try again")
        template.version += 1
        self._session.execute(delete(template_tags).where(template_tags.c.template_id == template.id,
                                                          template_tags.c.org_id == template.org_id))
        self._write_tags(template)

    def delete(self, org_id: str, template_id: str) -> bool:
        """Delete only while unused: the row is re-checked in SQL, so an apply that lands in the
        meantime (raising usage_count) keeps the template."""
        done = self._session.execute(delete(templates).where(
            templates.c.org_id == org_id, templates.c.id == template_id, templates.c.usage_count == 0))
        if done.rowcount != 1:
            return False
        for table in (template_tags, template_applications):
            self._session.execute(delete(table).where(table.c.org_id == org_id, table.c.template_id == template_id))
        return True

    def name_taken(self, org_id: str, name: str, except_id: str | None = None) -> bool:
        query = select(templates.c.id).where(templates.c.org_id == org_id, templates.c.name_key == name.casefold())
        if except_id:
            query = query.where(templates.c.id != except_id)
        return self._session.execute(query.limit(1)).first() is not None

    def search(self, org_id: str, query: TemplateQuery, limit: int,
               after: tuple[str, ...] | None) -> list[Template]:
        statement = select(templates).where(templates.c.org_id == org_id)
        if query.status != "all":
            statement = statement.where(templates.c.status == query.status)
        if query.text:
            needle = query.text.casefold()
            statement = statement.where(or_(*(func.lower(column).contains(needle, autoescape=True) for column in
                                              (templates.c.name, templates.c.description, templates.c.segment))))
        if query.segment:
            statement = statement.where(func.lower(templates.c.segment).contains(query.segment.casefold(),
                                                                                 autoescape=True))
        for tag in query.tags:
            statement = statement.where(exists().where(
                template_tags.c.org_id == org_id, template_tags.c.template_id == templates.c.id,
                template_tags.c.tag == tag.casefold()))
        if query.published is not None:
            statement = statement.where(templates.c.latest_revision > 0 if query.published
                                        else templates.c.latest_revision == 0)
        column = _SORT_COLUMNS[query.sort.lstrip("-")]
        descending = query.sort.startswith("-")
        if after:
            statement = statement.where(_after(column, descending, after))
        order = (column.desc(), templates.c.id.desc()) if descending else (column.asc(), templates.c.id.asc())
        return [_template(row) for row in self._session.execute(statement.order_by(*order).limit(limit))]

    def record_application(self, org_id: str, template_id: str, account_id: str, revision_id: str | None,
                           applied_at: datetime) -> bool:
        seen = self._session.execute(select(template_applications.c.account_id).where(
            template_applications.c.org_id == org_id, template_applications.c.template_id == template_id,
            template_applications.c.account_id == account_id)).first()
        if seen:
            return False
        self._session.execute(insert(template_applications).values(
            org_id=org_id, template_id=template_id, account_id=account_id, revision_id=revision_id,
            applied_at=applied_at))
        self._session.execute(update(templates).where(templates.c.org_id == org_id, templates.c.id == template_id)
                              .values(usage_count=templates.c.usage_count + 1))
        return True

    def _write_tags(self, template: Template) -> None:
        if template.tags:
            self._session.execute(insert(template_tags), [
                {"template_id": template.id, "tag": tag, "org_id": template.org_id} for tag in template.tags])


def sort_position(template: Template, sort: str) -> tuple[str, str]:
    """The cursor of a row: its sort value as text, then its id."""
    key = sort.lstrip("-")
    value = template.name.casefold() if key == "name" else getattr(template, key).isoformat()
    return value, template.id


def _after(column: Any, descending: bool, position: tuple[str, ...]) -> Any:
    if len(position) != 2:
        raise ValueError("cursor")
    value: Any = position[0]
    if column is not templates.c.name_key:
        value = datetime.fromisoformat(value)
        if value.tzinfo is None:  # not a cursor this API issued (they carry UTC offsets)
            raise ValueError("cursor")
    if descending:
        return or_(column < value, and_(column == value, templates.c.id < position[1]))
    return or_(column > value, and_(column == value, templates.c.id > position[1]))


def _row(template: Template) -> dict[str, Any]:
    return {
        "org_id": template.org_id, "name": template.name, "name_key": template.name.casefold(),
        "description": template.description, "duration_weeks": template.duration_weeks,
        "segment": template.segment, "tags": list(template.tags),
        "milestones": milestones_to_json(template.milestones), "milestone_count": len(template.milestones),
        "action_count": template.action_count, "status": template.status, "usage_count": template.usage_count,
        "latest_revision": template.latest_revision, "unpublished_changes": template.unpublished_changes,
        "created_by": template.created_by, "created_at": template.created_at,
        "updated_by": template.updated_by, "updated_at": template.updated_at,
    }


def _template(row: Any) -> Template:
    data = dict(row._mapping)
    for column in ("name_key", "milestone_count", "action_count"):
        del data[column]
    data["milestones"] = milestones_from_json(data["milestones"])
    return Template(**data)


class SqlRevisionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, revision: Revision) -> None:
        self._session.execute(insert(template_revisions).values(
            id=revision.id, org_id=revision.org_id, template_id=revision.template_id, number=revision.number,
            snapshot=revision.snapshot, published_by=revision.published_by, published_at=revision.published_at))

    def get(self, org_id: str, template_id: str, number: int) -> Revision | None:
        row = self._session.execute(select(template_revisions).where(
            template_revisions.c.org_id == org_id, template_revisions.c.template_id == template_id,
            template_revisions.c.number == number)).first()
        return Revision(**row._mapping) if row else None

    def list(self, org_id: str, template_id: str, limit: int, after: int | None) -> list[Revision]:
        """Newest first: the revision an admin looks for is usually the latest."""
        query = select(template_revisions).where(template_revisions.c.org_id == org_id,
                                                 template_revisions.c.template_id == template_id)
        if after is not None:
            query = query.where(template_revisions.c.number < after)
        rows = self._session.execute(query.order_by(template_revisions.c.number.desc()).limit(limit))
        return [Revision(**row._mapping) for row in rows]

    def delete_all(self, org_id: str, template_id: str) -> None:
        self._session.execute(delete(template_revisions).where(
            template_revisions.c.org_id == org_id, template_revisions.c.template_id == template_id))
