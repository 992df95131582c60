"""The local copy of published template revisions and of each template's state.

Fed by ``templates.template_published.v1`` (add), ``…_archived/_restored/_deleted.v1``
(set_template_state): accounts are created from a revision without calling templates.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stitch.accounts.adapters.tables import template_revisions as revisions
from stitch.accounts.adapters.tables import template_states as states
from stitch.accounts.domain.plan import RevisionSnapshot
from stitch.common.db.dialects import dialect_insert

TEMPLATE_STATES = frozenset({"active", "archived", "deleted"})


class SqlRevisionStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, org_id: str, revision: RevisionSnapshot, published_at: datetime) -> None:
        """Idempotent: a revision is immutable, so a redelivered copy changes nothing."""
        statement = dialect_insert(self._session)(revisions).values(
            org_id=org_id, revision_id=revision.revision_id, template_id=revision.template_id,
            revision=revision.revision, name=revision.name, milestones=list(revision.milestones),
            published_at=published_at)
        self._session.execute(statement.on_conflict_do_nothing(index_elements=["org_id", "revision_id"]))

    def get(self, org_id: str, revision_id: str) -> RevisionSnapshot | None:
        return self._one(select(revisions).where(revisions.c.org_id == org_id, revisions.c.revision_id == revision_id))

    def latest(self, org_id: str, template_id: str) -> RevisionSnapshot | None:
        return self._one(select(revisions).where(revisions.c.org_id == org_id, revisions.c.template_id == template_id)
                         .order_by(revisions.c.revision.desc()).limit(1))

    def set_template_state(self, org_id: str, template_id: str, state: str) -> None:
        if state not in TEMPLATE_STATES:
            raise ValueError(f"unknown template state {state!r}")  # a programming error
        statement = dialect_insert(self._session)(states).values(
            org_id=org_id, template_id=template_id, state=state, updated_at=datetime.now(UTC))
        self._session.execute(statement.on_conflict_do_update(
            index_elements=["org_id", "template_id"],
            set_={"state": statement.excluded.state, "updated_at": statement.excluded.updated_at}))
        if state == "deleted":  # nothing may be created from it any more; accounts keep their copies
            self._session.execute(delete(revisions).where(revisions.c.org_id == org_id,
                                                          revisions.c.template_id == template_id))

    def template_state(self, org_id: str, template_id: str) -> str | None:
        return self._session.execute(select(states.c.state).where(
            states.c.org_id == org_id, states.c.template_id == template_id)).scalar()

    def _one(self, query) -> RevisionSnapshot | None:
        row = self._session.execute(query).first()
        if row is None:
            return None
        return RevisionSnapshot(template_id=row.template_id, revision_id=row.revision_id, revision=row.revision,
                                name=row.name, milestones=tuple(row.milestones))
