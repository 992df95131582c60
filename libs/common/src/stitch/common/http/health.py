"""``/healthz`` (alive), ``/readyz`` (what the next request needs) and ``/metrics``."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, text

from stitch.common import metrics


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str = ""


Check = Callable[[], CheckResult]
_DRAINING: list[threading.Event] = []  # every app built in this process; one signal handler for all
_DRAINING_INSTALLED: list[bool] = []


def health_blueprint(checks: Mapping[str, Check], draining: threading.Event) -> Blueprint:
    blueprint = Blueprint("stitch_health", __name__)

    @blueprint.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="alive")

    @blueprint.get("/readyz")
    def readyz() -> tuple[Response, int]:
        results = {}
        for name, check in checks.items():
            started = time.perf_counter()
            try:
                result = check()
            except Exception as exc:  # a check that blows up is a failed check, not a 500
                result = CheckResult(False, type(exc).__name__)
            results[name] = {"ok": result.ok, "detail": result.detail,
                             "ms": round((time.perf_counter() - started) * 1000, 1)}
        ready = all(r["ok"] for r in results.values()) and not draining.is_set()
        status = "ready" if ready else ("draining" if draining.is_set() else "not_ready")
        return jsonify(status=status, checks=results), 200 if ready else 503

    @blueprint.get("/metrics")
    def prometheus() -> Response:
        return Response(metrics.render_latest(), mimetype=CONTENT_TYPE_LATEST)

    return blueprint


def drain_on_sigterm(draining: threading.Event) -> None:
    """Report not-ready as soon as SIGTERM arrives so the load balancer stops sending traffic."""
    _DRAINING.append(draining)
    if threading.current_thread() is not threading.main_thread() or _DRAINING_INSTALLED:
        return
    previous = signal.getsignal(signal.SIGTERM)

    def _handler(signum, frame):
        for event in _DRAINING:
            event.set()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, _handler)
    _DRAINING_INSTALLED.append(True)


def database_check(engine: Engine) -> Check:
    def check() -> CheckResult:
        with engine.connect() as db:
            db.execute(text("SELECT 1"))
        return CheckResult(True)

    return check


def cached(check: Check, seconds: float) -> Check:
    """Probes arrive every few seconds; don't open a broker connection for each one."""
    state: dict = {"at": -1e9, "result": None}
    lock = threading.Lock()

    def wrapper() -> CheckResult:
        with lock:
            if time.monotonic() - state["at"] > seconds or not state["result"].ok:
                state["result"], state["at"] = check(), time.monotonic()
            return state["result"]

    return wrapper


def broker_check(connect: Callable) -> Check:
    def check() -> CheckResult:
        with connect(connect_timeout=1) as connection:
            connection.ensure_connection(max_retries=1, timeout=1)
        return CheckResult(True)

    return cached(check, 5.0)


def relay_lag_check(lag_seconds: Callable[[], float], max_lag: float = 60.0) -> Check:
    def check() -> CheckResult:
        lag = lag_seconds()
        return CheckResult(lag <= max_lag, f"oldest unsent event {lag:.1f}s old")

    return check
