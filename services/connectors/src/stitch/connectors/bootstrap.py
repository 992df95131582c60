"""The composition root: settings → adapters → use cases, event reactions and periodic jobs. Tests pass fakes."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from stitch.common.jobs import Periodic
from stitch.common.mail import transport_from_url
from stitch.common.runtime import ServiceRuntime, build_runtime
from stitch.common.settings import SettingsError
from stitch.common.tokens import TokenVerifier
from stitch.connectors import config
from stitch.connectors.adapters.email_sender import TransportEmailSender
from stitch.connectors.adapters.oauth_client import AuthlibOAuthClient
from stitch.connectors.adapters.provider_registry import load_definitions
from stitch.connectors.adapters.slack_api import SlackWebApi
from stitch.connectors.adapters.tables import metadata
from stitch.connectors.adapters.token_cipher import cipher_from_setting, new_key_entry
from stitch.connectors.adapters.unit_of_work import ConnectorsUnitOfWork
from stitch.connectors.application import connecting, delivering, log, reactions, sample_messages, vault
from stitch.connectors.application.common import Deps
from stitch.connectors.application.ports import Cipher
from stitch.connectors.application.providers_ports import EmailSender, OAuthClient, SlackApi
from stitch.connectors.domain.deliveries import RetryPolicy

DELIVERY_JOB = "connectors.run_due_deliveries"
REFRESH_JOB = "connectors.refresh_due_tokens"


def bootstrap(settings: config.Settings | None = None, *, uow: Callable[[], Any] | None = None,
              verifier: TokenVerifier | None = None, clock: Callable[[], datetime] | None = None,
              email: EmailSender | None = None, slack: SlackApi | None = None, oauth: OAuthClient | None = None,
              cipher: Cipher | None = None) -> ServiceRuntime:
    settings = settings or config.load()
    runtime = build_runtime(settings, config.SERVICE_ROOT, metadata, ConnectorsUnitOfWork, uow=uow, verifier=verifier)
    definitions = load_definitions({"slack": settings.slack_base_url})
    credentials = {name: (settings.slack_client_id, settings.slack_client_secret)
                   for name in ("slack",) if settings.slack_client_id and settings.slack_client_secret}
    clock = clock or (lambda: datetime.now(UTC))
    slack = slack or SlackWebApi(definitions["slack"].api_url, timeout=settings.provider_timeout)
    deps = Deps(
        uow=runtime.uow, clock=clock,
        cipher=cipher or cipher_from_setting(settings.token_keys or _dev_keys(settings)),
        providers=definitions, configured=frozenset(credentials),
        oauth=oauth or AuthlibOAuthClient(definitions, credentials, timeout=settings.provider_timeout, clock=clock),
        slack=slack,
        email=email or TransportEmailSender(_mail_transport(settings), settings.mail_sender),
        public_url=settings.public_url, identifiers={"slack": slack.identify},
        retry=RetryPolicy(attempts=settings.delivery_attempts,
                          base=timedelta(seconds=settings.delivery_backoff_seconds)))
    return dataclasses.replace(
        runtime,
        event_handlers=reactions.handlers(deps),
        periodic={DELIVERY_JOB: Periodic(settings.delivery_interval, functools.partial(delivering.run_due_deliveries, deps)),
                  REFRESH_JOB: Periodic(settings.refresh_interval, functools.partial(vault.refresh_due_tokens, deps))},
        use_cases=_use_cases(deps),
    )


def _use_cases(deps: Deps) -> dict[str, Callable[..., Any]]:
    return {name: functools.partial(function, deps) for name, function in {
        "start_connect": connecting.start_connect, "finish_connect": connecting.finish_connect,
        "disconnect": connecting.disconnect, "test_connection": connecting.test_connection,
        "connections": connecting.connections, "set_default_channel": connecting.set_default_channel,
        "send_test_email": sample_messages.send_test_email, "send_test_slack": sample_messages.send_test_slack,
        "deliveries": log.page, "delivery": log.one, "account_channels": log.account_channels,
        "set_account_channel": log.set_account_channel, "clear_account_channel": log.clear_account_channel,
        "run_due_deliveries": delivering.run_due_deliveries, "run_all_due_deliveries": delivering.run_all_due,
        "refresh_due_tokens": vault.refresh_due_tokens, "reencrypt_tokens": vault.reencrypt_all,
    }.items()} | {"providers": lambda: deps.providers, "configured": lambda: deps.configured}


def _mail_transport(settings: config.Settings):
    transport = transport_from_url(settings.mail_url, settings.mail_sender, settings.var_dir)
    if hasattr(transport, "timeout"):
        transport.timeout = settings.mail_timeout
    return transport


def _dev_keys(settings: config.Settings) -> str:
    """In dev only: one key made on first start and kept under var/ (never in the repository)."""
    if settings.env != "dev":
        raise SettingsError("STITCH_TOKEN_KEYS is required outside dev: make a key with "
                            "`stitch-connectors new-token-key` and set STITCH_TOKEN_KEYS=<id>:<key>")
    path = Path(settings.var_dir) / "keys" / "connectors-token-keys"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(new_key_entry("dev1"))
        try:  # whole or not at all; if another process got there first, its key is the key
            os.link(partial, path)
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    return path.read_text().strip()
