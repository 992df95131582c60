"""JWT negative suite at the gateway edge (reliability-security §4.3, goal A6; RFC 8725).

Every forged, stale or misaddressed token on a protected route is answered 401 with a
problem+json body and ``WWW-Authenticate: Bearer``, and nothing reaches the service behind. The
positive controls show a genuine token, and the forging helper's own untampered output, get
through the same route, so each case fails for its one defect."""

from __future__ import annotations

import pytest

from stitch.common.testing.fakes import TestKeys
from stitch.common.testing.forged_tokens import Kit, forged_token_cases

PROTECTED = "/api/templates/templates"

CASES = forged_token_cases(real_key="gateway key")


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


def test_the_forging_kit_untampered_gets_through(client, kit, forwarder, acme, globex):
    """So each case below fails for its one defect: the kit's own signing is sound, and the
    tampered claims would pass had they been signed (by a real user of the other org, or a real
    admin: the gateway also checks that the token's user still exists with that role)."""
    assert _get(client, kit.sign()).status_code == 200
    assert _get(client, kit.with_claims(org=kit.other_org, sub=globex[1].id, role="admin")).status_code == 200
    assert _get(client, kit.with_claims(role="admin", sub=acme[1]["admin"].id)).status_code == 200
    assert len(forwarder.calls) == 3


def test_a_signed_token_of_a_user_who_does_not_exist_is_refused(client, kit, forwarder):
    assert _get(client, kit.with_claims(role="admin", sub="someone-else")).status_code == 401
    assert _get(client, kit.with_claims(org=kit.other_org)).status_code == 401  # not a user of that org
    assert forwarder.calls == []


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
