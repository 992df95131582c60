"""Internal notes on an account: what the team writes down for each other (seed: collaborators
"add notes"). A note is never shown to the customer nor sent in any event; the account's history
records that a note was added, edited or deleted, by whom and when, but never its text.

The account decides whether notes may change at all (an archived account is read-only) and
records the history; the note decides who may change it: its author, or someone who oversees
every account of the organization.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING

from stitch.accounts.domain.errors import InvalidInput, NotAllowed

if TYPE_CHECKING:
    from stitch.accounts.domain.account import Account

BODY_MAX = 20_000
KEPT_CONTROLS = frozenset("\n\t")  # line breaks and tabs are how people lay out a note


@dataclasses.dataclass
class Note:
    id: str
    org_id: str
    account_id: str
    body: str
    author_id: str | None  # None when the service itself wrote it
    created_at: datetime
    updated_at: datetime | None = None
    updated_by: str | None = None

    def may_change(self, user_id: str, *, sees_all: bool) -> bool:
        return sees_all or (self.author_id is not None and user_id == self.author_id)

    def require_author(self, user_id: str, *, sees_all: bool) -> None:
        if not self.may_change(user_id, sees_all=sees_all):
            raise NotAllowed("note.not_author", "only the note's author and admins may change or delete a note")


def clean_body(body: object) -> str:
    """The note as kept: line endings made ``\\n``, surrounding blanks stripped, 1 to 20,000
    characters, no control character but line breaks and tabs (they corrupt what a screen shows)."""
    if not isinstance(body, str):
        raise InvalidInput(("body", "must be a string"))
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise InvalidInput(("body", "is required: write something"))
    if len(body) > BODY_MAX:
        raise InvalidInput(("body", f"must be at most {BODY_MAX} characters"))
    if any(unicodedata.category(ch) == "Cc" and ch not in KEPT_CONTROLS for ch in body):
        raise InvalidInput(("body", "must not hold control characters (line breaks and tabs are fine)"))
    return body


def add_note(account: Account, note_id: str, body: object, now: datetime, actor: str | None) -> Note:
    account._writable()
    note = Note(id=note_id, org_id=account.org_id, account_id=account.id, body=clean_body(body),
                author_id=actor, created_at=now)
    account.record("note_added", now, actor, detail={"note_id": note.id})
    return note


def edit_note(account: Account, note: Note, body: object, now: datetime, actor: str | None) -> bool:
    """False when the text is unchanged (nothing recorded). Who may edit is checked by the caller
    (:meth:`Note.require_author`): the service itself acts for no person."""
    account._writable()
    body = clean_body(body)
    if body == note.body:
        return False
    note.body, note.updated_at, note.updated_by = body, now, actor
    account.record("note_edited", now, actor, detail={"note_id": note.id})
    return True


def delete_note(account: Account, note: Note, now: datetime, actor: str | None) -> None:
    account._writable()
    account.record("note_deleted", now, actor, detail={"note_id": note.id})
