"""The account aggregate in SQL: one row per account, contact, milestone, action and happening.

The repository remembers the rows of every aggregate it loaded (or added), so :meth:`save`
writes only what changed: new children are inserted, changed ones updated column by column,
removed ones deleted. The account row carries the version: a save updates it only at the
version that was loaded, so a save that lost a race (a forgotten lock) is refused, not merged.
Every query filters by org as well as RLS does (SQLite has no RLS).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stitch.accounts.adapters.due_jobs import sync_due_jobs
from stitch.accounts.adapters.tables import (
    account_actions,
    account_collaborators,
    account_contacts,
    account_history,
    account_milestones,
    accounts,
)
from stitch.accounts.application.ports import DealTaken
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.contacts import Contact
from stitch.accounts.domain.errors import NotFound
from stitch.accounts.domain.happenings import Happened
from stitch.accounts.domain.ownership import Collaborator
from stitch.accounts.domain.plan import Action, Draft, Milestone, Trigger
from stitch.accounts.domain.states import AccountStatus, ActionState, ActionType, MilestoneState
from stitch.common.concurrency import StaleVersion
from stitch.common.db.dialects import locked

Row = dict[str, Any]


@dataclasses.dataclass
class Rows:
    """An aggregate as rows: the account's columns (without the version) and its children by id."""

    account: Row
    contacts: dict[str, Row]
    milestones: dict[str, Row]
    actions: dict[str, Row]
    collaborators: dict[str, Row]  # by user id


class SqlAccountRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._loaded: dict[str, Rows] = {}  # aggregate id → its rows as last read or written

    def add(self, account: Account) -> None:
        rows = rows_of(account)
        try:
            with self._session.begin_nested():  # a savepoint: the loser of a race can still read the winner
                self._session.execute(insert(accounts).values(**rows.account, version=1))
        except IntegrityError as clash:
            if account.crm_source and not account.duplicate_of:
                raise DealTaken(account.crm_source, account.external_id) from clash
            raise
        for table, children in ((account_contacts, rows.contacts), (account_milestones, rows.milestones),
                                (account_actions, rows.actions), (account_collaborators, rows.collaborators)):
            if children:
                self._session.execute(insert(table), list(children.values()))
        self._write_history_and_jobs(account)
        account.version = 1
        self._loaded[account.id] = rows

    def get(self, org_id: str, account_id: str, *, for_update: bool = False) -> Account:
        query = select(accounts).where(accounts.c.org_id == org_id, accounts.c.id == account_id)
        row = self._session.execute(locked(self._session, query) if for_update else query).first()
        if row is None:
            raise NotFound(f"no account {account_id} in this organization")
        contacts = self._children(account_contacts, org_id, account_id, account_contacts.c.position)
        milestones = self._children(account_milestones, org_id, account_id, account_milestones.c.sequence)
        actions = self._children(account_actions, org_id, account_id, account_actions.c.position)
        collaborators = self._children(account_collaborators, org_id, account_id, account_collaborators.c.added_at,
                                       account_collaborators.c.user_id)
        account = account_from(row._asdict(), contacts, milestones, actions, collaborators)
        self._loaded[account.id] = rows_of(account)
        return account

    def lock(self, org_id: str, account_ids: list[str]) -> None:
        """Lock these accounts until commit, in id order, so a change of many accounts never waits
        for another one in a cycle (SQLite: BEGIN IMMEDIATE already holds the only write lock)."""
        if account_ids:
            self._session.execute(locked(self._session, select(accounts.c.id).where(
                accounts.c.org_id == org_id, accounts.c.id.in_(account_ids)).order_by(accounts.c.id)))

    def find_by_deal(self, org_id: str, crm_source: str, external_id: str) -> Account | None:
        found = self._session.execute(select(accounts.c.id).where(
            accounts.c.org_id == org_id, accounts.c.crm_source == crm_source, accounts.c.external_id == external_id,
            accounts.c.duplicate_of.is_(None))).scalar()
        return self.get(org_id, found) if found else None

    def save(self, account: Account) -> None:
        before = self._loaded.get(account.id)
        if before is None:  # not loaded here: compare with what is stored
            before = rows_of(self.get(account.org_id, account.id))
        after = rows_of(account)
        changed = _changed(before.account, after.account)
        done = self._session.execute(
            update(accounts)
            .where(accounts.c.org_id == account.org_id, accounts.c.id == account.id,
                   accounts.c.version == account.version)
            .values(**changed, version=account.version + 1))
        if done.rowcount != 1:
            current = self._session.execute(select(accounts.c.version).where(
                accounts.c.org_id == account.org_id, accounts.c.id == account.id)).scalar()
            if current is None:
                raise NotFound(f"no account {account.id} in this organization")
            raise StaleVersion(current)
        for table, old, new in ((account_contacts, before.contacts, after.contacts),
                                (account_milestones, before.milestones, after.milestones),
                                (account_actions, before.actions, after.actions)):
            self._write_children(table, account.org_id, old, new)
        self._write_collaborators(account, before.collaborators, after.collaborators)
        self._write_history_and_jobs(account)
        account.version += 1
        self._loaded[account.id] = after

    def history(self, org_id: str, account_id: str, *, action_id: str | None = None, limit: int = 200,
                after: int | None = None) -> list[Happened]:
        """Oldest first, in the order things happened; ``after`` is the previous page's last number."""
        table = account_history
        query = select(table).where(table.c.org_id == org_id, table.c.account_id == account_id)
        if action_id is not None:
            query = query.where(table.c.action_id == action_id)
        if after is not None:
            query = query.where(table.c.number > after)
        rows = self._session.execute(query.order_by(table.c.number).limit(limit))
        return [Happened(row.kind, row.at, row.actor, row.milestone_id, row.action_id, row.detail or {}, id=row.id,
                         number=row.number) for row in rows]

    # -- writing -----------------------------------------------------------------------------------

    def _write_history_and_jobs(self, account: Account) -> None:
        """History rows for what happened, then the due jobs that follow from the new state."""
        changes, account.changes = list(account.changes), []
        if changes:
            # The account row is locked (or just inserted), so no other writer numbers this account now.
            last = self._session.execute(select(func.max(account_history.c.number)).where(
                account_history.c.account_id == account.id)).scalar() or 0
            self._session.execute(insert(account_history), [
                {"id": happened.id, "org_id": account.org_id, "account_id": account.id, "kind": happened.kind,
                 "at": happened.at, "actor": happened.actor, "milestone_id": happened.milestone_id,
                 "action_id": happened.action_id, "detail": happened.detail, "number": last + offset}
                for offset, happened in enumerate(changes, start=1)])
        sync_due_jobs(self._session, account, _draft_requests(changes))

    def _write_children(self, table: Table, org_id: str, before: dict[str, Row], after: dict[str, Row]) -> None:
        gone = [child_id for child_id in before if child_id not in after]
        if gone:
            self._session.execute(delete(table).where(table.c.org_id == org_id, table.c.id.in_(gone)))
        for child_id, row in after.items():
            changed = _changed(before[child_id], row) if child_id in before else None
            if changed:
                self._session.execute(update(table).where(table.c.org_id == org_id, table.c.id == child_id)
                                      .values(**changed))
        new = [row for child_id, row in after.items() if child_id not in before]
        if new:
            self._session.execute(insert(table), new)

    def _write_collaborators(self, account: Account, before: dict[str, Row], after: dict[str, Row]) -> None:
        """Collaborators are keyed by (account, user): added or removed, never changed."""
        table = account_collaborators
        gone = [user_id for user_id in before if user_id not in after]
        if gone:
            self._session.execute(delete(table).where(table.c.org_id == account.org_id,
                                                      table.c.account_id == account.id, table.c.user_id.in_(gone)))
        new = [row for user_id, row in after.items() if user_id not in before]
        if new:
            self._session.execute(insert(table), new)

    def _children(self, table: Table, org_id: str, account_id: str, order: Any, tie: Any = None) -> list[Row]:
        rows = self._session.execute(select(table).where(table.c.org_id == org_id, table.c.account_id == account_id)
                                     .order_by(order, table.c.id if tie is None else tie))
        return [row._asdict() for row in rows]


def _changed(before: Row, after: Row) -> Row:
    return {key: value for key, value in after.items() if before.get(key) != value}


def _draft_requests(changes: Iterable[Happened]) -> dict[str, datetime]:
    """When each draft request in ``changes`` was made: a new draft job is due from then."""
    return {happened.detail["request_id"]: happened.at for happened in changes
            if happened.kind == "draft_requested" and happened.detail.get("request_id")}


# -- the aggregate ↔ rows ---------------------------------------------------------------------------

ACCOUNT_COLUMNS = ("id", "org_id", "company_name", "arr", "close_date", "industry", "company_size", "website",
                   "notes", "crm_notes", "crm_source", "external_id", "ae_email", "duplicate_of", "primary_csm_id", "archived",
                   "archived_reason", "template_id", "revision_id", "revision_number", "applied_at", "created_at",
                   "updated_at")
