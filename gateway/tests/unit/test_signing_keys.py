"""The gateway's signing key set: creation, the legacy format, and a full rotation drill on a fake
clock (publish, switch, retire) with services that cache the JWKS, as in reliability-security
§4.3 and goal A8: no valid token is refused at any point of the rotation."""

from __future__ import annotations

import base64
import json
import os
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from stitch.common.tokens import JwksSource, TokenError, TokenVerifier
from stitch.gateway.adapters.signing_keys import (
    DEFAULT_MAX_TOKEN_TTL,
    DEFAULT_PUBLISH_LEAD,
    DEFAULT_SKEW,
    KeyFileError,
    SigningKeys,
    rotate_key_file,
)

T0 = 1_800_000_000.0
TTL, LEAD, SKEW = 900, 600, 60  # access-token lifetime, publish lead, clock skew
SERVICE_CACHE_TTL = 300  # JwksSource's default, what every service uses


class Clock:
    def __init__(self, start: float = T0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def path(tmp_path):
    return tmp_path / "keys" / "signing-key.json"


def _header(token: str) -> dict:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


def _claims(now: float, ttl: int = TTL) -> dict:
    return {"iss": "stitch", "aud": "stitch", "sub": "user-1", "org": "org-1", "role": "admin",
            "iat": int(now), "exp": int(now) + ttl}


def _kids(jwks: dict) -> set[str]:
    return {key["kid"] for key in jwks["keys"]}


# -- creating and loading ----------------------------------------------------------------------


def test_key_is_created_once_private_to_its_owner_and_reused(path):
    first = SigningKeys.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SigningKeys.load_or_create(path).kid == first.kid
    assert [entry["not_before"] for entry in json.loads(path.read_text())["keys"]] == [0]


def test_workers_racing_to_create_the_key_all_use_one_key(tmp_path):
    path = tmp_path / "signing-key.json"
    with ThreadPoolExecutor(8) as pool:
        kids = set(pool.map(lambda _: SigningKeys.load_or_create(path).kid, range(16)))
    assert len(kids) == 1 and not list(tmp_path.glob(".*.tmp"))


def test_the_single_key_file_of_earlier_versions_still_loads_and_rotates(path, clock):
    legacy = ECKey.generate_key("P-256", private=True)
    legacy = ECKey.import_key({**legacy.as_dict(private=True), "kid": "legacy", "alg": "ES256", "use": "sig"})
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(legacy.as_dict(private=True)))
    keys = SigningKeys.load_or_create(path, clock=clock)
    assert keys.kid == "legacy" and _kids(keys.jwks()) == {"legacy"}
    verifier = TokenVerifier(JwksSource.from_callable(keys.jwks), "stitch", "stitch", clock=clock)
    assert verifier.verify(keys.sign(_claims(clock.now))).subject == "user-1"

    summary = keys.rotate(publish_lead=LEAD, max_token_ttl=TTL, skew=SKEW)
    assert summary["old_kid"] == "legacy"
    assert [e["jwk"]["kid"] for e in json.loads(path.read_text())["keys"]] == ["legacy", summary["new_kid"]]


def test_a_key_without_kid_gets_its_thumbprint(path):
    bare = ECKey.generate_key("P-256", private=True)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(bare.as_dict(private=True)))
    assert SigningKeys.load_or_create(path).kid == bare.thumbprint()


@pytest.mark.parametrize("content", ["not json", "[]", '{"keys": []}', '{"keys": [{"jwk": {"kty": "EC"}}]}',
                                     '{"keys": [{"jwk": {"kty": "oct", "k": "c2VjcmV0"}}]}'])
def test_a_broken_key_file_is_an_error_that_shows_no_key_material(path, content):
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(KeyFileError) as caught:
        SigningKeys.load_or_create(path)
    assert "c2VjcmV0" not in str(caught.value)


def test_a_public_key_alone_cannot_sign(path):
    public = ECKey.generate_key("P-256", private=True).as_dict(private=False)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"keys": [{"jwk": public, "not_before": 0}]}))
    with pytest.raises(KeyFileError):
        SigningKeys.load_or_create(path)


