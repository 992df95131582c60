from __future__ import annotations

from typing import Self

from stitch.common.db.uow import SqlUnitOfWork
from stitch.templates.adapters.repository import SqlTemplateRepository


class TemplatesUnitOfWork(SqlUnitOfWork):
    def __enter__(self) -> Self:
        super().__enter__()
        self.templates = SqlTemplateRepository(self.session)
        return self
