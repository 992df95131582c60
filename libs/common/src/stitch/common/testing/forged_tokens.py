"""Forged access tokens for the JWT negative suites (reliability-security §4.3, goal A6; RFC 8725).

``Kit`` holds what an attacker may have (a genuine token, the published keys, keys of their own)
and forges tokens from it; ``forged_token_cases()`` lists the forged, stale and misaddressed
tokens every verifier must refuse, each with the reason it should give. The suites that use them
keep their own fixtures, positive controls and assertions. Test-only; pure computation (no I/O)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey

ATTACKER_JWKS = "https://attacker.example/.well-known/jwks.json"
ATTACKER_CERT = "https://attacker.example/cert.pem"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _segment(value: Any) -> str:
    return _b64(json.dumps(value).encode())


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _now() -> int:
    return int(time.time())


@dataclass
class Kit:
    """What an attacker may hold: a genuine token, the published keys, keys of their own."""

    good: str
    key: ECKey  # the real signing key, for cases that isolate one claim or header defect
    kid: str
    public_jwk: dict
    attacker: ECKey
    other_org: str
    viewer: str | None = None  # a genuine token of a role the route refuses, where a suite has one

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

    def tampered(self, token: str | None = None, **changes: Any) -> str:
        """``token`` (the genuine one by default) with its claims changed and its signature kept."""
        header, _, signature = (token or self.good).split(".")
        return f"{header}.{_segment({**_payload(token or self.good), **changes})}.{signature}"


Case = tuple[str, Callable[[Kit], str], str]


def forged_token_cases(*, viewer: bool = False, real_key: str = "real key") -> list[Case]:
    """Each case: its name (the test id), how the token is made, and the reason the verifier
    gives (so the check meant for it fired, not some other one by accident).

    With ``viewer`` (the suite's kit sets ``Kit.viewer``) the role case raises the viewer's own
    token to admin; without it, it edits role and subject of the genuine token. ``real_key``
    names the real signing key in the "unknown kid" case's id."""
    role_case: Case = (
        ("role claim edited after signing (viewer to admin)", lambda k: k.tampered(k.viewer, role="admin"),
         "bad_signature")
        if viewer else
        ("role and subject edited after signing", lambda k: k.tampered(role="admin", sub="someone-else"),
         "bad_signature"))
    return [
        ("alg none, unsigned", lambda k: k.unsigned("none"), "algorithm not accepted"),
        ("alg None, signature kept", lambda k: k.unsigned("None", signature=k.good.split(".")[2]),
         "algorithm not accepted"),
        ("HS256 keyed with the public JWK", lambda k: k.hs256(json.dumps(k.public_jwk).encode()),
         "algorithm not accepted"),
        ("HS256 keyed with the public key PEM", lambda k: k.hs256(k.key.as_pem(private=False)),
         "algorithm not accepted"),
        ("wrong audience (a portal token)", lambda k: k.with_claims(aud="stitch-portal"), "invalid_claim"),
        ("expired beyond the leeway",
         lambda k: k.with_claims(iat=_now() - 1000, nbf=_now() - 1000, exp=_now() - 120), "expired_token"),
        ("not yet valid (nbf ahead)", lambda k: k.with_claims(nbf=_now() + 600, exp=_now() + 900), "invalid_claim"),
        ("issued in the future (iat ahead)", lambda k: k.with_claims(iat=_now() + 600, exp=_now() + 900),
         "invalid_claim"),
        ("issuer mismatch", lambda k: k.with_claims(iss="https://auth.attacker.example"), "invalid_claim"),
        ("no subject", lambda k: k.with_claims(sub=None), "missing_claim"),
        ("no organization", lambda k: k.with_claims(org=None), "no organization"),
        ("no expiry", lambda k: k.with_claims(exp=None), "missing_claim"),
        ("unknown kid, attacker key", lambda k: k.sign(key=k.attacker, kid="attacker-1"), "unknown key"),
        (f"unknown kid, {real_key}", lambda k: k.sign(kid="no-such-key"), "unknown key"),
        ("no kid", lambda k: k.sign(kid=None), "unknown key"),
        ("real kid, attacker signature", lambda k: k.sign(key=k.attacker), "bad_signature"),
        ("jku to an attacker JWKS, attacker kid",
         lambda k: k.sign(key=k.attacker, kid="attacker-1", jku=ATTACKER_JWKS), "names its own keys"),
        ("jku to an attacker JWKS, real kid", lambda k: k.sign(key=k.attacker, jku=ATTACKER_JWKS),
         "names its own keys"),
        ("x5u to an attacker certificate", lambda k: k.sign(key=k.attacker, x5u=ATTACKER_CERT), "names its own keys"),
        ("embedded attacker jwk", lambda k: k.sign(key=k.attacker, jwk=k.attacker.as_dict(private=False)),
         "names its own keys"),
        ("org claim edited after signing", lambda k: k.tampered(org=k.other_org), "bad_signature"),
        role_case,
        ("signature stripped", lambda k: k.good.rsplit(".", 1)[0] + ".", "bad_signature"),
        ("wrong typ (JWT)", lambda k: k.sign(typ="JWT"), "not an access token"),
        ("no typ", lambda k: k.sign(typ=None), "not an access token"),
        ("garbage", lambda k: "garbage", "malformed token"),
        ("non-JSON header", lambda k: f"{_b64(b'not json')}.{k.good.split('.', 1)[1]}", "malformed token"),
        ("two-part token", lambda k: k.good.rsplit(".", 1)[0], "malformed token"),
    ]
