import base64
import hashlib
import hmac
import json
import time
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


def _forge(keys: TestKeys, header: dict, claims: dict) -> str:
    """Sign any header with the real key (ES256 by hand: joserfc refuses odd headers)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    signing_input = f"{_segment(header)}.{_segment(claims)}"
    r, s = decode_dss_signature(keys.key.raw_value.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


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


# -- explicit typing (RFC 8725 §3.11, RFC 9068) and time claims ------------------------------------


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"])
def test_access_token_types_are_accepted(keys, verifier, typ):
    assert verifier.verify(keys.token(header={"typ": typ})).subject == "user-1"


@pytest.mark.parametrize("typ", [None, "JWT", "jwt", "secevent+jwt", "logout+jwt", "at+jwt ", ["at+jwt"], 1])
def test_other_token_types_are_refused(keys, verifier, typ):
    header = {"alg": "ES256", "kid": keys.kid, **({} if typ is None else {"typ": typ})}
    with pytest.raises(TokenError, match="^token is not an access token$"):
        verifier.verify(_forge(keys, header, _claims(keys)))


def test_the_forged_control_token_verifies(keys, verifier):
    assert verifier.verify(_forge(keys, {"alg": "ES256", "kid": keys.kid, "typ": "at+jwt"}, _claims(keys)))


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_a_token_from_the_future_is_refused(keys, verifier, claim):
    with pytest.raises(TokenError, match="token rejected"):
        verifier.verify(keys.token(**{claim: int(time.time()) + 120}))  # past the 30 s leeway


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_a_little_clock_skew_is_tolerated(keys, verifier, claim):
    assert verifier.verify(keys.token(**{claim: int(time.time()) + 10})).subject == "user-1"


@pytest.mark.parametrize("claims", [{"sub": None}, {"ttl": None}, {"org": None}, {"org": ["org-1"]},
                                    {"org": {"id": "org-1"}}, {"sub": 7}])
def test_required_claims_must_be_present_and_well_typed(keys, verifier, claims):
    if claims == {"ttl": None}:  # no exp at all
        token = keys.token(exp=None)
    else:
        token = keys.token(**claims)
    with pytest.raises(TokenError, match="token rejected|no organization"):
        verifier.verify(token)


def test_a_two_part_token_with_a_valid_header_is_malformed(keys, verifier):
    header, payload, _ = keys.token().split(".")
    with pytest.raises(TokenError, match="^malformed token$"):
        verifier.verify(f"{header}.{payload}")


def test_the_verifier_clock_can_be_injected(keys):
    issued = 2_000_000_000
    token = keys.token(now=issued, ttl=300)
    at = {"t": issued + 100.0}
    verifier = TokenVerifier(JwksSource.static(keys.jwks()), "stitch", "stitch", clock=lambda: at["t"])
    assert verifier.verify(token).subject == "user-1"
    at["t"] = issued + 300 + 31  # past exp and the 30 s leeway
    with pytest.raises(TokenError, match="token rejected"):
        verifier.verify(token)


def test_error_messages_do_not_echo_the_token(keys, verifier):
    marker = "ATTACKER-CONTROLLED-TEXT"
    tokens_ = [keys.token(header={"typ": marker}), keys.token(header={"kid": marker}),
               keys.token(audience=marker), keys.token(iss=marker),
               _forge(keys, {"alg": "ES256", "kid": keys.kid, "typ": "at+jwt", "crit": [marker], marker: 1},
                      _claims(keys)),
               f"{_segment({'alg': marker})}.{_segment({})}.x"]
    for token in tokens_:
        with pytest.raises(TokenError) as caught:
            verifier.verify(token)
        assert marker not in str(caught.value) and "BEGIN" not in str(caught.value)
