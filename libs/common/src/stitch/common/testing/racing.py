"""Races for tests: release several threads at one moment and collect what each one got."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def all_at_once(count: int, attempt: Callable[[int], T]) -> list[T | Exception]:
    """Run ``attempt(i)`` for i in 0..count-1 in as many threads, released together by a barrier.

    An exception is returned in its place rather than raised: a race's losers are what tests count.
    """
    start = threading.Barrier(count)

    def run(i: int) -> T | Exception:
        start.wait(timeout=30)
        try:
            return attempt(i)
        except Exception as exc:  # noqa: BLE001 - handed back to the test to judge
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))
