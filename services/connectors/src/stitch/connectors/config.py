"""Settings of the connectors service (``STITCH_*`` environment variables)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from stitch.common.settings import ServiceSettings, load_settings

SERVICE = "connectors"
SERVICE_ROOT = Path(__file__).resolve().parents[3]  # holds alembic.ini and migrations/


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    http_port: int = 8105
    public_url: str = "http://127.0.0.1:8080"  # where browsers reach Stitch (OAuth callbacks land here)
    # Keys sealing OAuth tokens: "<id>:<base64 of 32 bytes>", newest first (it encrypts; all decrypt).
    # Empty in dev: a key is made once under <var_dir>/keys/. Elsewhere it is required.
    token_keys: str = ""
    # Customer mail: smtp://user:pass@host:587, smtps://host:465, maildir:<dir>; empty: the Maildir
    # under <var_dir>/mail that the gateway's dev mailbox (/dev/mail) shows.
    mail_url: str = ""
    mail_sender: str = "onboarding@stitch.test"  # the From address; the display name is the CSM's
    mail_timeout: float = 30.0
    slack_client_id: str = ""
    slack_client_secret: str = ""
    slack_base_url: str = "https://slack.com"  # a fake Slack in tests; never changed in production
    provider_timeout: float = 10.0  # seconds for any call to a provider's API or token endpoint
    delivery_interval: float = 1.0  # seconds between scans of the delivery queue
    delivery_attempts: int = 6  # per delivery, transient failures included
    delivery_backoff_seconds: float = 30.0  # the first retry's wait; doubled each time, capped at an hour
    refresh_interval: float = 60.0  # seconds between scans for tokens about to expire

    def __repr__(self) -> str:  # settings are logged at start-up: never the secrets
        hidden = {"token_keys", "slack_client_secret", "mail_url"}

        def shown(name: str) -> str:
            value = getattr(self, name)
            return "***" if name in hidden and value else repr(value)

        return "Settings(" + ", ".join(f"{f.name}={shown(f.name)}" for f in dataclasses.fields(self)) + ")"


def load(**overrides) -> Settings:
    return load_settings(Settings, SERVICE, **overrides)
