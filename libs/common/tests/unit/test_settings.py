import dataclasses
from pathlib import Path

import pytest

from stitch.common.settings import ServiceSettings, SettingsError, load_settings


@dataclasses.dataclass(frozen=True)
class _Settings(ServiceSettings):
    flag: bool = False
    ratio: float = 1.0
    data_dir: Path = Path("data")
    names: tuple[str, ...] = ()
    optional_file: Path | None = None


def test_every_field_kind_is_read_from_stitch_variables():
    environ = {
        "STITCH_HTTP_PORT": "9001",
        "STITCH_RATIO": "0.25",
        "STITCH_FLAG": "Yes",
        "STITCH_DATA_DIR": "/srv/data",
        "STITCH_NAMES": " a, b ,,c ",
        "STITCH_LOG_LEVEL": "DEBUG",
        "STITCH_OPTIONAL_FILE": "/etc/key.json",
        "HTTP_PORT": "1",  # not ours: ignored
    }
    settings = load_settings(_Settings, "svc", environ)
    assert settings.service == "svc"
    assert settings.http_port == 9001 and isinstance(settings.http_port, int)
    assert settings.ratio == 0.25
    assert settings.flag is True
    assert settings.data_dir == Path("/srv/data")
    assert settings.names == ("a", "b", "c")
    assert settings.log_level == "DEBUG"
    assert settings.optional_file == Path("/etc/key.json")


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("on", True), ("TRUE", True),
                                               ("0", False), ("off", False), ("", False)])
def test_booleans(raw, expected):
    assert load_settings(_Settings, "svc", {"STITCH_FLAG": raw}).flag is expected


def test_defaults_apply_when_nothing_is_set():
    settings = load_settings(_Settings, "svc", {})
    assert settings == _Settings(service="svc")
    assert settings.http_port == 8000 and settings.optional_file is None


def test_an_empty_optional_value_means_none_not_the_current_directory():
    assert load_settings(_Settings, "svc", {"STITCH_OPTIONAL_FILE": ""}).optional_file is None


@pytest.mark.parametrize(("name", "raw"), [("STITCH_HTTP_PORT", "eighty"), ("STITCH_FLAG", "maybe"),
                                           ("STITCH_RATIO", "fast")])
def test_unreadable_values_name_the_variable(name, raw):
    with pytest.raises(SettingsError, match=name):
        load_settings(_Settings, "svc", {name: raw})


def test_overrides_win_over_the_environment():
    settings = load_settings(_Settings, "svc", {"STITCH_HTTP_PORT": "9001", "STITCH_FLAG": "bogus"},
                             http_port=1234, flag=True)
    assert settings.http_port == 1234 and settings.flag is True


def test_a_misspelt_override_is_refused():
    with pytest.raises(SettingsError, match="htp_port"):
        load_settings(_Settings, "svc", {}, htp_port=1)


def test_reads_os_environ_by_default(monkeypatch):
    monkeypatch.setenv("STITCH_RELAY_BATCH", "7")
    assert load_settings(_Settings, "svc").relay_batch == 7


def test_sqlalchemy_url_defaults_to_a_sqlite_file_under_var_dir(tmp_path):
    settings = load_settings(_Settings, "accounts", {"STITCH_VAR_DIR": str(tmp_path)})
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path.resolve()}/db/accounts.sqlite"
    explicit = load_settings(_Settings, "accounts", {"STITCH_DATABASE_URL": "postgresql://h/db"})
    assert explicit.sqlalchemy_url == "postgresql://h/db"


@pytest.mark.parametrize(("url", "embedded"), [("filesystem://", True), ("memory://", True),
                                               ("amqp://guest@rabbit//", False)])
def test_embedded_broker(url, embedded):
    assert load_settings(_Settings, "svc", {"STITCH_BROKER_URL": url}).embedded_broker is embedded
