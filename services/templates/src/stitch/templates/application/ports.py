"""What the use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, Self

from stitch.templates.domain.template import Template

Clock = Callable[[], datetime]


class TemplateRepository(Protocol):
    def add(self, template: Template) -> None: ...
    def list(self, org_id: str, limit: int, after: tuple[str, str] | None) -> list[Template]: ...


class UnitOfWork(Protocol):
    templates: TemplateRepository

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: Any) -> None: ...
    def set_org(self, org_id: str | None) -> None: ...
    def publish(self, event_type: str, data: dict[str, Any]) -> Any: ...
    def commit(self) -> None: ...
