"""An onboarding template: the plan an account runs through. Milestones and actions come later."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

NAME_MAX = 200


class InvalidTemplate(ValueError):
    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field, self.rule = field, rule


@dataclasses.dataclass
class Template:
    id: str
    org_id: str
    name: str
    created_by: str
    created_at: datetime

    @classmethod
    def create(cls, org_id: str, name: str, created_by: str, now: datetime) -> Template:
        name = " ".join(name.split())  # one space between words; no stray whitespace
        if not name:
            raise InvalidTemplate("name", "must not be blank")
        if len(name) > NAME_MAX:
            raise InvalidTemplate("name", f"must be at most {NAME_MAX} characters")
        return cls(id=str(uuid.uuid4()), org_id=org_id, name=name, created_by=created_by, created_at=now)
