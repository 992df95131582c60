"""Settings of the gateway (``STITCH_*`` environment variables)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from stitch.common.settings import ServiceSettings, SettingsError, load_settings

SERVICE = "gateway"
SERVICE_ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("templates", "accounts", "workflows", "portal", "connectors")
DEMO_ORG_ID = "00000000-0000-4000-8000-00000000d3e0"  # fixed, so every process agrees on the demo org
DEMO_ADMIN_ID = "00000000-0000-4000-8000-0000000ad300"


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
    api_key_token_ttl: int = 60  # the token minted per API-key request; short, so revocation is immediate
    portal_audience: str = "stitch-portal"
    refresh_idle_days: int = 7
    refresh_absolute_days: int = 30
    key_publish_lead: int = 600  # a new signing key is in the JWKS this long (> services' 300 s cache) before use
    proxy_timeout: float = 30.0
    portal_domain: str = ""  # e.g. portal.example.com: <slug>.portal.example.com serves that org's portal
    # Other cells of the route table, as JSON: {"eu-2": {"templates": "http://…", "accounts": …}}.
    # Orgs whose route names no other cell are served by this gateway's own service URLs.
    cells: str = ""
    # Links in security mail are built on this address, never on a request's Host header.
    public_url: str = "http://127.0.0.1:8080"
    # smtp://user:pass@host:587, smtps://host:465, maildir:<dir>; empty: a Maildir under
    # <var_dir>/mail that the dev mailbox (/dev/mail) shows.
    mail_url: str = ""
    mail_from: str = "Stitch <no-reply@stitch.test>"
    verify_link_hours: int = 24
    reset_link_minutes: int = 30
    invitation_days: int = 7
    # Rate limits (Flask-Limiter notation). Memory fits one embedded process; the full stack
    # shares counters across gateway replicas in Redis (redis://host:6379/1).
    rate_limit_storage_url: str = "memory://"
    login_limit_per_email: str = "5 per minute"
    login_limit_per_ip: str = "30 per minute"
    link_limit_per_email: str = "5 per hour"  # sign-up and password-reset mails to one address
    link_limit_per_ip: str = "30 per hour"
    token_limit_per_ip: str = "60 per minute"  # opening and spending links, accepting invitations
    password_change_limit: str = "5 per minute"  # per user: guessing the current password
    invitation_limit_per_org: str = "100 per hour"  # invitation mails an organization sends
    org_api_quota: str = "1200 per minute"  # every authenticated API call of one organization
    trusted_proxies: int = 0  # proxies in front that set X-Forwarded-For (the client IP for limits)

    def service_url(self, service: str) -> str:
        return getattr(self, f"{service}_url").rstrip("/")

    def other_cells(self) -> dict[str, dict[str, str]]:
        if not self.cells.strip():
            return {}
        try:
            cells = json.loads(self.cells)
            if not all(isinstance(urls, dict) for urls in cells.values()):
                raise ValueError("each cell maps service names to URLs")
        except (ValueError, AttributeError) as exc:
            raise SettingsError(f"STITCH_CELLS: {exc}") from exc
        return cells

    @property
    def key_file(self) -> Path:
        return self.signing_key_file or self.var_dir / "gateway" / "signing-key.json"


def load(**overrides) -> Settings:
    return load_settings(Settings, SERVICE, **overrides)
