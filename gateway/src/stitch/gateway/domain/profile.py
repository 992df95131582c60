"""What a staff user says about themselves: title, avatar, timezone and which notifications reach
them where. The name lives on the user (identity.py) because every service shows it."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit

from stitch.gateway.domain.identity import InvalidIdentity, User

# What can notify a CSM, and the default for each channel. The keys are the contract with the
# services that send notifications; a new kind of notification is a new key here.
NOTIFICATION_DEFAULTS: dict[str, dict[str, bool]] = {
    "draft_ready": {"email": True, "in_app": True},  # an AI draft waits for review
    "customer_replied": {"email": True, "in_app": True},
    "task_assigned": {"email": True, "in_app": True},
    "task_due_soon": {"email": True, "in_app": True},
    "account_at_risk": {"email": True, "in_app": True},
    "weekly_digest": {"email": True, "in_app": False},
}
CHANNELS = ("email", "in_app")
TITLE_MAX, AVATAR_URL_MAX = 100, 500


def notification_preferences(user: User) -> dict[str, dict[str, bool]]:
    """Every known notification with the user's choices laid over the defaults."""
    merged = copy.deepcopy(NOTIFICATION_DEFAULTS)
    for kind, channels in user.notification_preferences.items():
        if kind in merged:
            merged[kind].update({c: v for c, v in channels.items() if c in CHANNELS})
    return merged


def change_profile(user: User, *, title: str | None = None, avatar_url: str | None = "",
                   timezone: str | None = "", notifications: dict[str, dict[str, Any]] | None = None) -> bool:
    """Apply the given changes (``""`` for avatar_url/timezone: leave as is; None: clear)."""
    before = (user.title, user.avatar_url, user.timezone, copy.deepcopy(user.notification_preferences))
    if title is not None:
        user.title = _title(title)
    if avatar_url != "":
        user.avatar_url = _avatar_url(avatar_url) if avatar_url is not None else None
    if timezone != "":
        user.timezone = timezone
    if notifications:
        user.notification_preferences = _merge_notifications(user.notification_preferences, notifications)
    return (user.title, user.avatar_url, user.timezone, user.notification_preferences) != before


def _title(value: str) -> str:
    title = " ".join(value.split())
    if len(title) > TITLE_MAX:
        raise InvalidIdentity("title", f"must be at most {TITLE_MAX} characters")
    return title


def _avatar_url(value: str) -> str:
    url = value.strip()
    parts = urlsplit(url)
    # https only: the avatar is loaded by every teammate's browser and by mail clients.
    if parts.scheme != "https" or not parts.hostname or len(url) > AVATAR_URL_MAX:
        raise InvalidIdentity("avatar_url", f"must be an https URL of at most {AVATAR_URL_MAX} characters")
    return url


def _merge_notifications(current: dict[str, Any], changes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    merged = copy.deepcopy(current)
    for kind, channels in changes.items():
        if kind not in NOTIFICATION_DEFAULTS:
            raise InvalidIdentity(f"notification_preferences.{kind}",
                                  f"is not a notification; known: {', '.join(NOTIFICATION_DEFAULTS)}")
        for channel, on in channels.items():
            if channel not in CHANNELS or not isinstance(on, bool):
                raise InvalidIdentity(f"notification_preferences.{kind}.{channel}",
                                      f"channels are {' and '.join(CHANNELS)}, each true or false")
        merged[kind] = {**merged.get(kind, {}), **channels}
    return merged
