"""JWT negative suite at a service (reliability-security §4.3, goal A6; RFC 8725): the templates
service verifies tokens itself, so a forged token that somehow got past the gateway (or went
around it) is refused here too.

Every case is answered 401 with a problem+json body and ``WWW-Authenticate: Bearer`` and
creates nothing. The positive controls show a genuine token, and the forging helper's own
untampered output, create a template through the same request, so each case fails for its one
defect."""

from __future__ import annotations

import pytest

from stitch.common.testing.fakes import TestKeys
from stitch.common.testing.forged_tokens import Kit, forged_token_cases

PROTECTED = "/api/templates/templates"

CASES = forged_token_cases(viewer=True)


@pytest.fixture
def kit(test_keys) -> Kit:
    return Kit(good=test_keys.token(role="admin"), key=test_keys.key, kid=test_keys.kid,
               public_jwk=test_keys.jwks()["keys"][0], attacker=TestKeys(kid="attacker-1").key, other_org="org-2",
               viewer=test_keys.token(role="viewer"))


def _create(client, token: str):
    return client.post(PROTECTED, json={"name": "Kick-off"}, headers={"Authorization": f"Bearer {token}"})


def test_a_genuine_token_gets_through(client, kit, uow):
    assert _create(client, kit.good).status_code == 201 and len(uow.published) == 1


def test_the_forging_kit_untampered_gets_through(client, kit, uow):
    """So each case below fails for its one defect: the kit's own signing is sound, and the
    tampered claims would pass had they been signed."""
    assert _create(client, kit.sign()).status_code == 201
    assert _create(client, kit.with_claims(org=kit.other_org)).status_code == 201
    assert [event.orgid for event in uow.published] == ["org-1", "org-2"]


def test_the_viewer_whose_role_is_forged_below_may_not_create(client, kit, uow):
    assert _create(client, kit.viewer).status_code == 403 and uow.published == []


@pytest.mark.parametrize(("forge", "reason"), [pytest.param(f, r, id=name) for name, f, r in CASES])
def test_a_bad_token_is_refused_by_the_service(client, kit, uow, forge, reason):
    token = forge(kit)
    response = _create(client, token)
    assert response.status_code == 401, response.get_json()
    assert reason in response.get_json()["detail"]
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert uow.published == [] and not uow.templates.rows  # nothing was created
    assert token not in response.get_data(as_text=True)
