"""The gateway's token-signing keys: a set of ES256 (P-256) private JWKs with a schedule.

The key file is JSON, mode 0600, generated on first start when missing (development); in a
deployment it is a mounted secret. It holds a list of keys, each a private JWK with a schedule::

    {"keys": [{"jwk": {...}, "not_before": 1767225600, "retire_after": 1767227160}, ...]}

- ``not_before``: when the key may start signing. Until then it is *published* in the JWKS but
  never used, so every service's JWKS cache holds it before the first token it signs.
- ``retire_after`` (optional): when it leaves the JWKS, after the last token it signed expired.

Rotation follows RFC 8725 and reliability-security §4.3: publish the new key at T0, sign with it
from T0 + the JWKS cache lifetime, drop the old one at the switch + the longest access-token
lifetime + clock skew. So no valid token is ever rejected, and nobody is logged out.

A file holding one bare private JWK (the format before rotation existed) still loads: one key,
active since forever. Every process re-reads the file when it changes (a ``stat`` per call), so
gunicorn workers and replicas sharing the file follow a rotation without a restart.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

ALGORITHM = "ES256"
ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068 §2.1
# Services cache the JWKS for 300 s (``JwksSource``) and the gateway serves it with
# ``Cache-Control: max-age=300``, so an HTTP cache in between may add another 300 s.
DEFAULT_PUBLISH_LEAD = 600
DEFAULT_MAX_TOKEN_TTL = 900  # DESIGN §4: access tokens live at most 15 minutes
DEFAULT_SKEW = 60

Clock = Callable[[], "float | datetime"]
log = logging.getLogger(__name__)


class KeyFileError(Exception):
    """The key file cannot be read or holds no usable key. The message names no key material."""


@dataclasses.dataclass(frozen=True)
class ScheduledKey:
    key: ECKey
    not_before: float
    retire_after: float | None = None

    @property
    def kid(self) -> str:
        return str(self.key.kid)

    def published(self, now: float) -> bool:
        return self.retire_after is None or now < self.retire_after

    def may_sign(self, now: float) -> bool:
        return self.not_before <= now and self.published(now)

    def as_dict(self) -> dict[str, Any]:
        return {"jwk": self.key.as_dict(private=True), "not_before": _number(self.not_before),
                "retire_after": None if self.retire_after is None else _number(self.retire_after)}


class SigningKeys:
    def __init__(self, keys: list[ScheduledKey] | ECKey, *, clock: Clock | None = None,
                 path: Path | None = None) -> None:
        """``keys``: the key set (or one key, active since forever). With ``path``, the set is
        re-read whenever that file changes."""
        if isinstance(keys, ECKey):
            keys = [ScheduledKey(keys, not_before=0)]
        self._keys = list(keys)
        self._clock = clock or time.time
        self._path = path
        self._seen: tuple[int, int, int] | None = None  # the file as last read; None: read on first use
        self._lock = threading.Lock()

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def load_or_create(cls, path: Path, *, clock: Clock | None = None) -> SigningKeys:
        path = Path(path)
        if path.exists():
            return cls._from_file(path, clock)
        key = _new_key()
        # The first key has no predecessor whose tokens must expire, so it is active at once
        # (``not_before`` 0: also for a replica whose clock runs a little behind ours).
        created = [ScheduledKey(key, not_before=0)]
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write a private temp file, then link it into place: the link is atomic and fails if
        # another worker won the race, in which case everyone uses the winner's key.
        temp = _write_temp(path, created)
        seen = _signature(temp)  # the link shares the temp file's inode, mtime and size
        try:
            os.link(temp, path)
        except FileExistsError:
            return cls._from_file(path, clock)
        finally:
            temp.unlink(missing_ok=True)
        keys = cls(created, clock=clock, path=path)
        keys._seen = seen
        return keys

    @classmethod
    def _from_file(cls, path: Path, clock: Clock | None) -> SigningKeys:
        seen = _signature(path)  # stat before reading: a change in between is read on the next call
        keys = cls(_read(path), clock=clock, path=path)
        keys._seen = seen
        return keys

    def _current(self) -> list[ScheduledKey]:
        if self._path is not None:
            with self._lock:
                seen = _signature(self._path)
                if seen is not None and seen != self._seen:
                    try:
                        self._keys = _read(self._path)
                    except KeyFileError as exc:  # e.g. a bad manual edit: keep the keys we hold
                        log.error("signing keys not reloaded: %s", exc)
                    self._seen = seen
        return self._keys

    def _now(self) -> float:
        return _seconds(self._clock())

    # -- using ---------------------------------------------------------------------------------

    def signing_key(self) -> ScheduledKey:
        """The newest key that may sign now; a pending key (``not_before`` ahead) never does."""
        now = self._now()
        candidates = [k for k in self._current() if k.may_sign(now)]
        if not candidates:
            raise KeyFileError("no signing key is active")
        return max(candidates, key=lambda k: k.not_before)

    @property
    def kid(self) -> str:
        return self.signing_key().kid

    def jwks(self) -> dict[str, Any]:
        """Public keys of every key not retired, including those not yet signing."""
        now = self._now()
        published = [k.key for k in self._current() if k.published(now)]
        return KeySet(published).as_dict(private=False)

    def schedule(self) -> list[dict[str, Any]]:
        """Each key's kid and schedule (no key material), oldest first."""
        keys = sorted(self._current(), key=lambda k: k.not_before)
        return [{"kid": k.kid, "not_before": k.not_before, "retire_after": k.retire_after} for k in keys]

    def sign(self, claims: dict[str, Any], *, typ: str = ACCESS_TOKEN_TYPE) -> str:
        current = self.signing_key()
        return jwt.encode({"alg": ALGORITHM, "kid": current.kid, "typ": typ}, claims, current.key)

    # -- rotating ------------------------------------------------------------------------------

    def rotate(self, now: float | datetime | None = None, *, publish_lead: float = DEFAULT_PUBLISH_LEAD,
               max_token_ttl: float = DEFAULT_MAX_TOKEN_TTL, skew: float = DEFAULT_SKEW) -> dict[str, Any]:
        """Add a key that signs from ``now + publish_lead``; schedule the keys it replaces to
        leave the JWKS once their last tokens expired; drop keys already retired.

        The file is rewritten atomically under an exclusive lock, so concurrent rotations (two
        operators, two replicas) both land instead of one overwriting the other."""
        if self._path is None:
            raise KeyFileError("these keys are not backed by a file")
        if publish_lead < 0 or max_token_ttl <= 0 or skew < 0:
            raise ValueError("publish_lead and skew must be >= 0 and max_token_ttl > 0")
        now = self._now() if now is None else _seconds(now)
        with _exclusive(self._path):
            keys = _read(self._path)  # under the lock: the latest, not our cached copy
            active = [k for k in keys if k.may_sign(now)]
            old = max(active, key=lambda k: k.not_before) if active else None
            new = ScheduledKey(_new_key(), not_before=now + publish_lead)
            retire_at = new.not_before + max_token_ttl + skew
            # Every earlier key stops signing at the latest when the new one starts, so its last
            # token expires by then + the token TTL. A pending key from an earlier rotation that
            # never got to sign much is scheduled the same way.
            kept = [k if k.retire_after is not None else dataclasses.replace(k, retire_after=retire_at)
                    for k in keys if k.published(now)]
            dropped = [k.kid for k in keys if not k.published(now)]
            updated = [*kept, new]
            temp = _write_temp(self._path, updated)
            seen = _signature(temp)  # os.replace keeps the inode, mtime and size
            os.replace(temp, self._path)
            with self._lock:
                self._keys, self._seen = updated, seen
        retiring = next((k for k in kept if old is not None and k.kid == old.kid), None)
        return {
            "new_kid": new.kid,
            "not_before": _iso(new.not_before),
            "old_kid": old.kid if old else None,
            "old_retire_after": _iso(retiring.retire_after) if retiring and retiring.retire_after else None,
            "published": [k.kid for k in updated],
            "dropped": dropped,
        }


