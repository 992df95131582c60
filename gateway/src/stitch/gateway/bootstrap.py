"""The gateway's composition root."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from stitch.common.db.uow import SqlUnitOfWork
from stitch.common.runtime import ServiceRuntime, sql_unit_of_work
from stitch.common.tokens import JwksSource, TokenVerifier
from stitch.gateway import config
from stitch.gateway.adapters.forwarder import Forwarder
from stitch.gateway.adapters.readiness_probe import probe_all
from stitch.gateway.adapters.signing_keys import SigningKeys
from stitch.gateway.adapters.tables import metadata
from stitch.gateway.application.tokens import issue_access_token


def bootstrap(settings: config.Settings | None = None, *, uow: Callable[[], Any] | None = None,
              keys: SigningKeys | None = None, clock: Callable[[], datetime] | None = None,
              probe: Callable[..., dict] | None = None, forwarder: Forwarder | None = None) -> ServiceRuntime:
    settings = settings or config.load()
    clock = clock or (lambda: datetime.now(UTC))
    keys = keys or SigningKeys.load_or_create(settings.key_file)
    engine = None
    if uow is None:
        engine, uow = sql_unit_of_work(settings, metadata, SqlUnitOfWork)
    verifier = TokenVerifier(JwksSource.from_callable(keys.jwks), settings.token_issuer, settings.token_audience)
    probe = probe or probe_all
    forwarder = forwarder or Forwarder(settings.proxy_timeout)
    return ServiceRuntime(
        settings=settings, service_root=config.SERVICE_ROOT, engine=engine, metadata=metadata,
        uow=uow, verifier=verifier,
        use_cases={
            "jwks": keys.jwks,
            "issue_dev_token": lambda: issue_access_token(
                keys, clock, issuer=settings.token_issuer, audience=settings.token_audience,
                subject=settings.dev_admin_id, org_id=settings.dev_org_id, role="admin",
                ttl=settings.access_token_ttl),
            "probe_services": lambda: probe({s: settings.service_url(s) for s in config.SERVICES}),
            "forward": forwarder.forward,
        },
    )

