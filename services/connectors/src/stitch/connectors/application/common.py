"""What every use case of the connectors service is given (bootstrap builds it; tests pass fakes)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from stitch.connectors.application.ports import Cipher, UnitOfWork
from stitch.connectors.application.providers_ports import EmailSender, OAuthClient, SlackApi, WorkspaceIdentity
from stitch.connectors.domain.deliveries import RetryPolicy
from stitch.connectors.domain.errors import NotFound, RuleBroken
from stitch.connectors.domain.providers import ProviderDefinition


def new_id() -> str:
    return str(uuid.uuid4())


@dataclasses.dataclass(frozen=True)
class Deps:
    uow: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]
    cipher: Cipher
    providers: Mapping[str, ProviderDefinition]
    configured: frozenset[str]  # providers whose OAuth client id and secret this server has
    oauth: OAuthClient
    slack: SlackApi
    email: EmailSender
    public_url: str  # where browsers reach Stitch: OAuth callbacks and the pages they return to
    # provider → who a token speaks for (Slack's auth.test): naming a new connection, testing one
    identifiers: Mapping[str, Callable[[str], WorkspaceIdentity]] = dataclasses.field(default_factory=dict)
    retry: RetryPolicy = RetryPolicy()
    new_id: Callable[[], str] = new_id
    state_lifetime: timedelta = timedelta(minutes=10)  # an admin has this long to approve at the provider
    refresh_margin: timedelta = timedelta(minutes=5)  # tokens are refreshed this long before they expire
    lease: timedelta = timedelta(minutes=5)  # longer than any send or refresh can take (timeouts are shorter)
    batch: int = 20


def provider(deps: Deps, name: str) -> ProviderDefinition:
    definition = deps.providers.get(name)
    if definition is None:
        raise NotFound(f"no provider {name!r}")
    return definition


def require_configured(deps: Deps, definition: ProviderDefinition) -> None:
    if definition.name not in deps.configured:
        variable = f"STITCH_{definition.name.upper()}"
        raise RuleBroken("connection.provider_not_configured",
                         f"{definition.title} is not set up on this Stitch server yet: an operator sets "
                         f"{variable}_CLIENT_ID and {variable}_CLIENT_SECRET from the {definition.title} app.")