CONTACT_COLUMNS = ("id", "name", "email", "title", "role", "is_primary", "created_at")
MILESTONE_COLUMNS = ("id", "sequence", "name", "duration_days", "internal_description", "customer_description",
                     "exit_criteria", "template_milestone_id", "planned_start", "target_date", "started_at",
                     "completed_at", "block_note")
ACTION_COLUMNS = ("id", "milestone_id", "position", "label", "description", "csm_visible", "csm_label",
                  "csm_section", "portal_visible", "portal_label", "blocker", "template_action_id", "due_at",
                  "fired_at", "draft_request", "draft_instructions", "delivery_request", "executed_at",
                  "completed_at", "auto_sent", "ready_since")


def rows_of(account: Account) -> Rows:
    """The rows ``account`` is stored as; JSON values are copies, so later changes to the aggregate
    cannot reach a remembered snapshot."""
    owner = {"org_id": account.org_id, "account_id": account.id}
    row = {column: getattr(account, column) for column in ACCOUNT_COLUMNS}
    row |= {"custom_fields": copy.deepcopy(account.custom_fields), "status": account.status.value,
            **list_columns(account)}
    contacts = {contact.id: {**owner, "position": position, **{c: getattr(contact, c) for c in CONTACT_COLUMNS}}
                for position, contact in enumerate(account.contacts, start=1)}
    milestones, actions = {}, {}
    for milestone in account.milestones:
        milestones[milestone.id] = {
            **owner, **{c: getattr(milestone, c) for c in MILESTONE_COLUMNS}, "state": milestone.state.value,
            "blocked_from": milestone.blocked_from.value if milestone.blocked_from else None}
        for action in milestone.actions:
            actions[action.id] = {
                **owner, **{c: getattr(action, c) for c in ACTION_COLUMNS}, "type": action.type.value,
                "trigger_type": action.trigger.type, "delay_hours": action.trigger.delay_hours,
                "content": copy.deepcopy(action.content), "state": action.state.value,
                "draft": _draft_row(action.draft), "last_error": copy.deepcopy(action.last_error)}
    collaborators = {c.user_id: {**owner, "user_id": c.user_id, "added_at": c.added_at, "added_by": c.added_by}
                     for c in account.collaborators}
    return Rows(row, contacts, milestones, actions, collaborators)


def list_columns(account: Account) -> Row:
    """What account lists filter and sort on, derived from the aggregate (kept current on every save)."""
    current = account.current_milestone()
    words = [account.company_name, *(f"{c.name} {c.email}" for c in account.contacts)]
    return {"current_milestone_id": current.id if current else None,
            "current_milestone_name": current.name if current else None,
            "next_action_at": account.next_action_at(), "search_text": " ".join(words).casefold()}


def account_from(row: Row, contacts: list[Row], milestones: list[Row], actions: list[Row],
                 collaborators: list[Row]) -> Account:
    plan = [Milestone(**{c: m[c] for c in MILESTONE_COLUMNS}, state=MilestoneState(m["state"]),
                      blocked_from=MilestoneState(m["blocked_from"]) if m["blocked_from"] else None)
            for m in milestones]
    by_id = {milestone.id: milestone for milestone in plan}
    for a in actions:
        by_id[a["milestone_id"]].actions.append(Action(
            **{c: a[c] for c in ACTION_COLUMNS}, type=ActionType(a["type"]),
            trigger=Trigger(a["trigger_type"], a["delay_hours"]), content=a["content"],
            state=ActionState(a["state"]), draft=_draft(a["draft"]), last_error=a["last_error"]))
    return Account(**{c: row[c] for c in ACCOUNT_COLUMNS}, custom_fields=row["custom_fields"],
                   status=AccountStatus(row["status"]), version=row["version"],
                   contacts=[Contact(**{c: r[c] for c in CONTACT_COLUMNS}) for r in contacts], milestones=plan,
                   collaborators=[Collaborator(r["user_id"], r["added_at"], r["added_by"]) for r in collaborators])


def _draft_row(draft: Draft | None) -> Row | None:
    if draft is None:
        return None
    return {"number": draft.number, "fields": copy.deepcopy(draft.fields), "written_at": draft.written_at.isoformat(),
            "written_by": draft.written_by, "warnings": list(draft.warnings), "edited": draft.edited}


def _draft(row: Row | None) -> Draft | None:
    if row is None:
        return None
    return Draft(number=row["number"], fields=row["fields"], written_at=datetime.fromisoformat(row["written_at"]),
                 written_by=row["written_by"], warnings=tuple(row.get("warnings") or ()),
                 edited=bool(row.get("edited")))
