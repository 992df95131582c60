"""Settings of the accounts service (``STITCH_*`` environment variables)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from stitch.common.settings import ServiceSettings, load_settings

SERVICE = "accounts"
SERVICE_ROOT = Path(__file__).resolve().parents[3]  # holds alembic.ini and migrations/


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    http_port: int = 8102
    public_url: str = "http://127.0.0.1:8080"  # where customers reach the portal ({{portal_link}})
    ai_provider: str = "offline"  # drafts without a network; the OpenAI provider is a later issue
    scheduler_interval: float = 30.0  # seconds between scans of the due-jobs index
    # Jobs leased per scan, all under one lease: at a few seconds per AI draft, 10 finish well
    # inside it, so no second worker takes (and pays for) a job that is still running.
    scheduler_batch: int = 10
    job_lease_seconds: int = 300  # a crashed worker's job is taken again after this
    draft_attempts: int = 5  # then the template's own text becomes the draft, with a warning


def load(**overrides) -> Settings:
    return load_settings(Settings, SERVICE, **overrides)
