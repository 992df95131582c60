"""Alembic, driven from code: each service keeps one history under ``<service>/migrations``.

``run_env`` is the whole body of every service's ``migrations/env.py``; ``upgrade`` is what the
``migrate`` CLI command and the test fixtures call.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData

from stitch.common.db.engine import make_engine
from stitch.common.db.grants import grant_runtime_role


def alembic_config(service_root: Path, database_url: str) -> Config:
    config = Config(str(service_root / "alembic.ini"))
    config.set_main_option("script_location", str(service_root / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(service_root: Path, database_url: str, revision: str = "head", *,
            runtime_url: str | None = None) -> None:
    """Upgrade as the owner (``database_url``), then grant the runtime role what it needs when
    ``runtime_url`` connects as another role (PostgreSQL; see :mod:`stitch.common.db.grants`)."""
    command.upgrade(alembic_config(service_root, database_url), revision)
    if runtime_url is not None:
        grant_runtime_role(database_url, runtime_url)


def run_env(metadata: MetaData) -> None:
    """Run migrations online against the URL the caller put in the Alembic config."""
    config = context.config
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: run migrations through the service's `migrate` command")
    engine = make_engine(url, pool_size=1)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
