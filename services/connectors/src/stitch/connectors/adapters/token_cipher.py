"""AES-256-GCM for tokens at rest, with key ids and rotation (reliability-security §5).

Keys come from settings as ``<key id>:<base64 of 32 bytes>`` entries, newest first: the first
key encrypts, every listed key decrypts. A sealed value keeps the id of the key that sealed it,
so rotation is "put a new key first, run ``reencrypt-tokens``, then drop the old key" and a
query over key ids shows how far it got.

The associated data binds a ciphertext to its row (org, connection, provider, field): a
ciphertext copied to another org's or connection's row fails to decrypt (InvalidTag), so a
database writer cannot make one tenant use another's token.
"""

from __future__ import annotations

import base64
import binascii
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from stitch.common.settings import SettingsError
from stitch.connectors.application.ports import Sealed, SecretUnreadable

_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
NONCE_BYTES = 12  # 96 bits, random per seal: GCM's recommended nonce size


class UnknownKey(SecretUnreadable):
    """A value was sealed with a key id that is no longer configured."""


class TamperedSecret(SecretUnreadable):
    """The ciphertext, nonce or associated data does not match: moved, edited or corrupted."""


class TokenCipher:
    def __init__(self, keys: dict[str, bytes], primary: str) -> None:
        if primary not in keys:
            raise ValueError("the primary key must be one of the keys")
        self._keys = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.primary_key_id = primary

    def __repr__(self) -> str:  # key material never in a repr
        return f"TokenCipher(primary={self.primary_key_id!r}, keys={sorted(self._keys)!r})"

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def seal(self, plaintext: str, associated: str) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = self._keys[self.primary_key_id].encrypt(nonce, plaintext.encode(), associated.encode())
        return Sealed(self.primary_key_id, nonce, ciphertext)

    def open(self, sealed: Sealed, associated: str) -> str:
        key = self._keys.get(sealed.key_id)
        if key is None:
            raise UnknownKey(f"no key {sealed.key_id!r} is configured (STITCH_TOKEN_KEYS)")
        try:
            return key.decrypt(sealed.nonce, sealed.ciphertext, associated.encode()).decode()
        except InvalidTag:
            raise TamperedSecret("the sealed value does not belong to this row or was altered") from None


def cipher_from_setting(value: str) -> TokenCipher:
    """``"k2:<base64>,k1:<base64>"`` → a cipher whose primary key is k2. Errors never quote a key."""
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(part.strip() for part in value.split(",") if part.strip()):
        key_id, separator, encoded = entry.partition(":")
        if not separator or not _KEY_ID.fullmatch(key_id):
            raise SettingsError(f"STITCH_TOKEN_KEYS: entry {position + 1} must be <key id>:<base64 key>, "
                                "the id made of letters, digits, '.', '_' or '-'")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise SettingsError(f"STITCH_TOKEN_KEYS: key {key_id!r} is not valid base64") from None
        if len(key) != 32:
            raise SettingsError(f"STITCH_TOKEN_KEYS: key {key_id!r} must be 32 bytes (AES-256), not {len(key)}")
        if key_id in keys:
            raise SettingsError(f"STITCH_TOKEN_KEYS: key id {key_id!r} appears twice")
        keys[key_id] = key
    if not keys:
        raise SettingsError("STITCH_TOKEN_KEYS: no key given; make one with "
                            "`stitch-connectors new-token-key` and set STITCH_TOKEN_KEYS=<id>:<key>")
    return TokenCipher(keys, primary=next(iter(keys)))


def new_key_entry(key_id: str) -> str:
    """A fresh ``<id>:<base64>`` entry for STITCH_TOKEN_KEYS."""
    if not _KEY_ID.fullmatch(key_id):
        raise ValueError("a key id is 1-32 letters, digits, '.', '_' or '-'")
    return f"{key_id}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"
