"""The accounts API over the in-memory fakes: a client, an organization that knows a published
revision and a CSM, and signed tokens of each role (``headers("viewer")``)."""

from __future__ import annotations

import pytest

from stitch.accounts.entrypoints.http import create_app

ORG, ADMIN, CSM = "org-1", "user-admin", "user-csm"
BASE = "/api/accounts/accounts"


@pytest.fixture
def client(runtime):
    return create_app(runtime).test_client()


@pytest.fixture
def headers(test_keys):
    def headers(role: str = "admin", org: str = ORG, **extra: str) -> dict[str, str]:
        sub = {"admin": ADMIN, "csm": CSM}.get(role, f"user-{role}")
        return {**test_keys.bearer(role=role, org=org, sub=sub), **extra}
    return headers


@pytest.fixture
def new_account(seeded):
    def new_account(**overrides) -> dict:
        return {"company_name": "Acme", "arr": 48000, "close_date": "2026-11-20", "crm_source": "hubspot",
                "external_id": "deal-1",
                "contacts": [{"name": "Jo Doe", "email": "jo@acme.test"}], "template_id": seeded.template_id,
                "csm_id": CSM, **overrides}
    return new_account


@pytest.fixture
def create(client, headers, new_account):
    """POST an account as the org's admin; the answer's body (the staff view)."""
    def create(**overrides) -> dict:
        response = client.post(BASE, json=new_account(**overrides), headers=headers())
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return create
