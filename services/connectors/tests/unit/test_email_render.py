"""render(): an OutgoingEmail as a branded Mail, with nothing from the input turning into markup."""

from __future__ import annotations

import dataclasses
import re
from email import message_from_bytes
from email.policy import default as default_policy
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stitch.common.mail import compose
from stitch.connectors.adapters.email_render import render
from stitch.connectors.domain.messages import Branding, OutgoingEmail, Person

SENDER = "no-reply@mail.stitch.example"
LUMEN = Branding(company_name="Lumen", logo_url="https://cdn.lumen.example/logo.png", primary_color="#112233",
                 accent_color="#aa00ff", support_email="help@lumen.example")


def an_email(**changes) -> OutgoingEmail:
    fields = {"from_name": "Maya Chen", "reply_to": "maya@lumen.example",
              "to": (Person("Ada Lovelace", "ada@customer.example"),), "cc": (), "bcc": (),
              "subject": "Your kickoff", "body_markdown": "Hello Ada,\n\nSee you soon.", "notification": False,
              "branding": LUMEN}
    return OutgoingEmail(**(fields | changes))


def rendered(**changes):
    mail = render(an_email(**changes), sender_address=SENDER)
    return mail, message_from_bytes(compose(mail, "Stitch <fallback@stitch.example>").as_bytes(),
                                    policy=default_policy)


