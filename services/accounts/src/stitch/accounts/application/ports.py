"""What the accounts use cases need from the outside world (the adapters implement these)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, Self

from stitch.accounts.application.catalog import CatalogEntry
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.happenings import Happened
from stitch.accounts.domain.plan import RevisionSnapshot

if TYPE_CHECKING:  # their modules use this one: import for the annotations only
    from stitch.accounts.application.listing import AccountListing
    from stitch.accounts.application.notes import NoteRepository
    from stitch.accounts.application.pools import PoolRepository
    from stitch.accounts.application.workqueue import WorkQueries


class TemplateCatalog(Protocol):
    def upsert(self, entry: CatalogEntry) -> None: ...
    def list(self, org_id: str, limit: int, after: tuple[str, str] | None) -> list[CatalogEntry]: ...


class DealTaken(Exception):
    """Another account was created for the same CRM deal at the same moment (the unique index decided)."""

    def __init__(self, crm_source: str, external_id: str | None) -> None:
        super().__init__(f"another account was just created for {crm_source} deal {external_id}")


class AccountRepository(Protocol):
    def add(self, account: Account) -> None:
        """Raises :class:`DealTaken` when a concurrent create won the account for the same deal."""
    def get(self, org_id: str, account_id: str, *, for_update: bool = False) -> Account:
        """The whole aggregate; NotFound when absent. ``for_update`` locks it until commit, so
        commands on one account run one after another (scheduler workers included)."""
    def lock(self, org_id: str, account_ids: list[str]) -> None:
        """Lock several accounts until commit, in one order (before changing them one by one)."""
    def find_by_deal(self, org_id: str, crm_source: str, external_id: str) -> Account | None:
        """The account first created for a CRM deal (not a deliberate duplicate)."""
    def save(self, account: Account) -> None:
        """Write the aggregate, its history (``account.changes``) and its due jobs; bump the version."""
    def history(self, org_id: str, account_id: str, *, action_id: str | None = None, limit: int = 200,
                after: int | None = None) -> list[Happened]:
        """Oldest first, in the order things happened; ``after`` is the previous page's last number."""


@dataclasses.dataclass(frozen=True)
class StoredRevision:
    snapshot: RevisionSnapshot
    published_at: datetime


class RevisionStore(Protocol):
    """The local copy of published revisions (``templates.template_published.v1``)."""
    def add(self, org_id: str, revision: RevisionSnapshot, published_at: datetime) -> None: ...
    def get(self, org_id: str, revision_id: str) -> RevisionSnapshot | None: ...
    def latest(self, org_id: str, template_id: str) -> RevisionSnapshot | None: ...
    def set_template_state(self, org_id: str, template_id: str, state: str) -> None:
        """"active", "archived" or "deleted" (deleted drops its revisions)."""
    def template_state(self, org_id: str, template_id: str) -> str | None: ...


@dataclasses.dataclass(frozen=True)
class StaffUser:
    user_id: str
    name: str
    email: str
    role: str
    active: bool


class StaffDirectory(Protocol):
    """Staff users, from the gateway's ``identity.user_*`` events."""
    def upsert(self, org_id: str, user: StaffUser, updated_at: datetime) -> None: ...
    def get(self, org_id: str, user_id: str) -> StaffUser | None: ...
    def by_email(self, org_id: str, email: str) -> StaffUser | None: ...


@dataclasses.dataclass(frozen=True)
class Organization:
    org_id: str
    name: str
    slug: str


class Organizations(Protocol):
    def upsert(self, organization: Organization) -> None: ...
    def get(self, org_id: str) -> Organization | None: ...


class Connections(Protocol):
    """Which providers the org has connected, from ``connectors.connection_changed.v1``."""
    def upsert(self, org_id: str, provider: str, status: str, changed_at: datetime) -> None: ...
    def statuses(self, org_id: str) -> dict[str, str]: ...


@dataclasses.dataclass(frozen=True)
class EngineSettings:
    """The org's rules for the onboarding engine (owned by accounts, DESIGN §1)."""

    review_portal_tasks: bool = False
    auto_send: frozenset[str] = frozenset()
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None


class SettingsStore(Protocol):
    def get(self, org_id: str) -> EngineSettings: ...
    def save(self, org_id: str, settings: EngineSettings) -> bool:
        """False when another change saved first (settings.version is the one read)."""


@dataclasses.dataclass(frozen=True)
class DueJob:
    id: str
    org_id: str
    account_id: str
    action_id: str
    kind: str  # "fire": a scheduled action's time came; "draft": a draft was asked for
    request_id: str | None
    due_at: datetime
    attempts: int


class DueJobs(Protocol):
    """The due-jobs index (DESIGN §4): scanned across orgs, each job then run with its org set."""
    def claim(self, now: datetime, limit: int, lease_until: datetime) -> list[DueJob]:
        """Lease up to ``limit`` due jobs that nobody holds; concurrent claimers get disjoint jobs."""
    def retry_later(self, job: DueJob, attempts: int, due_at: datetime, error: str) -> None:
        """Back off; a no-op if the job changed since it was claimed (rescheduled meanwhile)."""
    def done(self, job: DueJob) -> None:
        """Drop a job that had nothing to do, unless it changed since it was claimed."""
    def count_due(self, now: datetime) -> int: ...


@dataclasses.dataclass(frozen=True)
class DraftRequest:
    action_type: str
    label: str
    purpose: str  # the action's description: what it is for
    content: dict[str, Any]  # the template's content for the action
    values: dict[str, str]  # merge-field values for this account and recipient
    instructions: str  # what the CSM asked for when asking for a new draft
    context: dict[str, Any]  # account, milestone and handoff facts a writer may use


@dataclasses.dataclass(frozen=True)
class DraftResult:
    fields: dict[str, Any]
    warnings: tuple[str, ...]
    written_by: str  # "offline" or the AI provider's name


class Drafter(Protocol):
    def draft(self, request: DraftRequest) -> DraftResult:
        """Raises :class:`DraftUnavailable` when the writer cannot answer now (retried later)."""


class DraftUnavailable(Exception):
    """The AI provider failed or timed out; the job is retried with backoff."""


class HandledRequests(Protocol):
    """Commands from the workflows service already acted on, by request_id (each is answered once)."""
    def seen(self, org_id: str, request_id: str) -> bool: ...
    def record(self, org_id: str, request_id: str, command: str, outcome: str, account_id: str | None,
               at: datetime) -> None: ...


class UnitOfWork(Protocol):
    template_catalog: TemplateCatalog
    accounts: AccountRepository
    revisions: RevisionStore
    staff: StaffDirectory
    organizations: Organizations
    connections: Connections
    settings: SettingsStore
    due_jobs: DueJobs
    requests: HandledRequests
    # the CSM workspace (issue 7): read-side queries and small stores beside the aggregate
    listing: AccountListing
    pools: PoolRepository
    notes: NoteRepository
    work: WorkQueries

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: Any) -> None: ...
    def set_org(self, org_id: str | None) -> None: ...
    def publish(self, event_type: str, data: dict[str, Any]) -> Any: ...
    def commit(self) -> None: ...
