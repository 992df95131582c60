"""What the use cases need from the outside world."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, Self

from stitch.templates.domain.handoff import HandoffForm, HandoffFormVersion
from stitch.templates.domain.revision import Revision
from stitch.templates.domain.template import Template

Clock = Callable[[], datetime]
SORTS = ("name", "-name", "created_at", "-created_at", "updated_at", "-updated_at")


@dataclasses.dataclass(frozen=True)
class TemplateQuery:
    """Filters of the template list; every one optional, all of them combined with AND."""

    text: str = ""  # in name, description or segment, case-insensitive
    status: str = "active"  # active, archived or all
    segment: str = ""  # contained in the segment, case-insensitive
    tags: tuple[str, ...] = ()  # every one of them
    published: bool | None = None  # has at least one revision, or has none
    sort: str = "-updated_at"


class TemplateRepository(Protocol):
    def add(self, template: Template) -> None: ...
    def get(self, org_id: str, template_id: str) -> Template | None: ...
    def save(self, template: Template) -> None: ...  # raises Conflict when someone saved in between
    def delete(self, org_id: str, template_id: str) -> bool: ...  # False: it became used meanwhile
    def name_taken(self, org_id: str, name: str, except_id: str | None = None) -> bool: ...
    def search(self, org_id: str, query: TemplateQuery, limit: int,
               after: tuple[str, ...] | None) -> list[Template]: ...
    def record_application(self, org_id: str, template_id: str, account_id: str, revision_id: str | None,
                           applied_at: datetime) -> bool: ...  # False if already recorded


class RevisionRepository(Protocol):
    def add(self, revision: Revision) -> None: ...
    def get(self, org_id: str, template_id: str, number: int) -> Revision | None: ...
    def list(self, org_id: str, template_id: str, limit: int, after: int | None) -> list[Revision]: ...
    def delete_all(self, org_id: str, template_id: str) -> None: ...


class HandoffFormRepository(Protocol):
    def add(self, form: HandoffForm) -> None: ...
    def get(self, org_id: str, form_id: str) -> HandoffForm | None: ...
    def save(self, form: HandoffForm) -> None: ...
    def name_taken(self, org_id: str, name: str, except_id: str | None = None) -> bool: ...
    def list(self, org_id: str, status: str, limit: int, after: tuple[str, ...] | None) -> list[HandoffForm]: ...
    def add_version(self, version: HandoffFormVersion) -> None: ...
    def get_version(self, org_id: str, form_id: str, number: int) -> HandoffFormVersion | None: ...
    def list_versions(self, org_id: str, form_id: str, limit: int, after: int | None) -> list[HandoffFormVersion]: ...


class TemplateDrafter(Protocol):
    """The LLM port: a plain-language description in, a template document out (not saved)."""

    name: str  # which generator made a draft, shown to the admin (provenance)
    version: str

    def draft_template(self, description: str) -> dict[str, Any]: ...


class UnitOfWork(Protocol):
    templates: TemplateRepository
    revisions: RevisionRepository
    handoff_forms: HandoffFormRepository

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: Any) -> None: ...
    def set_org(self, org_id: str | None) -> None: ...
    def publish(self, event_type: str, data: dict[str, Any]) -> Any: ...
    def commit(self) -> None: ...
