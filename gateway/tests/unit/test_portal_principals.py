"""Portal principals from the portal's contact_invited event, and the tokens they get."""

import json
from pathlib import Path

import pytest

from stitch.common.envelope import Envelope
from stitch.common.messaging.errors import PermanentFailure
from stitch.common.tokens import JwksSource, TokenVerifier

EXAMPLE = json.loads((Path(__file__).resolve().parents[3] / "docs" / "events" / "portal.contact_invited.v1.json")
                     .read_text())["examples"][0]


def _invite(runtime, uow, org_id, **data):
    body = {**EXAMPLE, "orgid": org_id, "data": {**EXAMPLE["data"], **data}}
    envelope = Envelope.from_dict(body)
    with uow:
        runtime.event_handlers["portal.contact_invited.v1"](envelope, uow)
        uow.commit()


def test_the_documented_event_creates_a_principal_once(runtime, uow, acme):
    org, _ = acme
    _invite(runtime, uow, org.id)
    _invite(runtime, uow, org.id)  # invited again: still one principal
    [principal] = uow.state["portal_principals"].values()
    assert principal.org_id == org.id and principal.account_id == EXAMPLE["data"]["account_id"]
    assert principal.email == "dana@customer.example"


@pytest.mark.parametrize("change", [{"email": "not-an-email"}, {"account_id": None}])
def test_a_bad_event_is_a_permanent_failure(runtime, uow, acme, change):
    data = {k: v for k, v in {**EXAMPLE["data"], **change}.items() if v is not None}
    body = {**EXAMPLE, "orgid": acme[0].id, "data": data}
    with pytest.raises(PermanentFailure), uow:
        runtime.event_handlers["portal.contact_invited.v1"](Envelope.from_dict(body), uow)


def test_an_event_for_an_unknown_org_is_a_permanent_failure(runtime, uow):
    with pytest.raises(PermanentFailure, match="unknown organization"), uow:
        runtime.event_handlers["portal.contact_invited.v1"](Envelope.from_dict(EXAMPLE), uow)


def test_a_contact_token_is_bound_to_the_account_and_refused_by_staff_endpoints(runtime, uow, acme, client, forwarder):
    _invite(runtime, uow, acme[0].id)
    [principal] = uow.state["portal_principals"].values()
    token = runtime.use_cases["issue_portal_token"](principal.id)["access_token"]
    jwks = client.get("/.well-known/jwks.json").get_json()
    contact = TokenVerifier(JwksSource.static(jwks), "stitch", "stitch-portal").verify(token)
    assert contact.account_id == EXAMPLE["data"]["account_id"] and contact.role == "contact"
    for path in ("/api/templates/templates", "/api/gateway/me", "/api/gateway/users"):
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and response.content_type == "application/problem+json"
    assert forwarder.calls == []


def test_no_token_for_an_unknown_principal(runtime):
    assert runtime.use_cases["issue_portal_token"]("00000000-0000-4000-8000-000000000000") is None
