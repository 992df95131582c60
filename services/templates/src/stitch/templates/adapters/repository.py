"""SQLAlchemy repository for templates. Every query filters by org as well as RLS does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from stitch.templates.adapters.tables import templates
from stitch.templates.domain.template import Template


class SqlTemplateRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, template: Template) -> None:
        self._session.execute(insert(templates).values(
            id=template.id, org_id=template.org_id, name=template.name,
            created_by=template.created_by, created_at=template.created_at))

    def list(self, org_id: str, limit: int, after: tuple[str, str] | None) -> list[Template]:
        query = select(templates).where(templates.c.org_id == org_id)
        if after:  # keyset: strictly after (created_at, id) of the last row the client saw
            created_at, last_id = datetime.fromisoformat(after[0]), after[1]
            query = query.where(or_(templates.c.created_at > created_at,
                                    and_(templates.c.created_at == created_at, templates.c.id > last_id)))
        rows = self._session.execute(query.order_by(templates.c.created_at, templates.c.id).limit(limit))
        return [Template(**row._mapping) for row in rows]
