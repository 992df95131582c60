"""Fresh PostgreSQL databases per test run on a shared server, dropped afterwards."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


class DatabaseFactory:
    def __init__(self, admin_url: str, run_id: str) -> None:
        self._admin_url = make_url(admin_url)
        self._run_id = run_id
        self._created: list[str] = []

    def create(self, label: str) -> str:
        name = f"stitch_t_{self._run_id}_{label}_{len(self._created)}"
        self._execute(f'CREATE DATABASE "{name}"')
        self._created.append(name)
        return self._admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in reversed(self._created):
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.clear()

    def _execute(self, statement: str) -> None:
        engine = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()