def test_tokens_are_typed_as_access_tokens(path):
    keys = SigningKeys.load_or_create(path)
    header = _header(keys.sign(_claims(0)))
    assert header == {"alg": "ES256", "kid": keys.kid, "typ": "at+jwt"}


def test_the_clock_may_also_give_datetimes(path):
    at = datetime.fromtimestamp(T0, UTC)
    keys = SigningKeys.load_or_create(path, clock=lambda: at)
    summary = keys.rotate(publish_lead=LEAD, max_token_ttl=TTL, skew=SKEW)
    assert summary["not_before"] == datetime.fromtimestamp(T0 + LEAD, UTC).isoformat().replace("+00:00", "Z")


# -- the schedule ------------------------------------------------------------------------------


def test_rotation_publishes_first_switches_later_and_retires_after_the_last_token(path, clock):
    keys = SigningKeys.load_or_create(path, clock=clock)
    old = keys.kid
    summary = keys.rotate(publish_lead=LEAD, max_token_ttl=TTL, skew=SKEW)
    new = summary["new_kid"]
    assert summary == {
        "new_kid": new, "not_before": _iso(T0 + LEAD), "old_kid": old,
        "old_retire_after": _iso(T0 + LEAD + TTL + SKEW), "published": [old, new], "dropped": [],
    }
    schedule = {entry["kid"]: entry for entry in keys.schedule()}
    assert schedule[new] == {"kid": new, "not_before": T0 + LEAD, "retire_after": None}
    assert schedule[old]["retire_after"] == T0 + LEAD + TTL + SKEW

    assert _kids(keys.jwks()) == {old, new}  # published before use
    clock.now = T0 + LEAD - 1
    assert keys.kid == old and _header(keys.sign({}))["kid"] == old  # pending: never signs
    clock.now = T0 + LEAD
    assert keys.kid == new and _header(keys.sign({}))["kid"] == new
    clock.now = T0 + LEAD + TTL + SKEW - 1
    assert _kids(keys.jwks()) == {old, new}
    clock.now = T0 + LEAD + TTL + SKEW
    assert _kids(keys.jwks()) == {new}


def test_the_defaults_outlast_a_services_jwks_cache(path, clock):
    assert DEFAULT_PUBLISH_LEAD >= SERVICE_CACHE_TTL and DEFAULT_MAX_TOKEN_TTL >= 900 and DEFAULT_SKEW > 0
    keys = SigningKeys.load_or_create(path, clock=clock)
    summary = keys.rotate()
    assert summary["not_before"] == _iso(T0 + DEFAULT_PUBLISH_LEAD)
    assert summary["old_retire_after"] == _iso(T0 + DEFAULT_PUBLISH_LEAD + DEFAULT_MAX_TOKEN_TTL + DEFAULT_SKEW)


def test_a_second_rotation_before_the_switch_also_retires_the_pending_key(path, clock):
    keys = SigningKeys.load_or_create(path, clock=clock)
    first = keys.rotate(publish_lead=LEAD, max_token_ttl=TTL, skew=SKEW)
    clock.now = T0 + 100
    second = keys.rotate(publish_lead=LEAD, max_token_ttl=TTL, skew=SKEW)
    retire = {entry["kid"]: entry["retire_after"] for entry in keys.schedule()}
    assert retire == {first["old_kid"]: T0 + LEAD + TTL + SKEW,  # unchanged: set by the first rotation
                      first["new_kid"]: T0 + 100 + LEAD + TTL + SKEW,
                      second["new_kid"]: None}
    clock.now = T0 + LEAD  # the first new key signs until the second takes over
    assert keys.kid == first["new_kid"]
    clock.now = T0 + 100 + LEAD
    assert keys.kid == second["new_kid"]


