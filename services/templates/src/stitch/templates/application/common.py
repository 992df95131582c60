"""What every use case of this service shares: who acts, and the errors the edge translates."""

from __future__ import annotations

import dataclasses

from stitch.common.concurrency import StaleVersion, check_version

__all__ = ["Actor", "StaleVersion", "check_version"]


@dataclasses.dataclass(frozen=True)
class Actor:
    org_id: str
    user_id: str
