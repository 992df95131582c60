"""How an event handler tells the consumer what kind of failure it hit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class PermanentFailure(Exception):
    """The event can never be applied (it contradicts the contract): dead-letter it at once."""


def understood(event: Any, run: Callable[[], None], refusals: tuple[type[Exception], ...] = ()) -> None:
    """Run a handler for ``event``; what shows it cannot be understood becomes a PermanentFailure.

    A missing org, a missing or mistyped field (KeyError, TypeError, ValueError: handlers read the
    fields they need and convert them) and the part's own ``refusals`` (a command it will never
    accept as sent) are permanent; anything else (the database is down) stays transient.
    """
    if not event.orgid:
        raise PermanentFailure(f"{event.type} without orgid")
    try:
        run()
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentFailure(f"{event.type} without a usable {exc}") from exc
    except refusals as refused:
        raise PermanentFailure(f"{event.type} refused: {refused}") from refused
