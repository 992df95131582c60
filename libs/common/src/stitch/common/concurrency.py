"""Optimistic concurrency: a client names the version it read (If-Match), a write checks it."""

from __future__ import annotations


class StaleVersion(Exception):
    """The client's If-Match names an older version than the stored one (HTTP 412)."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the resource is at version {current}; reload it and apply your change again")
        self.current = current


def check_version(current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise StaleVersion(current)
