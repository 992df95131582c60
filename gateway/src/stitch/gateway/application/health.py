"""The suite's health as ops see it: statuses for anyone, details for an admin."""

from __future__ import annotations

from typing import Any


def suite_health(probes: dict[str, dict[str, Any]], with_details: bool) -> dict[str, Any]:
    ready = all(p["status"] == "ready" for p in probes.values())
    services = {name: (p if with_details else {"status": p["status"]}) for name, p in probes.items()}
    return {"status": "ready" if ready else "degraded", "services": services}
