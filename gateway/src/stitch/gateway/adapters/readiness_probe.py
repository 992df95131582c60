"""Asking each service's ``/readyz`` in parallel, each with a short timeout."""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests


def probe_all(urls: Mapping[str, str], timeout: float = 2.0) -> dict[str, dict[str, Any]]:
    with ThreadPoolExecutor(max_workers=max(1, len(urls))) as pool:
        futures = {name: pool.submit(_probe, url, timeout) for name, url in urls.items()}
        return {name: future.result() for name, future in futures.items()}


def _probe(base_url: str, timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        response = requests.get(f"{base_url}/readyz", timeout=timeout)
        body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
        status = body.get("status") or ("ready" if response.ok else "not_ready")
        return {"status": status, "checks": body.get("checks", {}), "ms": _ms(started)}
    except requests.RequestException as exc:
        return {"status": "unreachable", "error": type(exc).__name__, "ms": _ms(started)}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
