from __future__ import annotations

from typing import Self

from stitch.common.db.uow import SqlUnitOfWork
from stitch.templates.adapters.handoff_repository import SqlHandoffFormRepository
from stitch.templates.adapters.template_repository import SqlRevisionRepository, SqlTemplateRepository


class TemplatesUnitOfWork(SqlUnitOfWork):
    def __enter__(self) -> Self:
        super().__enter__()
        self.templates = SqlTemplateRepository(self.session)
        self.revisions = SqlRevisionRepository(self.session)
        self.handoff_forms = SqlHandoffFormRepository(self.session)
        return self
