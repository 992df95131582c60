"""compose() with the fields customer mail needs: Cc, Bcc, Reply-To, a per-mail From, extra headers."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import formataddr

import pytest

from stitch.common.mail import Delivered, Mail, MaildirReader, MaildirTransport, compose

SENDER = "Stitch <no-reply@stitch.example>"


def a_mail(**changes) -> Mail:
    fields = {"to": "ada@customer.example", "subject": "Kickoff", "text": "Hello"}
    return Mail(**(fields | changes))


def on_the_wire(mail: Mail, sender: str = SENDER):
    return message_from_bytes(compose(mail, sender).as_bytes(), policy=default_policy)


def test_cc_bcc_reply_to_and_extra_headers_are_written():
    message = on_the_wire(a_mail(
        cc=("bob@customer.example", "Carol <carol@customer.example>"), bcc=("audit@lumen.example",),
        reply_to="Maya <maya@lumen.example>",
        headers=(("List-Unsubscribe", "<mailto:help@lumen.example?subject=unsubscribe>"),),
    ))

    assert [a.addr_spec for a in message["Cc"].addresses] == ["bob@customer.example", "carol@customer.example"]
    assert message["Bcc"] == "audit@lumen.example"
    assert message["Reply-To"] == "Maya <maya@lumen.example>"
    assert message["List-Unsubscribe"] == "<mailto:help@lumen.example?subject=unsubscribe>"


def test_absent_optional_fields_write_no_header():
    message = on_the_wire(a_mail())

    for header in ("Cc", "Bcc", "Reply-To", "List-Unsubscribe"):
        assert header not in message


def test_several_to_addresses_with_awkward_names_come_out_right():
    to = ", ".join([formataddr(("Doe, Jane", "jane@customer.example")),
                    formataddr(('Zoë "Z" Ångström', "zoe@customer.example")), "plain@customer.example"])

    message = on_the_wire(a_mail(to=to))

    assert [(a.display_name, a.addr_spec) for a in message["To"].addresses] == [
        ("Doe, Jane", "jane@customer.example"), ('Zoë "Z" Ångström', "zoe@customer.example"),
        ("", "plain@customer.example")]


def test_the_mail_sender_replaces_the_transport_from_and_names_the_message_id_domain():
    message = on_the_wire(a_mail(sender="Maya Chen at Lumen <no-reply@mail.lumen.example>"))

    assert message["From"] == "Maya Chen at Lumen <no-reply@mail.lumen.example>"
    assert message["Message-ID"].endswith("@mail.lumen.example>")


def test_a_given_message_id_is_used_as_it_is():
    assert on_the_wire(a_mail(message_id="<abc.123@stitch.example>"))["Message-ID"] == "<abc.123@stitch.example>"


def test_without_to_only_bcc_no_to_header_is_written():
    message = on_the_wire(a_mail(to="", bcc=("hidden@customer.example",)))

    assert "To" not in message and message["Bcc"] == "hidden@customer.example"


@pytest.mark.parametrize("changes", [
    {"cc": ("bob@customer.example\r\nBcc: everyone@example.com",)},
    {"bcc": ("bob@customer.example\nX-Evil: 1",)},
    {"reply_to": "maya@lumen.example\r\nBcc: everyone@example.com"},
    {"sender": "Stitch <no-reply@stitch.example>\nBcc: everyone@example.com"},
    {"to": "ada@customer.example\r\nBcc: everyone@example.com"},
    {"message_id": "<a@b>\r\nBcc: everyone@example.com"},
    {"headers": (("List-Unsubscribe", "<mailto:a@b>\r\nBcc: everyone@example.com"),)},
])
def test_line_breaks_in_any_header_value_are_refused(changes):
    with pytest.raises(ValueError):
        compose(a_mail(**changes), SENDER)


@pytest.mark.parametrize("name", ["X-A\r\nBcc", "X A", "X:A", "", "From", "bcc", "Subject", "Message-ID",
                                  "Content-Type"])
def test_extra_headers_must_be_field_names_and_not_ones_compose_writes(name):
    with pytest.raises(ValueError):
        compose(a_mail(headers=((name, "value"),)), SENDER)


def test_the_maildir_keeps_bcc_and_returns_the_message_id(tmp_path):
    transport = MaildirTransport(tmp_path, SENDER)

    delivered = transport.deliver(a_mail(cc=("bob@customer.example",), bcc=("audit@lumen.example",),
                                         reply_to="maya@lumen.example"))
    second_id = transport.send(a_mail(subject="Second"))

    assert isinstance(delivered, Delivered) and delivered.refused == ()
    assert delivered.message_id.endswith("@stitch.example>") and second_id != delivered.message_id
    reader = MaildirReader(tmp_path)
    [stored] = [reader.get(s.id) for s in reader.list() if s.subject == "Kickoff"]
    assert stored is not None
    assert (stored.cc, stored.bcc, stored.reply_to) == ("bob@customer.example", "audit@lumen.example",
                                                        "maya@lumen.example")
    raw = next((tmp_path / "new").glob(f"{stored.id}*")).read_bytes()
    assert message_from_bytes(raw, policy=default_policy)["Message-ID"] == delivered.message_id
