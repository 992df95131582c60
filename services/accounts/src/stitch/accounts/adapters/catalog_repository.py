"""SQLAlchemy side of the template catalog read model."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from stitch.accounts.adapters.tables import template_catalog as catalog
from stitch.accounts.application.catalog import CatalogEntry
from stitch.common.db.dialects import dialect_insert


class SqlTemplateCatalog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def upsert(self, entry: CatalogEntry) -> None:
        values = {"org_id": entry.org_id, "template_id": entry.template_id, "name": entry.name,
                  "created_at": entry.created_at, "recorded_at": entry.recorded_at}
        statement = dialect_insert(self._session)(catalog).values(**values)
        self._session.execute(statement.on_conflict_do_update(
            index_elements=["org_id", "template_id"], set_={"name": statement.excluded.name}))

    def list(self, org_id: str, limit: int, after: tuple[str, str] | None) -> list[CatalogEntry]:
        query = select(catalog).where(catalog.c.org_id == org_id)
        if after:
            created_at, last_id = datetime.fromisoformat(after[0]), after[1]
            query = query.where(or_(catalog.c.created_at > created_at,
                                    and_(catalog.c.created_at == created_at, catalog.c.template_id > last_id)))
        rows = self._session.execute(query.order_by(catalog.c.created_at, catalog.c.template_id).limit(limit))
        return [CatalogEntry(**row._mapping) for row in rows]
