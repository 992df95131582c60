"""(issue 7, being written)"""

from __future__ import annotations

from sqlalchemy.orm import Session


class SqlAccountListing:
    def __init__(self, session: Session) -> None:
        self._session = session
