from __future__ import annotations

from typing import Self

from stitch.accounts.adapters.account_listing import SqlAccountListing
from stitch.accounts.adapters.account_repository import SqlAccountRepository
from stitch.accounts.adapters.catalog_repository import SqlTemplateCatalog
from stitch.accounts.adapters.due_jobs import SqlDueJobs
from stitch.accounts.adapters.note_repository import SqlNoteRepository
from stitch.accounts.adapters.pool_repository import SqlPoolRepository
from stitch.accounts.adapters.read_models import (
    SqlConnections,
    SqlHandledRequests,
    SqlOrganizations,
    SqlSettingsStore,
    SqlStaffDirectory,
)
from stitch.accounts.adapters.revision_store import SqlRevisionStore
from stitch.accounts.adapters.work_queries import SqlWorkQueries
from stitch.common.db.uow import SqlUnitOfWork


class AccountsUnitOfWork(SqlUnitOfWork):
    def __enter__(self) -> Self:
        super().__enter__()
        session = self.session
        self.template_catalog = SqlTemplateCatalog(session)
        self.accounts = SqlAccountRepository(session)
        self.revisions = SqlRevisionStore(session)
        self.staff = SqlStaffDirectory(session)
        self.organizations = SqlOrganizations(session)
        self.connections = SqlConnections(session)
        self.settings = SqlSettingsStore(session)
        self.due_jobs = SqlDueJobs(session)
        self.requests = SqlHandledRequests(session)
        self.listing = SqlAccountListing(session)  # account lists and counts
        self.pools = SqlPoolRepository(session)  # CSM pools
        self.notes = SqlNoteRepository(session)  # internal notes on accounts
        self.work = SqlWorkQueries(session)  # review queue and scheduled actions across accounts
        return self
