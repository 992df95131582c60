"""Provider definitions load from the packaged providers.toml."""

from __future__ import annotations

from importlib import resources

import pytest

from stitch.connectors.adapters.provider_registry import ProviderDefinitionError, load_definitions


def test_slack_is_defined_against_slack_com_with_pkce_and_least_privilege() -> None:
    slack = load_definitions()["slack"]

    assert (slack.name, slack.title, slack.pkce) == ("slack", "Slack", True)
    assert slack.authorize_url == "https://slack.com/oauth/v2/authorize"
    assert slack.token_url == "https://slack.com/api/oauth.v2.access"
    assert slack.revoke_url == "https://slack.com/api/auth.revoke"
    assert slack.api_url == "https://slack.com/api/"
    assert slack.scope_names == ("chat:write",)
    assert slack.purpose


def test_a_base_url_override_moves_every_endpoint() -> None:
    slack = load_definitions({"slack": "http://127.0.0.1:5123/"})["slack"]
    assert slack.authorize_url == "http://127.0.0.1:5123/oauth/v2/authorize"
    assert slack.token_url == "http://127.0.0.1:5123/api/oauth.v2.access"
    assert slack.revoke_url == "http://127.0.0.1:5123/api/auth.revoke"
    assert slack.api_url == "http://127.0.0.1:5123/api/"


def test_an_override_for_an_unknown_provider_is_refused_rather_than_ignored() -> None:
    with pytest.raises(ProviderDefinitionError, match="slak"):
        load_definitions({"slak": "http://127.0.0.1:1"})


def test_every_scope_of_every_provider_says_why_in_a_sentence() -> None:
    definitions = load_definitions()
    assert definitions
    for definition in definitions.values():
        assert definition.scopes, definition.name
        for scope in definition.scopes:
            assert len(scope.why.split()) >= 4, (definition.name, scope.name)


def test_the_definitions_file_is_package_data() -> None:
    # Read the way an installed wheel is read: through the package, not a path in the source tree.
    packaged = resources.files("stitch.connectors.adapters").joinpath("providers.toml")
    assert packaged.is_file()
    assert "[slack]" in packaged.read_text(encoding="utf-8")
