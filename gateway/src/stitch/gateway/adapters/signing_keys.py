"""The gateway's token-signing key: ES256 (P-256), stored as a private JWK file.

Generated on first start when the file is missing (development); in a deployment the file is a
mounted secret. Rotation (publish the new key before use, keep the old until its tokens expire)
arrives with the tenancy issue.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

ALGORITHM = "ES256"


class SigningKeys:
    def __init__(self, key: ECKey) -> None:
        self._key = key

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKeys:
        if path.exists():
            return cls(ECKey.import_key(json.loads(path.read_text())))
        key = ECKey.generate_key("P-256", private=True)
        key = ECKey.import_key({**key.as_dict(private=True), "kid": key.thumbprint(), "alg": ALGORITHM, "use": "sig"})
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write a private temp file, then link it into place: the link is atomic and fails if
        # another worker won the race, in which case everyone uses the winner's key.
        temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(key.as_dict(private=True), handle)
        try:
            os.link(temp, path)
        except FileExistsError:
            return cls(ECKey.import_key(json.loads(path.read_text())))
        finally:
            temp.unlink(missing_ok=True)
        return cls(key)

    @property
    def kid(self) -> str:
        return str(self._key.kid)

    def jwks(self) -> dict[str, Any]:
        return KeySet([ECKey.import_key(self._key.as_dict(private=False))]).as_dict(private=False)

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": ALGORITHM, "kid": self.kid, "typ": "JWT"}, claims, self._key)
