"""Where security mail goes: the Maildir and its /dev/mail page only in embedded dev mode."""

from __future__ import annotations

from stitch.common.testing.waiting import eventually
from stitch.gateway import config
from stitch.gateway.bootstrap import bootstrap
from stitch.gateway.entrypoints.http import create_app

from gateway.tests.conftest import FakeIdentityUnitOfWork, fast_passwords


def app_with(tmp_path, keys, **settings):
    """The gateway as the bootstrap composes it from settings: no mailer handed in."""
    uow = FakeIdentityUnitOfWork()
    runtime = bootstrap(config.load(var_dir=tmp_path, **settings), uow=lambda: uow, keys=keys,
                        probe=lambda urls: {}, dns=lambda name: [], passwords=fast_passwords())
    return create_app(runtime).test_client(), runtime


def test_embedded_mode_mails_into_the_maildir_the_dev_mailbox_shows(tmp_path, keys):
    client, runtime = app_with(tmp_path, keys, env="dev", public_url="http://localhost:18080")
    assert runtime.use_cases["dev_mailbox_directory"]() == tmp_path / "mail"
    assert client.post("/auth/signup", json={"email": "jane@acme.test"}).status_code == 202

    def arrived():
        items = client.get("/dev/mail", headers={"Accept": "application/json"}).get_json()["items"]
        return items or None
    [item] = eventually(arrived, timeout=5, what="the verification mail in the Maildir")
    mail = client.get(f"/dev/mail/{item['id']}", headers={"Accept": "application/json"}).get_json()
    assert item["to"] == "jane@acme.test"
    assert mail["links"][0].startswith("http://localhost:18080/auth/verify-email#token=")  # the public URL


def test_the_dev_mailbox_is_absent_outside_dev_and_with_smtp(tmp_path, keys):
    production, _ = app_with(tmp_path, keys, env="production")
    assert production.get("/dev/mail").status_code == 401  # not a public route outside dev …
    smtp, runtime = app_with(tmp_path, keys, env="dev", mail_url="smtp://mail.acme.test:587")
    assert runtime.use_cases["dev_mailbox_directory"]() is None
    assert smtp.get("/dev/mail").status_code == 404  # … and no page when mail really goes out


def test_no_dev_mailbox_for_a_suite_addressed_from_elsewhere(tmp_path, keys):
    """Dev settings left on a server (no STITCH_MAIL_URL) must not publish live links."""
    client, _ = app_with(tmp_path, keys, env="dev", public_url="https://stitch.acme.com")
    assert client.get("/dev/mail").status_code == 404
