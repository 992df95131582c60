"""What the accounts domain refuses: bad input names the field (422); a broken rule names the rule (409)."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Violation:
    path: str  # dotted: "contacts.0.email", "milestones.1.actions.0.trigger.delay_hours"
    rule: str


class InvalidInput(ValueError):
    """Input breaks one or more rules; every broken rule is listed, not just the first."""

    def __init__(self, violations: list[Violation] | Violation | tuple[str, str]) -> None:
        if isinstance(violations, tuple):
            violations = Violation(*violations)
        if isinstance(violations, Violation):
            violations = [violations]
        self.violations = list(violations)
        super().__init__("; ".join(f"{v.path}: {v.rule}" for v in self.violations))


class RuleBroken(Exception):
    """A well-formed command that the account's current state forbids (an illegal transition).

    ``rule`` is a stable dotted name a client can branch on ("milestone.complete.open_blockers");
    ``message`` says in plain words what to do instead; ``details`` names what is in the way.
    """

    def __init__(self, rule: str, message: str, **details: Any) -> None:
        self.rule, self.message, self.details = rule, message, details
        super().__init__(f"{rule}: {message}")


class NotAllowed(Exception):
    """The caller may read the account but not do this to it (403): it is someone else's account.

    Distinct from the permission table (role → capability, checked before a use case runs): this
    rule depends on the account, its owner and its collaborators (domain/ownership.py).
    """

    def __init__(self, rule: str, message: str) -> None:
        self.rule, self.message = rule, message
        super().__init__(f"{rule}: {message}")


class NotFound(LookupError):
    """No such account, contact, milestone, action or revision in this organization."""
