from __future__ import annotations

from typing import Self

from stitch.accounts.adapters.catalog_repository import SqlTemplateCatalog
from stitch.common.db.uow import SqlUnitOfWork


class AccountsUnitOfWork(SqlUnitOfWork):
    def __enter__(self) -> Self:
        super().__enter__()
        self.template_catalog = SqlTemplateCatalog(self.session)
        return self
