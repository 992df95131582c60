"""What every use case of this service shares: who acts, and the errors the edge translates."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Actor:
    org_id: str
    user_id: str


class StaleVersion(Exception):
    """The client's If-Match names an older version than the stored one (HTTP 412)."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the resource is at version {current}; reload it and apply your change again")
        self.current = current


def check_version(current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise StaleVersion(current)
