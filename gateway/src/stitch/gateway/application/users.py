"""Reading and changing staff users of one organization (admins manage, everyone reads)."""

from __future__ import annotations

from stitch.gateway.application import events, mails
from stitch.gateway.application.organizations import checked_password
from stitch.gateway.application.ports import Clock, Mailer, PasswordHasher, UnitOfWork
from stitch.gateway.domain.identity import InvalidIdentity, User, ensure_an_admin_remains
from stitch.gateway.domain.profile import change_profile


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


def update_profile(org_id: str, user_id: str, uow: UnitOfWork, clock: Clock, *, name: str | None = None,
                   title: str | None = None, avatar_url: str | None = "", timezone: str | None = "",
                   notification_preferences: dict | None = None) -> User | None:
    """The signed-in user's own profile. Only name, title and avatar reach the services."""
    with uow:
        uow.set_org(org_id)
        user = uow.users.get(org_id, user_id)
        if user is None:
            return None
        now = clock()
        shown_before = (user.name, user.title, user.avatar_url)  # what the services' read models hold
        changed = user.change(now, name=name)
        changed = change_profile(user, title=title, avatar_url=avatar_url, timezone=timezone,
                                 notifications=notification_preferences) or changed
        if changed:
            user.updated_at = now
            uow.users.save(user)
            if (user.name, user.title, user.avatar_url) != shown_before:
                uow.publish(events.USER_UPDATED, events.user_data(user))
            uow.commit()
    return user


def change_password(org_id: str, user_id: str, current: str, new: str, uow: UnitOfWork,
                    hasher: PasswordHasher, mailer: Mailer, links: mails.LinkPolicy, clock: Clock) -> bool | None:
    """Knowing the current password is required even when signed in: a borrowed laptop must
    not be enough to take the account. Every session ends; the caller signs in again."""
    try:
        password_hash = hasher.hash(checked_password(new))
    except InvalidIdentity as exc:  # named as the request names it
        raise InvalidIdentity("new_password", exc.rule) from None
    with uow:
        user = uow.users.get(org_id, user_id)
        if user is None:
            return None  # the caller is not a user (an API key)
        if user.password_hash is None or not hasher.verify(user.password_hash, current):
            return False
        now = clock()
        uow.set_org(org_id)
        user.password_hash, user.updated_at = password_hash, now
        uow.users.save(user)
        uow.refresh_tokens.revoke_subject(user.id, now)
        uow.commit()
    mailer.send(mails.password_changed(user.email, links))  # the alarm if a stolen session did it
    return True


def standing(org_id: str, user_id: str, uow: UnitOfWork) -> tuple[str, str] | None:
    """(status, role) of a staff user now, for the gateway to refuse tokens that outlived them."""
    with uow:
        user = uow.users.get(org_id, user_id)
    return (user.status, user.role) if user else None
