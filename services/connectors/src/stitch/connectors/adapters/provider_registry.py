"""Provider definitions read from ``providers.toml`` (shipped inside the package)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

from stitch.connectors.domain.providers import ProviderDefinition, Scope

_NO_OVERRIDES: Mapping[str, str] = MappingProxyType({})
_URL_FIELDS = ("authorize_url", "token_url", "api_url")
_KNOWN_FIELDS = {"title", "purpose", "default_base", "revoke_url", "pkce", "scopes", *_URL_FIELDS}


class ProviderDefinitionError(ValueError):
    """providers.toml (or an override of it) is wrong: a packaging or configuration mistake."""


def load_definitions(base_urls: Mapping[str, str] = _NO_OVERRIDES) -> dict[str, ProviderDefinition]:
    """Every provider by name; ``base_urls`` (provider name → base URL such as
    ``http://127.0.0.1:5123``) replaces a provider's ``default_base``."""
    # importlib.resources reads it from wherever the package is: the source tree, a wheel, a zip.
    text = resources.files("stitch.connectors.adapters").joinpath("providers.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)
    unknown = set(base_urls) - set(table)
    if unknown:
        # A typo in an override would otherwise silently send traffic to the real provider.
        raise ProviderDefinitionError(f"base URL given for unknown providers: {', '.join(sorted(unknown))}")
    return {name: _definition(name, entry, base_urls.get(name)) for name, entry in table.items()}


def _definition(name: str, entry: dict[str, Any], base_override: str | None) -> ProviderDefinition:
    unknown = set(entry) - _KNOWN_FIELDS
    if unknown:
        raise ProviderDefinitionError(f"provider {name!r}: unknown fields {', '.join(sorted(unknown))}")
    try:
        base = (base_override or entry["default_base"]).rstrip("/")
        urls = {field: entry[field].format(base=base) for field in _URL_FIELDS}
        revoke_url = entry["revoke_url"].format(base=base) if entry.get("revoke_url") else None
        scopes = tuple(Scope(scope["name"], scope["why"].strip()) for scope in entry["scopes"])
        definition = ProviderDefinition(name=name, title=entry["title"], revoke_url=revoke_url, scopes=scopes,
                                        pkce=bool(entry.get("pkce", False)), purpose=entry.get("purpose", ""),
                                        **urls)
    except KeyError as missing:
        raise ProviderDefinitionError(f"provider {name!r}: missing {missing.args[0]!r}") from None
    if not scopes or any(not scope.name or not scope.why for scope in scopes):
        raise ProviderDefinitionError(f"provider {name!r}: every scope needs a name and a why")
    return definition