def test_retired_keys_are_dropped_from_the_file_at_the_next_rotation(path, clock):
    keys = SigningKeys.load_or_create(path, clock=clock)
    oldest = keys.kid
    middle = keys.rotate(publish_lead=LEAD, max_token_ttl=TTL, skew=SKEW)["new_kid"]
    clock.now = T0 + LEAD + TTL + SKEW
    summary = keys.rotate(publish_lead=LEAD, max_token_ttl=TTL, skew=SKEW)
    assert summary["dropped"] == [oldest] and summary["old_kid"] == middle
    assert [e["jwk"]["kid"] for e in json.loads(path.read_text())["keys"]] == [middle, summary["new_kid"]]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and not list(path.parent.glob(".*.tmp"))


def test_rotation_parameters_are_checked(path):
    keys = SigningKeys.load_or_create(path)
    with pytest.raises(ValueError):
        keys.rotate(publish_lead=-1)
    with pytest.raises(ValueError):
        keys.rotate(max_token_ttl=0)


def test_rotate_key_file_rotates_the_file_and_refuses_a_missing_one(path, clock):
    SigningKeys.load_or_create(path, clock=clock)
    summary = rotate_key_file(path, publish_lead=LEAD, max_token_ttl=TTL, skew=SKEW, clock=clock)
    assert set(summary) >= {"new_kid", "not_before", "old_kid", "old_retire_after"}
    assert summary["new_kid"] in _kids(SigningKeys.load_or_create(path, clock=clock).jwks())
    with pytest.raises(KeyFileError, match="no signing key file"):
        rotate_key_file(path.with_name("missing.json"))


# -- several processes on one file -------------------------------------------------------------


def test_another_instance_sees_a_rotation_without_restart(path, clock):
    worker_a = SigningKeys.load_or_create(path, clock=clock)
    worker_b = SigningKeys.load_or_create(path, clock=clock)
    assert _kids(worker_a.jwks()) == {worker_b.kid}
    new = worker_b.rotate(publish_lead=LEAD, max_token_ttl=TTL, skew=SKEW)["new_kid"]
    assert new in _kids(worker_a.jwks())  # published by A at once
    clock.now = T0 + LEAD
    assert worker_a.kid == new


def test_a_bad_edit_of_the_file_keeps_the_keys_in_use(path, clock, caplog):
    keys = SigningKeys.load_or_create(path, clock=clock)
    kid = keys.kid
    path.write_text("{ half written")
    assert keys.kid == kid and "not reloaded" in caplog.text


def test_concurrent_rotations_lose_no_key(path, clock):
    SigningKeys.load_or_create(path, clock=clock)
    workers = [SigningKeys.load_or_create(path, clock=clock) for _ in range(8)]
    start = threading.Barrier(len(workers))

    def rotate(worker: SigningKeys) -> str:
        start.wait()
        return worker.rotate(publish_lead=LEAD, max_token_ttl=TTL, skew=SKEW)["new_kid"]

    with ThreadPoolExecutor(len(workers)) as pool:
        new_kids = set(pool.map(rotate, workers))
    in_file = {e["jwk"]["kid"] for e in json.loads(path.read_text())["keys"]}
    assert len(new_kids) == 8 and new_kids <= in_file and len(in_file) == 9
    assert not [name for name in os.listdir(path.parent) if name.endswith(".tmp")]


# -- the drill ---------------------------------------------------------------------------------


