"""(issue 7, being written)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stitch.accounts.application.common import Deps


def use_cases(deps: Deps) -> dict[str, Callable[..., Any]]:
    return {}
