"""One frozen settings object per process, read from ``STITCH_*`` environment variables.

Services extend :class:`ServiceSettings` with their own fields; ``load_settings`` fills every
field from ``STITCH_<FIELD>`` so a new setting needs no parsing code.
"""

from __future__ import annotations

import dataclasses
import os
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

T = TypeVar("T", bound="ServiceSettings")


class SettingsError(ValueError):
    """A ``STITCH_*`` variable is missing or cannot be read."""


@dataclasses.dataclass(frozen=True)
class ServiceSettings:
    service: str
    env: str = "dev"  # "dev" enables development-only routes (dev mailbox, dev login)
    var_dir: Path = Path("var")
    database_url: str = ""  # empty → SQLite file under var_dir
    # The role that owns the schema and runs migrations (DESIGN §4); empty → database_url. The
    # processes connect with database_url as a role that owns nothing; migrate grants it what it needs.
    migrate_database_url: str = ""
    broker_url: str = "filesystem://"
    broker_prefix: str = ""  # prefixes exchange and queue names, so test runs never collide
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    token_issuer: str = "stitch"
    token_audience: str = "stitch"
    jwks_url: str = "http://127.0.0.1:8080/.well-known/jwks.json"
    relay_interval: float = 0.2
    relay_batch: int = 100
    delivery_limit: int = 5

    @property
    def embedded_broker(self) -> bool:
        return self.broker_url.startswith("filesystem://") or self.broker_url.startswith("memory://")

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'db' / f'{self.service}.sqlite').resolve()}"

    @property
    def migrate_sqlalchemy_url(self) -> str:
        return self.migrate_database_url or self.sqlalchemy_url


def load_settings(cls: type[T], service: str, environ: Mapping[str, str] | None = None, **overrides: Any) -> T:
    """Build ``cls`` from ``STITCH_<FIELD>`` variables; ``overrides`` win (tests, dev runner)."""
    environ = os.environ if environ is None else environ
    hints = get_type_hints(cls)
    values: dict[str, Any] = {"service": service}
    unknown = set(overrides) - {field.name for field in dataclasses.fields(cls)}
    if unknown:  # a misspelt override would otherwise be dropped silently
        raise SettingsError(f"unknown settings: {', '.join(sorted(unknown))}")
    for field in dataclasses.fields(cls):
        if field.name == "service":
            continue
        name = f"STITCH_{field.name.upper()}"
        if field.name in overrides:
            values[field.name] = overrides[field.name]
        elif name in environ:
            values[field.name] = _convert(name, environ[name], hints[field.name])
    return cls(**values)


def _convert(name: str, raw: str, kind: Any) -> Any:
    if isinstance(kind, types.UnionType):  # "X | None": read as X, and an empty value as None
        if type(None) in kind.__args__ and raw == "":
            return None
        kind = next(k for k in kind.__args__ if k is not type(None))
    try:
        if kind is bool:
            if raw.lower() not in {"1", "true", "yes", "on", "0", "false", "no", "off", ""}:
                raise ValueError(f"expected a boolean, got {raw!r}")
            return raw.lower() in {"1", "true", "yes", "on"}
        if kind in (int, float, Path):
            return kind(raw)
        if kind == tuple[str, ...]:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        return raw
    except ValueError as exc:
        raise SettingsError(f"{name}: {exc}") from exc
