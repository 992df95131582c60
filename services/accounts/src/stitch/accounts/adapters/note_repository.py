"""Internal notes in SQL: one row per note, filtered by org as well as RLS does (SQLite has none)."""

from __future__ import annotations

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from stitch.accounts.adapters.tables import account_notes
from stitch.accounts.application.notes import NotePosition
from stitch.accounts.domain.errors import NotFound
from stitch.accounts.domain.notes import Note

COLUMNS = ("id", "org_id", "account_id", "body", "author_id", "created_at", "updated_at", "updated_by")


class SqlNoteRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, note: Note) -> None:
        self._session.execute(insert(account_notes).values(**_row(note)))

    def get(self, org_id: str, account_id: str, note_id: str) -> Note:
        row = self._session.execute(select(account_notes).where(
            account_notes.c.org_id == org_id, account_notes.c.account_id == account_id,
            account_notes.c.id == note_id)).first()
        if row is None:
            raise NotFound(f"no note {note_id} on this account")
        return _note(row)

    def save(self, note: Note) -> None:
        self._session.execute(update(account_notes).where(*_this(note)).values(
            body=note.body, updated_at=note.updated_at, updated_by=note.updated_by))

    def remove(self, note: Note) -> None:
        self._session.execute(delete(account_notes).where(*_this(note)))

    def newest_first(self, org_id: str, account_id: str, limit: int, after: NotePosition | None) -> list[Note]:
        table = account_notes
        query = select(table).where(table.c.org_id == org_id, table.c.account_id == account_id)
        if after is not None:
            created_at, note_id = after
            query = query.where(or_(table.c.created_at < created_at,
                                    and_(table.c.created_at == created_at, table.c.id < note_id)))
        rows = self._session.execute(query.order_by(table.c.created_at.desc(), table.c.id.desc()).limit(limit))
        return [_note(row) for row in rows]


def _row(note: Note) -> dict:
    return {column: getattr(note, column) for column in COLUMNS}


def _note(row) -> Note:
    return Note(**{column: getattr(row, column) for column in COLUMNS})


def _this(note: Note) -> tuple:
    return (account_notes.c.org_id == note.org_id, account_notes.c.account_id == note.account_id,
            account_notes.c.id == note.id)
