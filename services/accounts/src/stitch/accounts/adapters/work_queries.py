"""The review queue and the scheduled actions in SQL: actions joined to their account and milestone.

One query per page, keyset-paginated on (time, action id), so a page costs the same wherever it
is and stays stable while actions leave the list. Archived accounts are read-only, so their
actions are in neither list. Every table is filtered by org as well as RLS does (SQLite has none).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from stitch.accounts.adapters.tables import account_actions, account_collaborators, account_milestones, accounts
from stitch.accounts.application.workqueue import QueueScope, ReviewItem, ScheduledItem, preview_of
from stitch.accounts.domain.states import ActionState

actions, milestones = account_actions, account_milestones
WITH_ACCOUNT = actions.join(accounts, and_(accounts.c.id == actions.c.account_id,
                                           accounts.c.org_id == actions.c.org_id))
WITH_MILESTONE = WITH_ACCOUNT.join(milestones, and_(milestones.c.id == actions.c.milestone_id,
                                                    milestones.c.org_id == actions.c.org_id))
# What both lists show of the account, the milestone and the action.
SHOWN = (actions.c.account_id, accounts.c.company_name, accounts.c.version.label("account_version"),
         accounts.c.primary_csm_id, actions.c.milestone_id, milestones.c.name.label("milestone_name"),
         actions.c.id.label("action_id"), actions.c.label, actions.c.type)


class SqlWorkQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def review_queue(self, scope: QueueScope, limit: int, after: tuple[datetime, str] | None) -> list[ReviewItem]:
        query = (select(*SHOWN, milestones.c.state.label("milestone_state"),
                        milestones.c.target_date.label("milestone_target_date"), actions.c.ready_since,
                        actions.c.draft, actions.c.last_error)
                 .select_from(WITH_MILESTONE).where(*_ready(scope)))
        rows = self._session.execute(_page(query, actions.c.ready_since, after, limit))
        return [ReviewItem(**_shown(row), milestone_state=row.milestone_state,
                           milestone_target_date=row.milestone_target_date, ready_since=row.ready_since,
                           draft=preview_of(row.draft), last_error=row.last_error) for row in rows]

    def count_review_queue(self, scope: QueueScope) -> int:
        return self._session.execute(select(func.count()).select_from(WITH_ACCOUNT).where(*_ready(scope))).scalar()

    def scheduled(self, org_id: str, *, due_after: datetime | None, due_before: datetime | None,
                  account_id: str | None, limit: int, after: tuple[datetime, str] | None) -> list[ScheduledItem]:
        query = (select(*SHOWN, actions.c.due_at, actions.c.delay_hours).select_from(WITH_MILESTONE)
                 .where(*_open_actions(org_id, ActionState.PENDING), actions.c.due_at.is_not(None)))
        if due_after is not None:
            query = query.where(actions.c.due_at >= due_after)
        if due_before is not None:
            query = query.where(actions.c.due_at < due_before)
        if account_id is not None:
            query = query.where(actions.c.account_id == account_id)
        rows = self._session.execute(_page(query, actions.c.due_at, after, limit))
        return [ScheduledItem(**_shown(row), due_at=row.due_at, delay_hours=row.delay_hours) for row in rows]

    def account_of_action(self, org_id: str, action_id: str) -> str | None:
        return self._session.execute(select(actions.c.account_id).where(
            actions.c.org_id == org_id, actions.c.id == action_id)).scalar()


def _open_actions(org_id: str, state: ActionState) -> list[ColumnElement[bool]]:
    """Actions in ``state`` on the org's accounts that are not archived."""
    return [actions.c.org_id == org_id, accounts.c.org_id == org_id, actions.c.state == state.value,
            accounts.c.archived == false()]


def _ready(scope: QueueScope) -> list[ColumnElement[bool]]:
    conditions = _open_actions(scope.org_id, ActionState.READY)
    if scope.user_id is not None:
        collaborating = exists().where(account_collaborators.c.org_id == scope.org_id,
                                       account_collaborators.c.account_id == accounts.c.id,
                                       account_collaborators.c.user_id == scope.user_id)
        conditions.append(or_(accounts.c.primary_csm_id == scope.user_id, collaborating))
    if scope.action_type is not None:
        conditions.append(actions.c.type == scope.action_type)
    if scope.account_id is not None:
        conditions.append(actions.c.account_id == scope.account_id)
    return conditions


def _page(query: Select, time: Any, after: tuple[datetime, str] | None, limit: int) -> Select:
    """Ordered by (time, action id), after the previous page's last pair; ``limit`` rows."""
    if after is not None:
        at, action_id = after
        query = query.where(or_(time > at, and_(time == at, actions.c.id > action_id)))
    return query.order_by(time, actions.c.id).limit(limit)


def _shown(row: Any) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in SHOWN}
