"""What Stitch knows about an outside provider: where its OAuth endpoints are and what it asks for.

Definitions are data (``adapters/providers.toml``): adding a provider is an entry there plus an
adapter for its API, never a change to the use cases.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Scope:
    name: str  # as the provider spells it: "chat:write"
    why: str  # shown before connecting: what Stitch does with it (least privilege, said out loud)


@dataclasses.dataclass(frozen=True)
class ProviderDefinition:
    name: str  # "slack"
    title: str  # "Slack"
    authorize_url: str
    token_url: str
    revoke_url: str | None  # None: the provider cannot revoke a token; disconnect only deletes it
    api_url: str  # the base of its web API (the adapter appends method paths)
    scopes: tuple[Scope, ...]
    pkce: bool  # send an S256 code challenge and its verifier
    # What the connection is used for, in the integrations page's words ("Send Slack messages").
    purpose: str = ""

    @property
    def scope_names(self) -> tuple[str, ...]:
        return tuple(scope.name for scope in self.scopes)
