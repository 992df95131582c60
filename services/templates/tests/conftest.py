from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from stitch.common.testing.fakes import FakeUnitOfWork
from stitch.templates.bootstrap import bootstrap
from stitch.templates.domain.errors import Conflict
from stitch.templates.entrypoints.http import create_app

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


class Clock:
    """Ticks a second per reading, so updated_at orders edits the way real time would."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class _Versioned:
    """Keeps deep copies, so a use case that forgets to save changes nothing, as with a database."""

    def __init__(self) -> None:
        self.rows: dict[str, object] = {}

    def _put(self, item) -> None:
        self.rows[item.id] = copy.deepcopy(item)

    def _get(self, org_id, item_id):
        item = self.rows.get(item_id)
        return copy.deepcopy(item) if item is not None and item.org_id == org_id else None

    def _save(self, item, what: str) -> None:
        stored = self.rows.get(item.id)
        if stored is None or stored.version != item.version:
            raise Conflict(f"the {what} was changed by someone else since you loaded it; reload and try again")
        item.version += 1
        self._put(item)


class FakeTemplateRepository(_Versioned):
    def __init__(self) -> None:
        super().__init__()
        self.applications: set[tuple[str, str]] = set()

    def add(self, template):
        self._put(template)

    def get(self, org_id, template_id):
        return self._get(org_id, template_id)

    def save(self, template):
        if template.id in self.rows:  # the usage count belongs to the usage consumer, as in SQL
            template.usage_count = self.rows[template.id].usage_count
        self._save(template, "template")

    def delete(self, org_id, template_id):
        stored = self._get(org_id, template_id)
        if stored is None or stored.usage_count:
            return False
        del self.rows[template_id]
        return True

    def name_taken(self, org_id, name, except_id=None):
        return any(t.org_id == org_id and t.name.casefold() == name.casefold() and t.id != except_id
                   for t in self.rows.values())

    def search(self, org_id, query, limit, after):
        def matches(t):
            text = query.text.casefold()
            return (t.org_id == org_id and (query.status == "all" or t.status == query.status)
                    and (not text or any(text in v.casefold() for v in (t.name, t.description, t.segment)))
                    and query.segment.casefold() in t.segment.casefold()
                    and all(tag.casefold() in t.tags for tag in query.tags)
                    and (query.published is None or (t.latest_revision > 0) == query.published))

        key = query.sort.lstrip("-")

        def position(t):
            return (t.name.casefold() if key == "name" else getattr(t, key).isoformat(), t.id)

        descending = query.sort.startswith("-")
        rows = sorted((t for t in self.rows.values() if matches(t)), key=position, reverse=descending)
        if after:
            rows = [t for t in rows if (position(t) < tuple(after) if descending else position(t) > tuple(after))]
        return [copy.deepcopy(t) for t in rows[:limit]]

    def record_application(self, org_id, template_id, account_id, revision_id, applied_at):
        if (template_id, account_id) in self.applications:
            return False
        self.applications.add((template_id, account_id))
        self.rows[template_id].usage_count += 1
        return True


class FakeRevisionRepository:
    def __init__(self) -> None:
        self.rows = []

    def add(self, revision):
        if any(r.template_id == revision.template_id and r.number == revision.number for r in self.rows):
            raise AssertionError("duplicate revision number")
        self.rows.append(copy.deepcopy(revision))

    def get(self, org_id, template_id, number):
        return next((copy.deepcopy(r) for r in self.rows if (r.org_id, r.template_id, r.number)
                     == (org_id, template_id, number)), None)

    def list(self, org_id, template_id, limit, after):
        rows = sorted((r for r in self.rows if (r.org_id, r.template_id) == (org_id, template_id)
                       and (after is None or r.number < after)), key=lambda r: -r.number)
        return rows[:limit]

    def delete_all(self, org_id, template_id):
        self.rows = [r for r in self.rows if (r.org_id, r.template_id) != (org_id, template_id)]


class FakeHandoffFormRepository(_Versioned):
    def __init__(self) -> None:
        super().__init__()
        self.versions = []

    def add(self, form):
        self._put(form)

    def get(self, org_id, form_id):
        return self._get(org_id, form_id)

    def save(self, form):
        self._save(form, "handoff form")

    def name_taken(self, org_id, name, except_id=None):
        return any(f.org_id == org_id and f.name.casefold() == name.casefold() and f.id != except_id
                   for f in self.rows.values())

    def list(self, org_id, status, limit, after):
        rows = sorted((f for f in self.rows.values() if f.org_id == org_id
                       and (status == "all" or f.status == status)), key=lambda f: (f.name.casefold(), f.id))
        if after:
            rows = [f for f in rows if (f.name.casefold(), f.id) > tuple(after)]
        return [copy.deepcopy(f) for f in rows[:limit]]

    def add_version(self, version):
        self.versions.append(copy.deepcopy(version))

    def get_version(self, org_id, form_id, number):
        return next((v for v in self.versions if (v.org_id, v.form_id, v.number) == (org_id, form_id, number)), None)

    def list_versions(self, org_id, form_id, limit, after):
        rows = sorted((v for v in self.versions if (v.org_id, v.form_id) == (org_id, form_id)
                       and (after is None or v.number < after)), key=lambda v: -v.number)
        return rows[:limit]


class FakeTemplatesUnitOfWork(FakeUnitOfWork):
    """One in-memory store; like a real transaction, a use case that fails part-way leaves nothing."""

    def __init__(self):
        super().__init__("templates")
        self.templates = FakeTemplateRepository()
        self.revisions = FakeRevisionRepository()
        self.handoff_forms = FakeHandoffFormRepository()
        self._snapshot = None

    def __enter__(self):
        self._snapshot = copy.deepcopy((self.templates.rows, self.templates.applications, self.revisions.rows,
                                        self.handoff_forms.rows, self.handoff_forms.versions))
        return super().__enter__()

    def __exit__(self, *exc):
        if not self.committed and self._snapshot is not None:
            (self.templates.rows, self.templates.applications, self.revisions.rows,
             self.handoff_forms.rows, self.handoff_forms.versions) = self._snapshot
        self._snapshot = None
        super().__exit__(*exc)


@pytest.fixture
def uow():
    return FakeTemplatesUnitOfWork()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def runtime(uow, clock, test_keys):
    return bootstrap(uow=lambda: uow, clock=clock, verifier=test_keys.verifier())


@pytest.fixture
def client(runtime):
    return create_app(runtime).test_client()
