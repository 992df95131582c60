"""Settings of the templates service (``STITCH_*`` environment variables)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from stitch.common.settings import ServiceSettings, load_settings

SERVICE = "templates"
SERVICE_ROOT = Path(__file__).resolve().parents[3]  # holds alembic.ini and migrations/


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    http_port: int = 8101
    ai_provider: str = "offline"  # who drafts templates from a description; OpenAI arrives in a later issue


def load(**overrides) -> Settings:
    return load_settings(Settings, SERVICE, **overrides)
