"""What the connectors domain refuses: bad input names the field (422); a broken rule names the rule (409)."""

from __future__ import annotations

from typing import Any


class InvalidInput(ValueError):
    def __init__(self, field: str, rule: str) -> None:
        self.field, self.rule = field, rule
        super().__init__(f"{field}: {rule}")


class RuleBroken(Exception):
    """A well-formed request the current state forbids; ``rule`` is a stable dotted name."""

    def __init__(self, rule: str, message: str, **details: Any) -> None:
        self.rule, self.message, self.details = rule, message, details
        super().__init__(f"{rule}: {message}")


class NotFound(LookupError):
    """No such connection, provider or delivery in this organization."""


class BadOAuthState(Exception):
    """An OAuth callback whose state is unknown, expired, already used, or from another browser."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
