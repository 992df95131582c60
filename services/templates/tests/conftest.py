from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stitch.common.testing.fakes import FakeUnitOfWork
from stitch.templates.bootstrap import bootstrap
from stitch.templates.entrypoints.http import create_app

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


class FakeTemplateRepository:
    def __init__(self):
        self.rows = []

    def add(self, template):
        self.rows.append(template)

    def list(self, org_id, limit, after):
        rows = sorted((t for t in self.rows if t.org_id == org_id), key=lambda t: (t.created_at, t.id))
        if after:
            rows = [t for t in rows if (t.created_at.isoformat(), t.id) > tuple(after)]
        return rows[:limit]


class FakeTemplatesUnitOfWork(FakeUnitOfWork):
    def __init__(self):
        super().__init__("templates")
        self.templates = FakeTemplateRepository()


@pytest.fixture
def uow():
    return FakeTemplatesUnitOfWork()


@pytest.fixture
def runtime(uow, test_keys):
    return bootstrap(uow=lambda: uow, clock=lambda: NOW, verifier=test_keys.verifier())


@pytest.fixture
def client(runtime):
    return create_app(runtime).test_client()
