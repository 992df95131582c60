"""What the templates domain refuses, always naming the field (as a dotted path) and the rule."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Violation:
    path: str  # dotted, list items by index: "milestones.0.actions.2.trigger.delay_hours"
    rule: str


class InvalidTemplate(ValueError):
    """Input breaks one or more rules; every broken rule is listed, not just the first."""

    def __init__(self, violations: list[Violation] | Violation | tuple[str, str]) -> None:
        if isinstance(violations, tuple):
            violations = Violation(*violations)
        if isinstance(violations, Violation):
            violations = [violations]
        self.violations = list(violations)
        super().__init__("; ".join(f"{v.path}: {v.rule}" for v in self.violations))

    @property
    def field(self) -> str:  # the first broken field, for callers that report one
        return self.violations[0].path

    @property
    def rule(self) -> str:
        return self.violations[0].rule


class Conflict(Exception):
    """The request is well formed but the template's state forbids it (archived, in use, unchanged)."""


class NotFound(LookupError):
    """No such template, milestone, action, revision or form in this organization."""
