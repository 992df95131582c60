"""Reading and changing staff users of one organization (admins manage, everyone reads)."""

from __future__ import annotations

from stitch.gateway.application import events
from stitch.gateway.application.ports import Clock, UnitOfWork
from stitch.gateway.domain.identity import User, ensure_an_admin_remains


def list_users(org_id: str, limit: int, after: str | None, uow: UnitOfWork) -> list[User]:
    with uow:
        return uow.users.of_org(org_id, limit, after)


def get_user(org_id: str, user_id: str, uow: UnitOfWork) -> User | None:
    with uow:
        return uow.users.get(org_id, user_id)


def update_user(org_id: str, user_id: str, uow: UnitOfWork, clock: Clock, *,
                name: str | None = None, role: str | None = None) -> User | None:
    with uow:
        uow.set_org(org_id)
        user = uow.users.get(org_id, user_id)
        if user is None:
            return None
        if user.change(clock(), name=name, role=role):
            ensure_an_admin_remains(uow.users.of_org(org_id), user)
            uow.users.save(user)
            uow.publish(events.USER_UPDATED, events.user_data(user))
            uow.commit()
    return user


def deactivate_user(org_id: str, user_id: str, uow: UnitOfWork, clock: Clock) -> User | None:
    """Deactivate and sign out everywhere: every refresh token of the user is revoked at once;
    access tokens already issued lapse within their 15 minutes."""
    with uow:
        uow.set_org(org_id)
        user = uow.users.get(org_id, user_id)
        if user is None:
            return None
        now = clock()
        if user.deactivate(now):
            ensure_an_admin_remains(uow.users.of_org(org_id), user)
            uow.users.save(user)
            uow.refresh_tokens.revoke_subject(user.id, now)
            uow.publish(events.USER_DEACTIVATED, {**events.user_data(user), "deactivated_at": now.isoformat()})
            uow.commit()
    return user
