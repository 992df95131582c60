"""What the accounts use cases need from the outside world."""

from __future__ import annotations

from typing import Any, Protocol, Self

from stitch.accounts.application.catalog import CatalogEntry


class TemplateCatalog(Protocol):
    def upsert(self, entry: CatalogEntry) -> None: ...
    def list(self, org_id: str, limit: int, after: tuple[str, str] | None) -> list[CatalogEntry]: ...


class UnitOfWork(Protocol):
    template_catalog: TemplateCatalog

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: Any) -> None: ...
    def set_org(self, org_id: str | None) -> None: ...
    def commit(self) -> None: ...
