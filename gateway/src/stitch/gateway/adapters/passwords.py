"""Password hashing with argon2id (argon2-cffi), rehashed on sign-in when parameters change."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Passwords:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        # argon2-cffi's defaults (RFC 9106 low-memory: t=3, m=64 MiB, p=4) exceed OWASP's floor.
        self._hasher = hasher or PasswordHasher()
        self._decoy = self._hasher.hash("decoy password, never matches")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)

    def waste_time(self, password: str) -> None:
        self.verify(self._decoy, password)
