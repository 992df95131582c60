"""JSON logs on stdout, each line carrying the service and the current request/correlation ids."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from stitch.common import context

_SECRET_KEYS = ("authorization", "password", "token", "secret", "cookie")


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.request_id = context.request_id.get()
        record.correlation_id = context.correlation_id.get()
        for key in list(vars(record)):
            if any(secret in key.lower() for secret in _SECRET_KEYS):
                setattr(record, key, "[redacted]")
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    """Install the JSON handler on the root logger (idempotent; called by entrypoints only)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_stitch", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler._stitch = True  # type: ignore[attr-defined]
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(request_id)s %(correlation_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_ContextFilter(service))
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("werkzeug").setLevel("WARNING")  # its access log duplicates ours