def rotate_key_file(path: Path, *, publish_lead: float = DEFAULT_PUBLISH_LEAD,
                    max_token_ttl: float = DEFAULT_MAX_TOKEN_TTL, skew: float = DEFAULT_SKEW,
                    clock: Clock | None = None) -> dict[str, Any]:
    """Rotate the key file at ``path`` (for ``stitch-gateway rotate-keys``); returns a summary:
    the new kid and when it starts signing, the old kid and when it leaves the JWKS."""
    path = Path(path)
    if not path.exists():
        raise KeyFileError(f"no signing key file at {path}; start the gateway once to create it")
    return SigningKeys._from_file(path, clock).rotate(publish_lead=publish_lead, max_token_ttl=max_token_ttl,
                                                      skew=skew)


# -- the file ----------------------------------------------------------------------------------


def _new_key() -> ECKey:
    key = ECKey.generate_key("P-256", private=True)
    return ECKey.import_key({**key.as_dict(private=True), "kid": key.thumbprint(), "alg": ALGORITHM, "use": "sig"})


def _read(path: Path) -> list[ScheduledKey]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"the signing key file {path} cannot be read as JSON") from exc
    try:
        if isinstance(data, dict) and "kty" in data:  # the single-key format: active since forever
            return [ScheduledKey(_import(data), not_before=0)]
        entries = data["keys"]
        keys = [ScheduledKey(_import(e["jwk"]), not_before=_time(e.get("not_before", 0)),
                             retire_after=None if e.get("retire_after") is None else _time(e["retire_after"]))
                for e in entries]
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyFileError(f"the signing key file {path} is not a key set") from exc
    if not keys:
        raise KeyFileError(f"the signing key file {path} holds no key")
    return keys


def _import(jwk: dict[str, Any]) -> ECKey:
    try:
        key = ECKey.import_key(jwk)
    except Exception as exc:  # joserfc raises several kinds; none may carry key material out
        raise ValueError("not an EC key") from exc
    if not key.is_private or key.curve_name != "P-256":
        raise ValueError("not a private P-256 key")
    if not key.kid:
        key = ECKey.import_key({**jwk, "kid": key.thumbprint()})
    return key


def _write_temp(path: Path, keys: list[ScheduledKey]) -> Path:
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            json.dump({"keys": [k.as_dict() for k in keys]}, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    lock_path = path.with_name(f".{path.name}.lock")
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _signature(path: Path) -> tuple[int, int, int] | None:
    """Changes when the file is replaced (new inode) or rewritten in place (mtime, size)."""
    try:
        st = os.stat(path)
    except OSError:
        return None  # gone for a moment (e.g. a secret being swapped): keep what we hold
    return st.st_ino, st.st_mtime_ns, st.st_size


def _seconds(value: float | datetime) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def _time(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("a time must be a number of seconds since the epoch")
    return float(value)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _iso(value: float) -> str:
    return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")
