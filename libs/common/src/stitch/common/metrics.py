"""Prometheus metrics shared by every process (multiprocess-safe under gunicorn)."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client import REGISTRY

HTTP_REQUESTS = Counter("stitch_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram("stitch_http_request_seconds", "HTTP request latency", ["service", "method", "route"])
EVENTS_PUBLISHED = Counter("stitch_events_published_total", "Events the relay published", ["service", "type"])
RELAY_FAILURES = Counter("stitch_relay_failures_total", "Relay publish failures", ["service"])
OUTBOX_LAG = Gauge("stitch_outbox_lag_seconds", "Age of the oldest unsent outbox row", ["service"],
                   multiprocess_mode="max")
EVENTS_CONSUMED = Counter("stitch_events_consumed_total", "Events consumed, by outcome",
                          ["service", "type", "outcome"])


def render_latest() -> bytes:
    """Aggregate every worker's samples when gunicorn runs several (PROMETHEUS_MULTIPROC_DIR)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
