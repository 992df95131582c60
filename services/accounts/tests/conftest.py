from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stitch.accounts.bootstrap import bootstrap
from stitch.common.testing.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


class FakeTemplateCatalog:
    def __init__(self):
        self.entries = {}

    def upsert(self, entry):
        self.entries[(entry.org_id, entry.template_id)] = entry

    def list(self, org_id, limit, after):
        return sorted((e for (org, _), e in self.entries.items() if org == org_id),
                      key=lambda e: (e.created_at, e.template_id))[:limit]


class FakeAccountsUnitOfWork(FakeUnitOfWork):
    def __init__(self):
        super().__init__("accounts")
        self.template_catalog = FakeTemplateCatalog()


@pytest.fixture
def uow():
    return FakeAccountsUnitOfWork()


@pytest.fixture
def runtime(uow, test_keys):
    return bootstrap(uow=lambda: uow, clock=lambda: NOW, verifier=test_keys.verifier())
