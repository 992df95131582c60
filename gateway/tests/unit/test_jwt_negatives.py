"""JWT negative suite at the gateway edge (reliability-security §4.3, goal A6; RFC 8725).

Every forged, stale or misaddressed token on a protected route is answered 401 with a
problem+json body and ``WWW-Authenticate: Bearer``, and nothing reaches the service behind. The
positive controls show a genuine token, and the forging helper's own untampered output, get
through the same route, so each case fails for its one defect."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from stitch.common.testing.fakes import TestKeys

PROTECTED = "/api/templates/templates"
ATTACKER_JWKS = "https://attacker.example/.well-known/jwks.json"
ATTACKER_CERT = "https://attacker.example/cert.pem"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _segment(value: Any) -> str:
    return _b64(json.dumps(value).encode())


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@dataclass
class Kit:
    """What an attacker may hold: a genuine token, the published keys, keys of their own."""

    good: str
    key: ECKey  # the gateway's real signing key, for cases that isolate a claim or header defect
    kid: str
    public_jwk: dict
    attacker: ECKey
    other_org: str

    @property
    def claims(self) -> dict:
        return _payload(self.good)

    def sign(self, claims: dict | None = None, *, key: ECKey | None = None, **header: Any) -> str:
        protected = {"alg": "ES256", "kid": self.kid, "typ": "at+jwt", **header}
        protected = {name: value for name, value in protected.items() if value is not None}
        body = {name: value for name, value in (self.claims if claims is None else claims).items()
                if value is not None}
        return jwt.encode(protected, body, key or self.key, default_type=None)

    def with_claims(self, **changes: Any) -> str:
        return self.sign({**self.claims, **changes})

    def unsigned(self, alg: str, signature: str = "") -> str:
        return f"{_segment({'alg': alg, 'kid': self.kid, 'typ': 'at+jwt'})}.{_segment(self.claims)}.{signature}"

    def hs256(self, secret: bytes) -> str:
        """Algorithm confusion: HMAC keyed with the public key, hoping the verifier lets the
        header pick HS256 and uses the key it would verify ES256 with (built by hand: joserfc
        refuses to)."""
        signing_input = f"{_segment({'alg': 'HS256', 'kid': self.kid, 'typ': 'at+jwt'})}.{_segment(self.claims)}"
        return f"{signing_input}.{_b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"

    def tampered(self, **changes: Any) -> str:
        header, _, signature = self.good.split(".")
        return f"{header}.{_segment({**self.claims, **changes})}.{signature}"


def _now() -> int:
    return int(time.time())


# Each case: its name, how the token is made, and the reason the verifier gives (so the check
# meant for it fired, not some other one by accident).
CASES: list[tuple[str, Callable[[Kit], str], str]] = [
    ("alg none, unsigned", lambda k: k.unsigned("none"), "algorithm not accepted"),
    ("alg None, signature kept", lambda k: k.unsigned("None", signature=k.good.split(".")[2]),
     "algorithm not accepted"),
    ("HS256 keyed with the public JWK", lambda k: k.hs256(json.dumps(k.public_jwk).encode()),
     "algorithm not accepted"),
    ("HS256 keyed with the public key PEM", lambda k: k.hs256(k.key.as_pem(private=False)),
     "algorithm not accepted"),
    ("wrong audience (a portal token)", lambda k: k.with_claims(aud="stitch-portal"), "invalid_claim"),
    ("expired beyond the leeway", lambda k: k.with_claims(iat=_now() - 1000, nbf=_now() - 1000, exp=_now() - 120),
     "expired_token"),
    ("not yet valid (nbf ahead)", lambda k: k.with_claims(nbf=_now() + 600, exp=_now() + 900), "invalid_claim"),
    ("issued in the future (iat ahead)", lambda k: k.with_claims(iat=_now() + 600, exp=_now() + 900),
     "invalid_claim"),
    ("issuer mismatch", lambda k: k.with_claims(iss="https://auth.attacker.example"), "invalid_claim"),
    ("no subject", lambda k: k.with_claims(sub=None), "missing_claim"),
    ("no organization", lambda k: k.with_claims(org=None), "no organization"),
    ("no expiry", lambda k: k.with_claims(exp=None), "missing_claim"),
    ("unknown kid, attacker key", lambda k: k.sign(key=k.attacker, kid="attacker-1"), "unknown key"),
    ("unknown kid, gateway key", lambda k: k.sign(kid="no-such-key"), "unknown key"),
    ("no kid", lambda k: k.sign(kid=None), "unknown key"),
    ("real kid, attacker signature", lambda k: k.sign(key=k.attacker), "bad_signature"),
    ("jku to an attacker JWKS, attacker kid", lambda k: k.sign(key=k.attacker, kid="attacker-1", jku=ATTACKER_JWKS),
     "names its own keys"),
    ("jku to an attacker JWKS, real kid", lambda k: k.sign(key=k.attacker, jku=ATTACKER_JWKS), "names its own keys"),
    ("x5u to an attacker certificate", lambda k: k.sign(key=k.attacker, x5u=ATTACKER_CERT), "names its own keys"),
    ("embedded attacker jwk", lambda k: k.sign(key=k.attacker, jwk=k.attacker.as_dict(private=False)),
     "names its own keys"),
    ("org claim edited after signing", lambda k: k.tampered(org=k.other_org), "bad_signature"),
    ("role and subject edited after signing", lambda k: k.tampered(role="admin", sub="someone-else"),
     "bad_signature"),
    ("signature stripped", lambda k: k.good.rsplit(".", 1)[0] + ".", "bad_signature"),
    ("wrong typ (JWT)", lambda k: k.sign(typ="JWT"), "not an access token"),
    ("no typ", lambda k: k.sign(typ=None), "not an access token"),
    ("garbage", lambda k: "garbage", "malformed token"),
    ("non-JSON header", lambda k: f"{_b64(b'not json')}.{k.good.split('.', 1)[1]}", "malformed token"),
    ("two-part token", lambda k: k.good.rsplit(".", 1)[0], "malformed token"),
]


@pytest.fixture
def kit(bearer, keys, globex) -> Kit:
    good = bearer("viewer")["Authorization"].removeprefix("Bearer ")
    public_jwk = next(jwk for jwk in keys.jwks()["keys"] if jwk["kid"] == keys.kid)
    return Kit(good=good, key=keys.signing_key().key, kid=keys.kid, public_jwk=public_jwk,
               attacker=TestKeys(kid="attacker-1").key, other_org=globex[0].id)


def _get(client, token: str):
    return client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})


def test_a_genuine_token_gets_through(client, kit, forwarder):
    response = _get(client, kit.good)
    assert response.status_code == 200 and len(forwarder.calls) == 1


def test_the_forging_kit_untampered_gets_through(client, kit, forwarder):
    """So each case below fails for its one defect: the kit's own signing is sound, and the
    tampered claims would pass had they been signed (the other org exists)."""
    assert _get(client, kit.sign()).status_code == 200
    assert _get(client, kit.with_claims(org=kit.other_org)).status_code == 200
    assert _get(client, kit.with_claims(role="admin", sub="someone-else")).status_code == 200
    assert len(forwarder.calls) == 3


@pytest.mark.parametrize(("forge", "reason"), [pytest.param(f, r, id=name) for name, f, r in CASES])
def test_a_bad_token_is_refused_at_the_edge(client, kit, forwarder, forge, reason):
    token = forge(kit)
    response = _get(client, token)
    assert response.status_code == 401, response.get_json()
    assert reason in response.get_json()["detail"]
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert forwarder.calls == []  # nothing reached the service
    assert token not in response.get_data(as_text=True)
