import pytest

from stitch.gateway.application.routes import is_public


@pytest.mark.parametrize("path", ["/healthz", "/ops/health", "/.well-known/jwks.json", "/auth/login",
                                  "/api/templates/openapi.json", "/api/accounts/docs", "/webhooks/hubspot/abc",
                                  "/oauth/hubspot/callback", "/portal/acme/", "/handoff/xyz"])
def test_public_paths(path):
    assert is_public(path, dev=False)


@pytest.mark.parametrize("path", ["/api/templates/templates", "/api/accounts/template-catalog", "/ops/healthz",
                                  "/api/templates/docsx", "/auth/dev/token", "/auth/login/../../api/x", "/dev/mail",
                                  "/"])
def test_everything_else_needs_a_token(path):
    assert not is_public(path, dev=False)


def test_dev_only_routes_are_public_only_in_dev():
    assert is_public("/dev/mail", dev=True) and not is_public("/auth/dev/token", dev=True)
