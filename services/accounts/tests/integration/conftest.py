"""Stores for the accounts adapters: SQLite (always) and PostgreSQL as the non-owner app role
under forced RLS (skipped without STITCH_TEST_DATABASE_URL or Docker), both migrated by the
service's Alembic history; and an account built with the domain, as use cases build them."""

from __future__ import annotations

import copy
import dataclasses
import json
import types
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from stitch.accounts import config
from stitch.accounts.adapters.tables import metadata
from stitch.accounts.adapters.unit_of_work import AccountsUnitOfWork
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.happenings import OrgPolicy
from stitch.accounts.domain.plan import RevisionSnapshot
from stitch.common.db.engine import make_engine
from stitch.common.db.migrate import upgrade
from stitch.common.db.uow import make_session_factory

ROOT = Path(__file__).resolve().parents[4]
ORG, OTHER = "3f1c2a9e-0000-4000-8000-0000000000a1", "3f1c2a9e-0000-4000-8000-0000000000b2"
T0 = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
POLICY = OrgPolicy()


@dataclasses.dataclass
class Store:
    engine: Engine
    uow: Callable[[], AccountsUnitOfWork]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def migrated_store(url: str, owner_url: str | None = None) -> Store:
    upgrade(config.SERVICE_ROOT, owner_url or url, runtime_url=url if owner_url else None)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    return Store(engine, lambda: AccountsUnitOfWork(sessions, metadata, "accounts"))


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:
    store = migrated_store(f"sqlite:///{tmp_path / 'accounts.db'}")
    yield store
    store.engine.dispose()


@pytest.fixture
def postgres_store(databases) -> Iterator[Store]:
    db = databases.create_with_roles("accounts")
    store = migrated_store(db.app_url, db.owner_url)
    yield store
    store.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request) -> Store:
    return request.getfixturevalue(f"{request.param}_store" if request.param == "sqlite" else "postgres_store")


def example_revision() -> RevisionSnapshot:
    """The documented template_published example, with a third milestone (a copy of the first)."""
    schema = json.loads((ROOT / "docs" / "events" / "templates.template_published.v1.json").read_text())
    data = schema["examples"][0]["data"]
    third = copy.deepcopy(data["milestones"][0])
    third |= {"id": str(uuid.uuid4()), "sequence": 3, "name": "Go-live"}
    for action in third["actions"]:
        action["id"] = str(uuid.uuid4())
    return RevisionSnapshot(template_id=data["template_id"], revision_id=data["revision_id"],
                            revision=data["revision"], name=data["name"],
                            milestones=(*data["milestones"], third))


def new_account(revision: RevisionSnapshot, *, org_id: str = ORG, external_id: str | None = "deal-1",
                duplicate_of: str | None = None) -> Account:
    """An account with two contacts and the revision's plan applied, not started."""
    details = {"company_name": "Northwind Traders", "arr": Decimal("48000.50"), "close_date": date(2026, 11, 20),
               "industry": "Retail", "company_size": "51-200", "website": "https://northwind.example",
               "notes": "Champion is the COO.", "custom_fields": {"tier": "gold", "seats": 40, "regions": ["EU"]},
               "ae_email": "ae@vendor.example"}
    if external_id:
        details |= {"crm_source": "hubspot", "external_id": external_id}
    account = Account.create(account_id=str(uuid.uuid4()), org_id=org_id, details=details, now=T0, actor="csm-1",
                             duplicate_of=duplicate_of)
    account.assign_csm("csm-1", T0, "admin-1")
    # the same created_at for both: the stored order must still be the aggregate's
    account.add_contact(str(uuid.uuid4()), {"name": "Ada Lovelace", "email": "ada@northwind.example",
                                            "title": "COO"}, T0, "csm-1")
    account.add_contact(str(uuid.uuid4()), {"name": "Alan Turing", "email": "alan@northwind.example",
                                            "role": "IT_admin"}, T0, "csm-1")
    account.apply_template(revision, T0, "csm-1")
    return account


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.fixture
def kit() -> types.SimpleNamespace:
    """What the tests share (a conftest is not importable under --import-mode=importlib)."""
    return types.SimpleNamespace(ORG=ORG, OTHER=OTHER, T0=T0, POLICY=POLICY, at=at, new_account=new_account,
                                 revision=example_revision())