class Markup(HTMLParser):
    """Every tag and attribute the HTML part really contains, as a browser would parse it."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def body_markup(html: str) -> Markup:
    return Markup(html.split("<p", 1)[1].rsplit("</p>", 1)[0])  # the body's paragraphs only


# From, To, Cc, Bcc, Reply-To


@pytest.mark.parametrize(("from_name", "company", "display"), [
    ("Maya Chen", "Lumen", "Maya Chen at Lumen"),
    ("Lumen", "Lumen", "Lumen"),
    ("Maya Chen", "", "Maya Chen"),
    ("", "Lumen", "Lumen"),
])
def test_the_display_name_names_the_writer_and_the_company(from_name, company, display):
    _, message = rendered(from_name=from_name, branding=dataclasses.replace(LUMEN, company_name=company))

    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (display, SENDER)


def test_the_from_address_is_always_the_configured_sender_and_replies_go_to_the_csm():
    mail, message = rendered(from_name="Maya <maya@evil.example>", reply_to="maya@lumen.example")

    [sender] = message["From"].addresses
    assert sender.addr_spec == SENDER and mail.sender is not None
    assert message["Reply-To"] == "maya@lumen.example"


def test_names_with_commas_quotes_and_accents_come_out_right():
    people = (Person("Doe, Jane", "jane@customer.example"), Person('Zoë "Z" Ångström', "zoe@customer.example"),
              Person("", "plain@customer.example"))

    _, message = rendered(to=people, cc=(Person("Ōtani, Shō", "sho@customer.example"),),
                          bcc=(Person("Audit", "audit@lumen.example"),))

    assert [(a.display_name, a.addr_spec) for a in message["To"].addresses] == [
        ("Doe, Jane", "jane@customer.example"), ('Zoë "Z" Ångström', "zoe@customer.example"),
        ("", "plain@customer.example")]
    assert [(a.display_name, a.addr_spec) for a in message["Cc"].addresses] == [("Ōtani, Shō", "sho@customer.example")]
    assert [a.addr_spec for a in message["Bcc"].addresses] == ["audit@lumen.example"]


def test_line_breaks_in_names_and_the_subject_become_spaces():
    mail, message = rendered(from_name="Maya\r\nBcc: x@evil.example", subject="Kickoff\r\nBcc: x@evil.example",
                             to=(Person("Ada\nLovelace", "ada@customer.example"),))

    assert message["Subject"] == "Kickoff Bcc: x@evil.example"
    assert "Bcc" not in message
    assert message["To"].addresses[0].display_name == "Ada Lovelace"


def test_the_message_id_uses_the_sender_domain():
    mail, message = rendered()

    assert re.fullmatch(r"<[^@<>]+@mail\.stitch\.example>", mail.message_id or "")
    assert message["Message-ID"] == mail.message_id
    assert render(an_email(), sender_address=SENDER).message_id != mail.message_id


# List-Unsubscribe


def test_only_notifications_carry_list_unsubscribe():
    _, action_mail = rendered(notification=False)
    _, notification = rendered(notification=True)

    assert "List-Unsubscribe" not in action_mail
    assert notification["List-Unsubscribe"] == "<mailto:help@lumen.example?subject=unsubscribe>"


@pytest.mark.parametrize(("support_email", "reply_to", "target"), [
    (None, "maya@lumen.example", "maya@lumen.example"),
    (None, None, SENDER),
    ("not an address", None, SENDER),
])
def test_the_unsubscribe_address_falls_back_to_the_csm_then_the_sender(support_email, reply_to, target):
    _, message = rendered(notification=True, reply_to=reply_to,
                          branding=dataclasses.replace(LUMEN, support_email=support_email))

    assert message["List-Unsubscribe"] == f"<mailto:{target}?subject=unsubscribe>"


# the two parts


def test_both_parts_are_present_and_the_text_is_the_markdown_with_a_footer():
    mail, message = rendered(body_markdown="Hello **Ada**,\n\nSee [the plan](https://lumen.example/plan).")

    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Hello **Ada**,\n\nSee [the plan](https://lumen.example/plan).\n")
    assert "Questions? Write to help@lumen.example" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<strong>Ada</strong>" in html and "Write to" in html


def test_without_a_support_email_the_footer_does_not_invite_questions():
    mail, _ = rendered(branding=dataclasses.replace(LUMEN, support_email=None))

    assert "Questions?" not in mail.text and "Questions?" not in (mail.html or "")


def test_paragraphs_and_line_breaks():
    mail, _ = rendered(body_markdown="One\ntwo\n\n\nThree\r\n\r\nFour")

    paragraphs = re.findall(r"<p [^>]*>(.*?)</p>", mail.html or "", re.S)
    assert paragraphs == ["One<br>\ntwo", "Three", "Four"]


def test_bold_italic_and_links_in_the_accent_colour():
    mail, _ = rendered(body_markdown="**Due** *Friday*: [the **plan**](https://lumen.example/p?a=1&b=2), "
                                     "https://lumen.example/x. or mailto:maya@lumen.example")

    markup = body_markup(mail.html or "")
    assert [a["href"] for a in markup.named("a")] == ["https://lumen.example/p?a=1&b=2", "https://lumen.example/x",
                                                       "mailto:maya@lumen.example"]
    assert all("color:#aa00ff" in (a["style"] or "") for a in markup.named("a"))
    assert "<strong>Due</strong> <em>Friday</em>" in (mail.html or "")
    assert ">the <strong>plan</strong></a>" in (mail.html or "")
    assert "https://lumen.example/x</a>. or" in (mail.html or "")  # the full stop is not part of the link


@pytest.mark.parametrize("body", [
    "[click](javascript:alert(1))",
    "[click](javascript:alert`1`)",
    "[click](JavaScript:alert`1`)",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "[click](/relative/path)",
    "[click](vbscript:msgbox)",
    "javascript:alert(1)",
    "ftp://files.example/x",
    "https://[",
    "[x](https://[::1)",
])
def test_only_http_https_and_mailto_become_links(body):
    mail, _ = rendered(body_markdown=body)

    markup = body_markup(mail.html or "")
    assert markup.named("a") == []
    assert markup.tags == []  # the text is shown as written


@pytest.mark.parametrize("body", [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '"><b onmouseover=alert(1)>x</b>',
    '[x](https://ok.example/"onmouseover="alert(1))',
    '[<img src=x>](https://ok.example/)',
    'https://ok.example/"><script>alert(1)</script>',
    "**<i>bold</i>** *<u>it</u>*",
])
def test_nothing_in_the_body_becomes_markup(body):
    mail, _ = rendered(body_markdown=body)

    markup = body_markup(mail.html or "")
    assert {tag for tag, _ in markup.tags} <= {"a", "strong", "em", "br"}
    for tag, attributes in markup.tags:
        assert set(attributes) <= ({"href", "style"} if tag == "a" else set())
        assert not any(name.startswith("on") for name in attributes)


def test_names_and_the_subject_are_escaped_in_the_html():
    brand = dataclasses.replace(LUMEN, company_name='<b>Evil</b> "Co"', logo_url=None,
                                support_email="help@lumen.example")

    mail, _ = rendered(subject="<script>x</script>", branding=brand)

    tags = {tag for tag, _ in Markup(mail.html or "").tags}
    assert "script" not in tags and "b" not in tags
    assert "&lt;b&gt;Evil&lt;/b&gt; &quot;Co&quot;" in (mail.html or "")


@pytest.mark.parametrize(("primary", "accent", "used_primary", "used_accent"), [
    ("#112233", "#AA00ff", "#112233", "#AA00ff"),
    ("red", "#12345", "#1f2937", "#2563eb"),
    ("#112233;background:url(https://evil.example/)", "#aa00ff\n", "#1f2937", "#2563eb"),
    ("", "javascript:x", "#1f2937", "#2563eb"),
])
def test_colours_are_validated_else_the_defaults_are_used(primary, accent, used_primary, used_accent):
    mail, _ = rendered(body_markdown="see https://lumen.example",
                       branding=dataclasses.replace(LUMEN, primary_color=primary, accent_color=accent))

    html = mail.html or ""
    assert f"background-color:{used_primary};" in html
    assert f'style="color:{used_accent};text-decoration:underline;"' in html
    assert "evil" not in html and "javascript" not in html


@pytest.mark.parametrize(("logo_url", "shown"), [
    ("https://cdn.lumen.example/logo.png", True),
    ("http://cdn.lumen.example/logo.png", False),
    ("javascript:alert(1)", False),
    ("//cdn.lumen.example/logo.png", False),
    ("/logo.png", False),
    ("https:///logo.png", False),
    ('https://cdn.lumen.example/a.png" onerror="alert(1)', False),
    (None, False),
])
def test_the_logo_is_shown_only_from_an_absolute_https_url(logo_url, shown):
    mail, _ = rendered(branding=dataclasses.replace(LUMEN, logo_url=logo_url))

    images = Markup(mail.html or "").named("img")
    if shown:
        assert [(image["src"], image["alt"]) for image in images] == [(logo_url, "Lumen")]
    else:
        assert images == []
        assert ">Lumen</span>" in (mail.html or "")  # the company name stands in for it


def test_without_branding_the_mail_is_still_complete():
    mail, message = rendered(branding=Branding.plain(), from_name="Maya Chen")

    assert message["From"].addresses[0].display_name == "Maya Chen"
    assert mail.text == "Hello Ada,\n\nSee you soon.\n"
    assert "<img" not in (mail.html or "") and "background-color:#1f2937;" in (mail.html or "")


# whatever the body says


_PIECES = st.sampled_from(["**", "*", "[", "]", "(", ")", "<", ">", '"', "'", "&", "\n", "\n\n", " ", "x",
                           "https://", "http://", "mailto:", "javascript:", "a@b.example", "on", "=", "é"])


@settings(max_examples=300, deadline=None, database=None)  # no example files written by unit tests
@given(st.lists(_PIECES | st.text(max_size=5), max_size=40).map("".join))
def test_any_body_gives_only_our_tags_and_safe_links(body):
    mail = render(an_email(body_markdown=body), sender_address=SENDER)

    markup = Markup(mail.html or "")
    assert {tag for tag, _ in markup.tags} <= {"html", "head", "meta", "title", "body", "table", "tr", "td", "img",
                                               "span", "p", "br", "strong", "em", "a"}
    for attributes in markup.named("a"):
        assert re.match(r"(https?://|mailto:)", attributes["href"] or "", re.IGNORECASE)
    assert len(markup.named("p")) <= body.count("\n") + 1
