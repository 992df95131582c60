"""Fakes for the accounts unit tests: in-memory stores with transactions (nothing kept without commit)."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stitch.accounts.application.ports import DueJob, EngineSettings, Organization, StaffUser
from stitch.accounts.bootstrap import bootstrap
from stitch.accounts.domain.errors import NotFound
from stitch.accounts.domain.plan import RevisionSnapshot
from stitch.accounts.domain.states import ActionState
from stitch.common.concurrency import StaleVersion
from stitch.common.testing.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
EVENTS = Path(__file__).resolve().parents[3] / "docs" / "events"


class Clock:
    """A clock tests move by hand (the scheduler's "now")."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class _Table:
    """Rows by key; writes are staged until the unit of work commits."""

    def __init__(self) -> None:
        self.rows: dict = {}
        self.staged: dict = {}

    def read(self, key):
        if key in self.staged:
            return copy.deepcopy(self.staged[key])
        return copy.deepcopy(self.rows.get(key))

    def write(self, key, value) -> None:
        self.staged[key] = copy.deepcopy(value)

    def values(self):
        merged = {**self.rows, **self.staged}
        return [copy.deepcopy(v) for v in merged.values() if v is not None]

    def commit(self) -> None:
        for key, value in self.staged.items():
            if value is None:
                self.rows.pop(key, None)
            else:
                self.rows[key] = value
        self.staged = {}


class FakeTemplateCatalog:
    def __init__(self, table): self.table = table
    @property
    def entries(self): return {k: v for k, v in {**self.table.rows, **self.table.staged}.items() if v is not None}
    def upsert(self, entry): self.table.write((entry.org_id, entry.template_id), entry)
    def list(self, org_id, limit, after):
        return sorted((e for e in self.table.values() if e.org_id == org_id),
                      key=lambda e: (e.created_at, e.template_id))[:limit]


class FakeAccounts:
    def __init__(self, uow): self.uow = uow

    def add(self, account):
        account.version = 1
        self._write(account)

    def get(self, org_id, account_id, *, for_update=False):
        account = self.uow.tables["accounts"].read(account_id)
        if account is None or account.org_id != org_id:
            raise NotFound(f"no account {account_id} in this organization")
        return account

    def find_by_deal(self, org_id, crm_source, external_id):
        return next((a for a in self.uow.tables["accounts"].values() if a.org_id == org_id
                     and a.crm_source == crm_source and a.external_id == external_id and not a.duplicate_of), None)

    def save(self, account):
        stored = self.uow.tables["accounts"].read(account.id)
        if stored.version != account.version:
            raise StaleVersion(stored.version)
        account.version += 1
        self._write(account)

    def history(self, org_id, account_id, *, action_id=None, limit=200, after=None):
        entries = sorted((h for (acc, _), h in self.uow.tables["history"].rows.items()
                          if acc == account_id and (action_id is None or h.action_id == action_id)),
                         key=lambda h: h.number)
        return [h for h in entries if after is None or h.number > after][:limit]

    def _write(self, account):
        history = self.uow.tables["history"]
        last = max((h.number for (acc, _), h in {**history.rows, **history.staged}.items() if acc == account.id),
                   default=0)
        for offset, happened in enumerate(account.changes, start=1):
            history.write((account.id, next(self.uow.sequence)), dataclasses.replace(happened, number=last + offset))
        account.changes = []
        self.uow.tables["accounts"].write(account.id, account)
        self.uow.due_jobs.sync(account)


class FakeRevisions:
    def __init__(self, uow): self.uow = uow
    def add(self, org_id, revision, published_at): self.uow.tables["revisions"].write((org_id, revision.revision_id), revision)
    def get(self, org_id, revision_id): return self.uow.tables["revisions"].read((org_id, revision_id))
    def latest(self, org_id, template_id):
        mine = [r for (org, _), r in self.uow.tables["revisions"].rows.items()
                if org == org_id and r.template_id == template_id]
        return max(mine, key=lambda r: r.revision, default=None)
    def set_template_state(self, org_id, template_id, state): self.uow.tables["template_states"].write((org_id, template_id), state)
    def template_state(self, org_id, template_id): return self.uow.tables["template_states"].read((org_id, template_id))


class FakeStaff:
    def __init__(self, uow): self.uow = uow
    def upsert(self, org_id, user, updated_at): self.uow.tables["staff"].write((org_id, user.user_id), user)
    def get(self, org_id, user_id): return self.uow.tables["staff"].read((org_id, user_id))
    def by_email(self, org_id, email):
        return next((u for (org, _), u in self.uow.tables["staff"].rows.items()
                     if org == org_id and u.email.casefold() == email.casefold()), None)


class FakeOrganizations:
    def __init__(self, uow): self.uow = uow
    def upsert(self, organization): self.uow.tables["organizations"].write(organization.org_id, organization)
    def get(self, org_id): return self.uow.tables["organizations"].read(org_id)


class FakeConnections:
    def __init__(self, uow): self.uow = uow
    def upsert(self, org_id, provider, status, changed_at): self.uow.tables["connections"].write((org_id, provider), status)
    def statuses(self, org_id):
        return {provider: status for (org, provider), status in self.uow.tables["connections"].rows.items() if org == org_id}


class FakeSettings:
    def __init__(self, uow): self.uow = uow
    def get(self, org_id): return self.uow.tables["settings"].read(org_id) or EngineSettings()
    def save(self, org_id, settings):
        if self.get(org_id).version != settings.version:
            return False
        self.uow.tables["settings"].write(org_id, dataclasses.replace(settings, version=settings.version + 1))
        return True


class FakeDueJobs:
    """The due-jobs index, kept in step with the aggregates as the SQL repository keeps it."""

    def __init__(self, uow): self.uow = uow

    @property
    def table(self): return self.uow.tables["due_jobs"]

    def sync(self, account):
        wanted = {}
        if not account.archived:
            for action in account.actions():
                if action.state is ActionState.PENDING and action.due_at is not None:
                    wanted[(action.id, "fire")] = (action.due_at, None)
                elif action.state is ActionState.REVIEW_PENDING and action.draft_request:
                    wanted[(action.id, "draft")] = (None, action.draft_request)
        for job in self.table.values():
            if job.account_id == account.id and (job.action_id, job.kind) not in wanted:
                self.table.write(job.id, None)
        existing = {(j.action_id, j.kind): j for j in self.table.values() if j.account_id == account.id}
        for (action_id, kind), (due_at, request_id) in wanted.items():
            job = existing.get((action_id, kind))
            if job and (kind == "fire" and job.due_at == due_at or kind == "draft" and job.request_id == request_id):
                continue
            if job and kind == "fire":  # as the SQL store: the same row, a new time and a fresh start
                self.table.write(job.id, dataclasses.replace(job, due_at=due_at, attempts=0))
                self.uow.leases.pop(job.id, None)
                continue
            if job:
                self.table.write(job.id, None)
            job_id = f"job-{next(self.uow.sequence)}"
            self.table.write(job_id, DueJob(job_id, account.org_id, account.id, action_id, kind, request_id,
                                            due_at or account.updated_at, 0))
            self.uow.leases.pop(job_id, None)

    def claim(self, now, limit, lease_until):
        due = sorted((j for j in self.table.values() if j.due_at <= now
                      and self.uow.leases.get(j.id, now - timedelta(seconds=1)) < now), key=lambda j: j.due_at)[:limit]
        for job in due:
            self.uow.leases[job.id] = lease_until
        return due

    def retry_later(self, claimed, attempts, due_at, error):
        job = self.table.read(claimed.id)
        if job and job.due_at == claimed.due_at:  # unchanged since claimed, as the SQL store checks
            self.table.write(job.id, dataclasses.replace(job, attempts=attempts, due_at=due_at))
            self.uow.leases.pop(job.id, None)

    def done(self, claimed):
        job = self.table.read(claimed.id)
        if job and job.due_at == claimed.due_at:
            self.table.write(job.id, None)

    def count_due(self, now): return sum(1 for j in self.table.values() if j.due_at <= now)


class FakeRequests:
    def __init__(self, uow): self.uow = uow
    def seen(self, org_id, request_id): return self.uow.tables["requests"].read((org_id, request_id)) is not None
    def record(self, org_id, request_id, command, outcome, account_id, at):
        self.uow.tables["requests"].write((org_id, request_id), (command, outcome, account_id))


class FakeAccountsUnitOfWork(FakeUnitOfWork):
    TABLES = ("catalog", "accounts", "history", "revisions", "template_states", "staff", "organizations",
              "connections", "settings", "due_jobs", "requests")

    def __init__(self):
        super().__init__("accounts")
        self.tables = {name: _Table() for name in self.TABLES}
        self.sequence = itertools.count(1)
        self.leases: dict[str, datetime] = {}
        self.template_catalog = FakeTemplateCatalog(self.tables["catalog"])
        self.accounts, self.revisions = FakeAccounts(self), FakeRevisions(self)
        self.staff, self.organizations = FakeStaff(self), FakeOrganizations(self)
        self.connections, self.settings, self.due_jobs = FakeConnections(self), FakeSettings(self), FakeDueJobs(self)
        self.requests = FakeRequests(self)

    def __exit__(self, *exc):
        super().__exit__(*exc)
        for table in self.tables.values():
            table.staged = {}

    def commit(self):
        super().commit()
        for table in self.tables.values():
            table.commit()


def example_revision(**changes) -> RevisionSnapshot:
    """The documented template_published example, as the local revision copy holds it."""
    data = json.loads((EVENTS / "templates.template_published.v1.json").read_text())["examples"][0]["data"]
    data = {**data, **changes}
    return RevisionSnapshot(data["template_id"], data["revision_id"], data["revision"], data["name"],
                            tuple(data["milestones"]))


@pytest.fixture
def revision() -> RevisionSnapshot:
    return example_revision()


@pytest.fixture
def seeded(uow, clock, revision):
    """What the consumer would have learnt from events: the revision, org-1 ("Northwind") and its CSM
    user-csm."""
    with uow:
        uow.revisions.add("org-1", revision, clock())
        uow.organizations.upsert(Organization("org-1", "Northwind", "northwind"))
        uow.staff.upsert("org-1", StaffUser("user-csm", "Casey Smith", "casey@northwind.test", "csm", True), clock())
        uow.commit()
    return revision


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def uow():
    return FakeAccountsUnitOfWork()


@pytest.fixture
def runtime(uow, test_keys, clock):
    return bootstrap(uow=lambda: uow, clock=clock, verifier=test_keys.verifier())
