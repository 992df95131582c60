from __future__ import annotations

import logging
import threading
from datetime import datetime
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest

from stitch.common.mail import (
    BackgroundMailer, Mail, MaildirReader, MaildirTransport, SmtpTransport, compose, find_links,
    is_maildir, maildir_directory, split_links, transport_from_url,
)
from stitch.common.settings import SettingsError

SENDER = "Stitch <no-reply@stitch.example>"
LINK = "https://app.stitch.example/verify?token=s3cret-token"


def a_mail(**changes) -> Mail:
    fields = {"to": "ada@customer.example", "subject": "Verify your email",
              "text": f"Hello,\nopen {LINK}.\nThanks", "html": f'<p><a href="{LINK}">Verify</a></p>'}
    return Mail(**(fields | changes))


# compose


def test_compose_sets_the_headers_and_both_parts():
    message = message_from_bytes(compose(a_mail(), SENDER).as_bytes(), policy=default_policy)

    assert message["From"] == SENDER
    assert message["To"] == "ada@customer.example"
    assert message["Subject"] == "Verify your email"
    assert message["Date"].datetime is not None  # "-0000": UTC, the reader makes it aware
    assert message["Message-ID"].endswith("@stitch.example>")
    assert message.get_content_type() == "multipart/alternative"
    assert LINK in message.get_body(preferencelist=("plain",)).get_content()
    assert LINK in message.get_body(preferencelist=("html",)).get_content()


def test_compose_without_html_is_a_single_text_part():
    message = compose(a_mail(html=None), SENDER)

    assert message.get_content_type() == "text/plain"
    assert not message.is_multipart()


def test_compose_refuses_a_header_injection():
    with pytest.raises(ValueError):
        compose(a_mail(subject="Hi\r\nBcc: everyone@example.com"), SENDER)


# links


def test_links_are_found_in_order_without_trailing_punctuation_and_once_each():
    text = (f"Open {LINK}. Or (https://b.example/x), <https://c.example/y>, "
            f"https://d.example/z?a=1&b=2, again {LINK}! Not ftp://e.example or http://.")

    assert find_links(text) == [LINK, "https://b.example/x", "https://c.example/y", "https://d.example/z?a=1&b=2"]


def test_split_links_keeps_every_character():
    text = f"see {LINK}, then <https://c.example/>."

    pieces = split_links(text)

    assert "".join(piece for piece, _ in pieces) == text
    assert [piece for piece, is_link in pieces if is_link] == [LINK, "https://c.example/"]


# Maildir


def test_maildir_round_trip(tmp_path):
    directory = tmp_path / "var" / "mail"  # parents are created as needed
    MaildirTransport(directory, SENDER).send(a_mail())

    assert len(list((directory / "new").iterdir())) == 1
    [summary] = MaildirReader(directory).list()
    assert (summary.to, summary.sender, summary.subject) == ("ada@customer.example", SENDER, "Verify your email")
    assert isinstance(summary.date, datetime) and summary.date.tzinfo is not None
    stored = MaildirReader(directory).get(summary.id)
    assert stored is not None
    assert stored.id == summary.id
    assert stored.text.startswith("Hello,\nopen ")
    assert stored.html is not None and f'href="{LINK}"' in stored.html
    assert stored.links == [LINK]


def test_a_text_only_mail_reads_back_without_html(tmp_path):
    MaildirTransport(tmp_path, SENDER).send(a_mail(html=None))

    [summary] = MaildirReader(tmp_path).list()
    stored = MaildirReader(tmp_path).get(summary.id)
    assert stored is not None and stored.html is None and stored.links == [LINK]


def test_the_list_is_newest_first(tmp_path):
    transport = MaildirTransport(tmp_path, SENDER)
    for n in range(5):  # the same second: the delivery order must still decide
        transport.send(a_mail(subject=f"mail {n}"))

    assert [s.subject for s in MaildirReader(tmp_path).list()] == [f"mail {n}" for n in reversed(range(5))]


def test_a_missing_maildir_is_an_empty_mailbox(tmp_path):
    reader = MaildirReader(tmp_path / "nothing-yet")

    assert reader.list() == []
    assert reader.get("1700000000.M1P1Q1.host") is None


@pytest.mark.parametrize("mail_id", ["", "../../etc/passwd", "new/x", "a b", "x" * 201, "/abs", "ok\n"])
def test_bad_ids_are_refused(tmp_path, mail_id):
    MaildirTransport(tmp_path, SENDER).send(a_mail())

    assert MaildirReader(tmp_path).get(mail_id) is None


def test_an_unknown_id_is_none(tmp_path):
    MaildirTransport(tmp_path, SENDER).send(a_mail())

    assert MaildirReader(tmp_path).get("1700000000.M1P1Q1.elsewhere") is None


