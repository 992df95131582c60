"""Who owns an account and who may work on it (seed FAQ "Account Management").

One CSM is the primary owner. Collaborators are teammates who may view the account, work its
actions (review, edit, execute, complete, skip, reschedule) and add notes; the owner (or an
admin) changes everything else. An account without an owner belongs to the team: anyone who
works accounts may act on it, and take it. Everyone with read access sees every account of the
organization; these rules decide who may change one (docs/adr/0006-csm-workspace.md).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from stitch.accounts.domain.errors import InvalidInput, NotAllowed, NotFound, RuleBroken

if TYPE_CHECKING:
    from stitch.accounts.domain.happenings import Happened

MAX_COLLABORATORS = 25
NOTE_LIMIT = 2000  # a transfer note


class Access(IntEnum):
    """What a person may do on one account; each level includes the ones below it."""

    NONE = 0  # read only (any staff member of the organization)
    COLLABORATE = 1  # work actions, add notes
    OWN = 2  # everything: details, contacts, plan, milestones, ownership, archive


@dataclasses.dataclass(frozen=True)
class Collaborator:
    user_id: str
    added_at: datetime
    added_by: str | None = None


class OwnershipRules:
    """Mixed into the account aggregate."""

    primary_csm_id: str | None
    collaborators: list[Collaborator]

    def access_for(self, user_id: str, *, sees_all: bool) -> Access:
        """``sees_all``: the caller oversees every account of the organization (an admin)."""
        if sees_all or self.primary_csm_id is None or user_id == self.primary_csm_id:
            return Access.OWN
        if any(c.user_id == user_id for c in self.collaborators):
            return Access.COLLABORATE
        return Access.NONE

    def require_access(self, needs: Access, user_id: str, *, sees_all: bool) -> None:
        if self.access_for(user_id, sees_all=sees_all) >= needs:
            return
        if needs is Access.COLLABORATE:
            raise NotAllowed("account.not_collaborator",
                             "only the account's owner, its collaborators and admins may do this; "
                             "ask the owner to add you as a collaborator")
        raise NotAllowed("account.not_owner",
                         "only the account's owner (its primary CSM) and admins may do this"
                         + ("; collaborators work actions and add notes" if self.is_collaborator(user_id) else ""))

    def is_collaborator(self, user_id: str) -> bool:
        return any(c.user_id == user_id for c in self.collaborators)

    def assign_csm(self, csm_id: str, now: datetime, actor: str | None, *, note: str = "",
                   pool_id: str | None = None, keep_previous: bool = False) -> bool:
        """Make ``csm_id`` the owner (a transfer when there was one). The new owner stops being a
        collaborator; ``keep_previous`` keeps the previous owner on the account as one."""
        self._writable()
        if csm_id == self.primary_csm_id:
            return False
        if len(note) > NOTE_LIMIT:
            raise InvalidInput(("note", f"must be at most {NOTE_LIMIT} characters"))
        previous, self.primary_csm_id = self.primary_csm_id, csm_id
        detail = {"csm_id": csm_id, "previous_csm_id": previous}
        if note.strip():
            detail["note"] = note.strip()
        if pool_id:
            detail["pool_id"] = pool_id
        self.record("csm_assigned", now, actor, detail=detail)
        if self.is_collaborator(csm_id):
            self._drop_collaborator(csm_id, now, actor, reason="became_owner")
        if keep_previous and previous and not self.is_collaborator(previous):
            self._add_collaborator(previous, now, actor)
        return True

    def add_collaborator(self, user_id: str, now: datetime, actor: str | None) -> bool:
        """False when ``user_id`` already collaborates (nothing changes)."""
        self._writable()
        if user_id == self.primary_csm_id:
            raise RuleBroken("collaborator.is_owner", "this person owns the account already")
        if self.is_collaborator(user_id):
            return False
        if len(self.collaborators) >= MAX_COLLABORATORS:
            raise RuleBroken("collaborator.too_many", f"an account has at most {MAX_COLLABORATORS} collaborators",
                             limit=MAX_COLLABORATORS)
        self._add_collaborator(user_id, now, actor)
        return True

    def remove_collaborator(self, user_id: str, now: datetime, actor: str | None) -> None:
        self._writable()
        if not self.is_collaborator(user_id):
            raise NotFound(f"{user_id} is not a collaborator on this account")
        self._drop_collaborator(user_id, now, actor, reason="removed")

    def _add_collaborator(self, user_id: str, now: datetime, actor: str | None) -> None:
        self.collaborators.append(Collaborator(user_id=user_id, added_at=now, added_by=actor))
        self.record("collaborator_added", now, actor, detail={"user_id": user_id})

    def _drop_collaborator(self, user_id: str, now: datetime, actor: str | None, *, reason: str) -> None:
        self.collaborators = [c for c in self.collaborators if c.user_id != user_id]
        self.record("collaborator_removed", now, actor, detail={"user_id": user_id, "reason": reason})

    if TYPE_CHECKING:  # provided by the aggregate
        def _writable(self) -> None: ...
        def record(self, kind: str, at: datetime, actor: str | None, **kwargs: Any) -> Happened: ...
