"""Settings of the gateway (``STITCH_*`` environment variables)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from stitch.common.settings import ServiceSettings, load_settings

SERVICE = "gateway"
SERVICE_ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("templates", "accounts", "workflows", "portal", "connectors")
DEMO_ORG_ID = "00000000-0000-4000-8000-00000000d3e0"  # fixed, so every process agrees on the demo org
DEV_ADMIN_ID = "00000000-0000-4000-8000-0000000ad300"


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    http_port: int = 8080
    templates_url: str = "http://127.0.0.1:8101"
    accounts_url: str = "http://127.0.0.1:8102"
    workflows_url: str = "http://127.0.0.1:8103"
    portal_url: str = "http://127.0.0.1:8104"
    connectors_url: str = "http://127.0.0.1:8105"
    signing_key_file: Path | None = None  # default: <var_dir>/gateway/signing-key.json (created on first start)
    access_token_ttl: int = 900  # seconds; DESIGN §4 caps access tokens at 15 minutes
    proxy_timeout: float = 30.0
    dev_org_id: str = DEMO_ORG_ID
    dev_admin_id: str = DEV_ADMIN_ID

    def service_url(self, service: str) -> str:
        return getattr(self, f"{service}_url").rstrip("/")

    @property
    def key_file(self) -> Path:
        return self.signing_key_file or self.var_dir / "gateway" / "signing-key.json"


def load(**overrides) -> Settings:
    return load_settings(Settings, SERVICE, **overrides)
