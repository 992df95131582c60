"""The connectors service boots through bootstrap() with fakes, and refuses to start without a token key outside dev."""

import pytest

from stitch.common.settings import SettingsError
from stitch.common.testing.fakes import FakeUnitOfWork
from stitch.connectors import config
from stitch.connectors.bootstrap import bootstrap
from stitch.connectors.entrypoints.http import create_app

KEYS = "k1:" + "A" * 43 + "="


def test_connectors_serves_health_and_its_api_document(test_keys, tmp_path):
    settings = config.load(var_dir=tmp_path, token_keys=KEYS)
    runtime = bootstrap(settings, uow=lambda: FakeUnitOfWork("connectors"), verifier=test_keys.verifier())
    client = create_app(runtime).test_client()
    assert client.get("/healthz").get_json() == {"status": "alive"}
    assert client.get("/readyz").status_code == 200  # no database to check when faked
    assert client.get("/api/connectors/openapi.json").get_json()["info"]["title"] == "Stitch connectors"


def test_outside_dev_a_missing_token_key_stops_the_start(test_keys, tmp_path):
    settings = config.load(var_dir=tmp_path, env="prod", token_keys="")
    with pytest.raises(SettingsError, match="STITCH_TOKEN_KEYS is required"):
        bootstrap(settings, uow=lambda: FakeUnitOfWork("connectors"), verifier=test_keys.verifier())


def test_in_dev_a_key_is_made_once_and_kept_under_var(test_keys, tmp_path):
    settings = config.load(var_dir=tmp_path, env="dev", token_keys="")
    first = bootstrap(settings, uow=lambda: FakeUnitOfWork("connectors"), verifier=test_keys.verifier())
    kept = (tmp_path / "keys" / "connectors-token-keys")
    assert kept.stat().st_mode & 0o077 == 0  # readable by its owner only
    entry = kept.read_text()
    bootstrap(settings, uow=lambda: FakeUnitOfWork("connectors"), verifier=test_keys.verifier())
    assert entry.startswith("dev1:") and kept.read_text() == entry  # the second start reuses it
    assert first.settings.token_keys == ""  # the key stays in its file, not in the settings


def test_settings_never_show_their_secrets():
    shown = repr(config.load(token_keys=KEYS, slack_client_secret="s3cr3t-value", mail_url="smtp://u:pw@h:587"))
    assert "s3cr3t-value" not in shown and "AAAA" not in shown and ":pw@" not in shown
