"""Internal notes on an account, and the reads of one account's workspace.

Adding, editing and deleting a note are commands on the account (``on_account``): the account is
locked, the caller's access checked, the history records the change (the note's id, never its
text) and the note row commits with it. No event is published for notes (application/outgoing.py
has none for these kinds): they are internal, and the portal builds from events.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from stitch.accounts.application.common import Actor, Caller, Deps, Turn, on_account
from stitch.accounts.domain import notes
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.notes import Note
from stitch.accounts.domain.ownership import Access

NotePosition = tuple[datetime, str]  # (created_at, id) of the last note of a page


class NoteRepository(Protocol):
    def add(self, note: Note) -> None: ...
    def get(self, org_id: str, account_id: str, note_id: str) -> Note:
        """NotFound when the account has no such note."""
    def save(self, note: Note) -> None: ...
    def remove(self, note: Note) -> None: ...
    def newest_first(self, org_id: str, account_id: str, limit: int, after: NotePosition | None) -> list[Note]:
        """Newest first; ``after`` is the previous page's last note."""


def list_notes(deps: Deps, org_id: str, account_id: str, limit: int,
               after: NotePosition | None = None) -> tuple[Account, list[Note]]:
    """The account (NotFound for another org's) and a page of its notes, newest first."""
    with deps.uow() as uow:
        uow.set_org(org_id)
        account = uow.accounts.get(org_id, account_id)
        return account, uow.notes.newest_first(org_id, account_id, limit, after)


def add_note(deps: Deps, org_id: str, account_id: str, actor: Actor, body: str) -> tuple[Note, Account]:
    """The owner, a collaborator or an admin adds a note."""
    note_id = deps.new_id()

    def change(account: Account, turn: Turn) -> Note:
        note = notes.add_note(account, note_id, body, turn.now, turn.actor)
        turn.uow.notes.add(note)
        return note

    return on_account(deps, org_id, account_id, actor, change, needs=Access.COLLABORATE)


def edit_note(deps: Deps, org_id: str, account_id: str, actor: Actor, note_id: str,
              body: str) -> tuple[Note, Account]:
    """The note's author or an admin rewrites it."""
    def change(account: Account, turn: Turn) -> Note:
        note = _authored(turn, org_id, account_id, note_id, actor)
        if notes.edit_note(account, note, body, turn.now, turn.actor):
            turn.uow.notes.save(note)
        return note

    return on_account(deps, org_id, account_id, actor, change, needs=Access.NONE)


def delete_note(deps: Deps, org_id: str, account_id: str, actor: Actor, note_id: str) -> Account:
    def change(account: Account, turn: Turn) -> None:
        note = _authored(turn, org_id, account_id, note_id, actor)
        notes.delete_note(account, note, turn.now, turn.actor)
        turn.uow.notes.remove(note)

    return on_account(deps, org_id, account_id, actor, change, needs=Access.NONE)[1]


def _authored(turn: Turn, org_id: str, account_id: str, note_id: str, actor: Actor) -> Note:
    """The note, when the caller may change it: whose it is decides, not their access to the account
    (an author who stopped collaborating still owns their words)."""
    note = turn.uow.notes.get(org_id, account_id, note_id)
    if isinstance(actor, Caller):
        note.require_author(actor.user_id, sees_all=actor.sees_all)
    return note


def use_cases(deps: Deps) -> dict[str, Callable[..., Any]]:
    return {name: functools.partial(function, deps) for name, function in {
        "list_notes": list_notes, "add_note": add_note, "edit_note": edit_note, "delete_note": delete_note,
    }.items()}