def test_maildir_transport_is_safe_from_several_threads(tmp_path):
    transport = MaildirTransport(tmp_path, SENDER)
    threads = [threading.Thread(target=transport.send, args=(a_mail(subject=f"t{n}"),)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(s.subject for s in MaildirReader(tmp_path).list()) == sorted(f"t{n}" for n in range(8))


# transport_from_url


def test_empty_url_is_a_maildir_under_var(tmp_path):
    transport = transport_from_url("", SENDER, tmp_path)

    assert isinstance(transport, MaildirTransport)
    assert transport.directory == tmp_path / "mail"
    assert is_maildir(transport)


def test_maildir_url_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    relative = transport_from_url("maildir:some/mail", SENDER, Path("var"))
    absolute = transport_from_url("maildir:/srv/mail", SENDER, Path("var"))

    assert relative.directory == tmp_path / "some" / "mail"
    assert absolute.directory == Path("/srv/mail")


@pytest.mark.parametrize(("url", "host", "port", "security", "username", "password"), [
    ("smtp://mail.example.com", "mail.example.com", 587, "starttls", None, None),
    ("smtp://mail.example.com:2525?security=none", "mail.example.com", 2525, "none", None, None),
    ("smtp://mail.example.com?security=starttls", "mail.example.com", 587, "starttls", None, None),
    ("smtp://bob%40corp:p%40ss%3Aw0rd@mail.example.com:25", "mail.example.com", 25, "starttls", "bob@corp", "p@ss:w0rd"),
    ("smtps://mail.example.com", "mail.example.com", 465, "ssl", None, None),
    ("smtps://u:pw@[::1]:4650", "::1", 4650, "ssl", "u", "pw"),
])
def test_smtp_urls(url, host, port, security, username, password):
    transport = transport_from_url(url, SENDER, Path("var"))

    assert isinstance(transport, SmtpTransport)
    assert (transport.host, transport.port, transport.security) == (host, port, security)
    assert (transport.username, transport._password) == (username, password)
    assert transport.sender == SENDER
    assert not is_maildir(transport)
    if password:
        assert password not in repr(transport)


@pytest.mark.parametrize("url", [
    "http://user:hunter2secret@mail.example.com",
    "hunter2secret",
    "smtp://user:hunter2secret@",
    "smtp://user:hunter2secret@:25",
    "smtp://user:hunter2secret@mail.example.com:notaport",
    "smtp://user:hunter2secret@mail.example.com:99999",
    "smtp://user:hunter2secret@mail.example.com?security=ssl",
    "smtp://user:hunter2secret@mail.example.com?verify=no",
    "smtps://user:hunter2secret@mail.example.com?security=none",
    "smtps:///",
    "maildir:",
])
def test_bad_urls_name_the_variable_and_never_the_password(url):
    with pytest.raises(SettingsError) as raised:
        transport_from_url(url, SENDER, Path("var"))

    assert "STITCH_MAIL_URL" in str(raised.value)
    assert "hunter2secret" not in str(raised.value)
    assert raised.value.__cause__ is None or "hunter2secret" not in str(raised.value.__cause__)


def test_is_maildir_looks_through_the_background_mailer(tmp_path):
    mailer = BackgroundMailer(MaildirTransport(tmp_path, SENDER))

    assert is_maildir(mailer)
    assert maildir_directory(mailer) == tmp_path
    assert not is_maildir(BackgroundMailer(SmtpTransport("mail.example.com", 587, SENDER)))


# BackgroundMailer


class Recording:
    def __init__(self, failures: int = 0, gate: threading.Event | None = None):
        self.sent: list[Mail] = []
        self.calls = 0
        self.failures = failures
        self.gate = gate

    def send(self, mail: Mail) -> None:
        self.calls += 1
        if self.gate is not None:
            assert self.gate.wait(5)
        if self.calls <= self.failures:
            raise ConnectionRefusedError(f"cannot reach the server for {mail.to}")
        self.sent.append(mail)


def test_send_returns_before_delivery_and_flush_waits_for_it():
    gate = threading.Event()
    transport = Recording(gate=gate)
    mailer = BackgroundMailer(transport)

    mailer.send(a_mail())  # would hang here if delivery were synchronous

    assert transport.sent == []
    assert mailer.flush(timeout=0.05) is False
    gate.set()
    assert mailer.flush(timeout=5) is True
    assert transport.sent == [a_mail()]
    mailer.close()


def test_the_worker_starts_on_the_first_send_only():
    before = threading.active_count()
    mailer = BackgroundMailer(Recording())

    assert threading.active_count() == before
    assert mailer.flush(timeout=0) is True  # nothing queued: nothing to wait for
    mailer.send(a_mail())
    assert mailer.flush()
    mailer.close()


def test_failures_are_retried():
    transport = Recording(failures=2)
    mailer = BackgroundMailer(transport, attempts=3, backoff=0.001)

    mailer.send(a_mail())

    assert mailer.flush()
    assert transport.calls == 3 and transport.sent == [a_mail()]
    mailer.close()


def test_after_the_last_attempt_the_mail_is_dropped_and_logged_without_secrets(caplog):
    transport = Recording(failures=99)
    mailer = BackgroundMailer(transport, attempts=3, backoff=0.001)

    with caplog.at_level(logging.WARNING, logger="stitch.common.mail"):
        mailer.send(a_mail())
        mailer.send(a_mail(to="bob@other.example", subject="Reset your password"))
        assert mailer.flush()

    assert transport.calls == 6 and transport.sent == []
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert "customer.example" in errors[0] and "Verify your email" in errors[0]
    for record in caplog.records:
        text = record.getMessage() + str(record.exc_info or "")
        assert "ada@" not in text and "bob@" not in text and "s3cret-token" not in text and "Hello" not in text
    mailer.close()


def test_close_delivers_what_is_queued_then_refuses_more():
    transport = Recording()
    mailer = BackgroundMailer(transport)
    for n in range(3):
        mailer.send(a_mail(subject=f"m{n}"))

    mailer.close()

    assert [m.subject for m in transport.sent] == ["m0", "m1", "m2"]
    with pytest.raises(RuntimeError):
        mailer.send(a_mail())
    mailer.close()  # twice is fine


def test_a_maildir_still_being_made_reads_as_empty(tmp_path):
    """The first send makes tmp/, new/ and cur/ in turn; the dev mailbox may read in between."""
    (tmp_path / "mail" / "new").mkdir(parents=True)
    reader = MaildirReader(tmp_path / "mail")
    assert reader.list() == [] and reader.get("1.M1P1Q1.host") is None
