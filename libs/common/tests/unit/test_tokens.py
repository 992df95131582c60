import base64
import hashlib
import hmac
import json
import types

import pytest
from joserfc import jwt

from stitch.common import tokens
from stitch.common.testing.fakes import TestKeys
from stitch.common.tokens import JwksSource, Principal, TokenError, TokenVerifier


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _segment(value) -> str:
    return _b64(json.dumps(value).encode())


@pytest.fixture(scope="module")
def keys() -> TestKeys:
    return TestKeys(kid="k1")


@pytest.fixture(scope="module")
def verifier(keys) -> TokenVerifier:
    return keys.verifier()


def _claims(keys: TestKeys) -> dict:
    payload = base64.urlsafe_b64decode(keys.token().split(".")[1] + "==")
    return json.loads(payload)


def test_a_valid_token_gives_a_principal(keys, verifier):
    principal = verifier.verify(keys.token(org="org-9", role="csm", sub="u-7"))
    assert isinstance(principal, Principal)
    assert (principal.subject, principal.org_id, principal.role, principal.audience) == ("u-7", "org-9", "csm",
                                                                                          "stitch")
    assert principal.claims["iss"] == "stitch"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"ttl": -120}, "token rejected"),  # past the 30 s leeway
    ({"audience": "stitch-portal"}, "token rejected"),
    ({"org": ""}, "no organization"),
])
def test_claims_are_checked(keys, verifier, kwargs, message):
    with pytest.raises(TokenError, match=message):
        verifier.verify(keys.token(**kwargs))


def test_wrong_issuer(keys):
    other = TestKeys(kid="k1", issuer="someone-else")
    verifier = TokenVerifier(JwksSource.static(other.jwks()), "stitch", "stitch")
    with pytest.raises(TokenError, match="token rejected"):
        verifier.verify(other.token())


def test_a_token_for_the_portal_audience_verifies_with_a_portal_verifier(keys):
    assert keys.verifier(audience="stitch-portal").verify(keys.token(audience="stitch-portal")).audience == \
        "stitch-portal"


def test_unknown_kid(verifier):
    stranger = TestKeys(kid="k2")
    with pytest.raises(TokenError, match="unknown key"):
        verifier.verify(stranger.token())


def test_same_kid_but_another_key_fails_the_signature(verifier):
    impostor = TestKeys(kid="k1")
    with pytest.raises(TokenError, match="token rejected"):
        verifier.verify(impostor.token())


def test_alg_none_is_refused(keys, verifier):
    token = f"{_segment({'alg': 'none', 'kid': keys.kid})}.{_segment(_claims(keys))}."
    with pytest.raises(TokenError, match="algorithm not accepted"):
        verifier.verify(token)


def test_hs256_signed_with_the_public_key_is_refused(keys, verifier):
    secret = json.dumps(keys.jwks()["keys"][0]).encode()
    signing_input = f"{_segment({'alg': 'HS256', 'kid': keys.kid})}.{_segment(_claims(keys))}"
    signature = _b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())
    with pytest.raises(TokenError, match="algorithm not accepted"):
        verifier.verify(f"{signing_input}.{signature}")


@pytest.mark.parametrize("header", ["jku", "x5u", "jwk"])
def test_a_token_naming_its_own_keys_is_refused(keys, verifier, header):
    value = keys.jwks()["keys"][0] if header == "jwk" else "https://evil.example/jwks.json"
    token = jwt.encode({"alg": "ES256", "kid": keys.kid, header: value}, _claims(keys), keys.key)
    with pytest.raises(TokenError, match="names its own keys"):
        verifier.verify(token)


@pytest.mark.parametrize("token", ["garbage", "", "a.b", "...", f"{_segment([])}.{_segment({})}.",
                                   f"{_segment('x')}.e30.", f"{_segment(1)}.e30."])
def test_malformed_tokens(verifier, token):
    with pytest.raises(TokenError, match="^malformed token$"):
        verifier.verify(token)


class _Fetch:
    def __init__(self, *jwks_sequence: dict) -> None:
        self.sequence, self.calls = list(jwks_sequence), 0

    def __call__(self) -> dict:
        self.calls += 1
        item = self.sequence[min(self.calls, len(self.sequence)) - 1]
        if isinstance(item, Exception):
            raise item
        return item


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1000.0}
    monkeypatch.setattr(tokens, "time", types.SimpleNamespace(monotonic=lambda: now["t"]))
    return now


def _kids(key_set) -> set:
    return {key.kid for key in key_set.keys}


def test_unknown_kid_refetches_at_most_once_per_min_refresh(clock):
    a, b = TestKeys(kid="a"), TestKeys(kid="b")
    both = {"keys": a.jwks()["keys"] + b.jwks()["keys"]}
    fetch = _Fetch(a.jwks(), both)
    source = JwksSource(fetch, ttl=300, min_refresh=10)
    assert _kids(source.key_set("a")) == {"a"} and fetch.calls == 1
    assert _kids(source.key_set("a")) == {"a"} and fetch.calls == 1  # cached
    assert _kids(source.key_set("b")) == {"a"} and fetch.calls == 1  # too soon to refetch
    clock["t"] += 11
    assert _kids(source.key_set("b")) == {"a", "b"} and fetch.calls == 2  # rotation picked up
    for _ in range(5):
        source.key_set("bogus")
    assert fetch.calls == 2
    clock["t"] += 11
    source.key_set("bogus")
    assert fetch.calls == 3


def test_keys_are_refetched_after_ttl(clock):
    a = TestKeys(kid="a")
    fetch = _Fetch(a.jwks())
    source = JwksSource(fetch, ttl=300, min_refresh=10)
    source.key_set("a")
    clock["t"] += 301
    source.key_set("a")
    assert fetch.calls == 2


def test_fetch_failure_without_cached_keys_is_a_token_error(clock):
    source = JwksSource(_Fetch(ConnectionError("gateway down")), ttl=300, min_refresh=10)
    with pytest.raises(TokenError, match="unavailable"):
        source.key_set("a")


def test_fetch_failure_keeps_cached_keys_and_is_throttled(clock):
    a = TestKeys(kid="a")
    fetch = _Fetch(a.jwks(), ConnectionError("gateway down"))
    source = JwksSource(fetch, ttl=300, min_refresh=10)
    source.key_set("a")
    clock["t"] += 11
    assert _kids(source.key_set("bogus")) == {"a"} and fetch.calls == 2  # failed, old keys kept
    for _ in range(5):
        assert _kids(source.key_set("bogus")) == {"a"}
    assert fetch.calls == 2  # a down gateway is not hit once per request
    clock["t"] += 300
    source.key_set("a")  # stale, and past min_refresh: try again
    assert fetch.calls == 3


def test_verifier_uses_rotated_keys(clock):
    old, new = TestKeys(kid="old"), TestKeys(kid="new")
    fetch = _Fetch(old.jwks(), {"keys": old.jwks()["keys"] + new.jwks()["keys"]})
    verifier = TokenVerifier(JwksSource(fetch, ttl=300, min_refresh=10), "stitch", "stitch")
    assert verifier.verify(old.token()).subject == "user-1"
    clock["t"] += 11
    assert verifier.verify(new.token()).subject == "user-1"