class Drill:
    """Step a fake clock through publish → switch → retire in 10 s steps. Each step the gateway
    signs a token; the gateway itself (current keys) and services whose JWKS caches started at
    different moments verify the oldest and newest unexpired token of each key. The services
    cache for 300 s and never refetch sooner (``min_refresh`` = ttl), so a key must already be in
    their cache when its first token arrives."""

    STEP, ROTATE_AT, END = 10, T0 + 250, T0 + 3000
    SERVICE_STARTS = (0, 70, 150, 290)  # caches refreshing at different moments

    def __init__(self, path, clock: Clock, publish_lead: float) -> None:
        self.clock, self.publish_lead = clock, publish_lead
        self.keys = SigningKeys.load_or_create(path, clock=clock)
        self.old_kid, self.old_key = self.keys.kid, self.keys.signing_key().key
        self.gateway = TokenVerifier(JwksSource.from_callable(self.keys.jwks), "stitch", "stitch", clock=clock)
        self.sources: dict[int, JwksSource] = {}
        self.services: dict[int, TokenVerifier] = {}
        self.summary: dict = {}
        self.signed_by: dict[float, str] = {}
        self.refused: list[tuple[float, str, str]] = []
        self.cached_before_switch: dict[int, bool] = {}

    @property
    def switch(self) -> float:
        return self.ROTATE_AT + self.publish_lead

    def run(self) -> Drill:
        clock, issued = self.clock, []
        clock.now = T0
        while clock.now <= self.END:
            for start in self.SERVICE_STARTS:
                if clock.now == T0 + start:
                    source = JwksSource(self.keys.jwks, ttl=SERVICE_CACHE_TTL, min_refresh=SERVICE_CACHE_TTL,
                                        clock=clock)
                    self.sources[start] = source
                    self.services[start] = TokenVerifier(source, "stitch", "stitch", clock=clock)
            if clock.now == self.ROTATE_AT:
                self.summary = self.keys.rotate(publish_lead=self.publish_lead, max_token_ttl=TTL, skew=SKEW)
            if self.summary and clock.now == self.switch - self.STEP:
                new_kid = self.summary["new_kid"]
                self.cached_before_switch = {start: new_kid in {key.kid for key in source.key_set(None).keys}
                                             for start, source in self.sources.items()}
            token = self.keys.sign(_claims(clock.now))
            self.signed_by[clock.now] = _header(token)["kid"]
            issued.append((clock.now + TTL, self.signed_by[clock.now], token))
            for kid, token in _oldest_and_newest_per_key([entry for entry in issued if entry[0] > clock.now]):
                for name, verifier in [("gateway", self.gateway), *self.services.items()]:
                    try:
                        verifier.verify(token)
                    except TokenError as exc:
                        self.refused.append((clock.now, f"{name}/{kid}", str(exc)))
            clock.now += self.STEP
        return self


def test_rotation_drill_no_valid_token_is_ever_refused(path, clock):
    drill = Drill(path, clock, publish_lead=LEAD).run()
    new_kid, old_kid = drill.summary["new_kid"], drill.old_kid
    assert drill.summary["old_kid"] == old_kid
    assert {kid for at, kid in drill.signed_by.items() if at < drill.switch} == {old_kid}
    assert {kid for at, kid in drill.signed_by.items() if at >= drill.switch} == {new_kid}
    assert drill.cached_before_switch == {start: True for start in Drill.SERVICE_STARTS}
    assert drill.refused == []

    # The old key retired at switch + TTL + skew (before the drill ended): even an unexpired token
    # it signed is now refused by the gateway and by every service as an unknown key.
    assert drill.switch + TTL + SKEW < clock.now and old_kid not in _kids(drill.keys.jwks())
    forged = jwt.encode({"alg": "ES256", "kid": old_kid, "typ": "at+jwt"}, _claims(clock.now), drill.old_key)
    for verifier in [drill.gateway, *drill.services.values()]:
        with pytest.raises(TokenError, match="unknown key"):
            verifier.verify(forged)


def test_the_drill_catches_a_switch_before_services_have_the_key(path, clock):
    """Control: signing with the new key at once (no publish lead) gets valid tokens refused by
    services whose cached JWKS predates the rotation, so the drill above can fail."""
    drill = Drill(path, clock, publish_lead=0).run()
    assert drill.refused and all("unknown key" in reason for _, _, reason in drill.refused)


def _oldest_and_newest_per_key(live: list[tuple[float, str, str]]) -> list[tuple[str, str]]:
    """The unexpired tokens worth verifying: per key, its oldest and its newest stand for all."""
    chosen: dict[str, tuple[str, str]] = {}
    for kid in {entry[1] for entry in live}:
        mine = [entry for entry in live if entry[1] == kid]
        for _, _, token in (min(mine), max(mine)):
            chosen[token] = (kid, token)
    return list(chosen.values())


def _iso(value: float) -> str:
    return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")
