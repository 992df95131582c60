from __future__ import annotations

import pytest
from flask import Flask

from stitch.common.mail import Mail, MaildirReader, MaildirTransport
from stitch.gateway.entrypoints.dev_mailbox import blueprint

SENDER = "Stitch <no-reply@stitch.example>"
LINK = "https://app.stitch.example/verify?token=abc&next=%2Fhome"
JSON = {"Accept": "application/json"}


@pytest.fixture
def maildir(tmp_path):
    return tmp_path / "mail"


@pytest.fixture
def client(maildir):
    app = Flask(__name__)
    app.register_blueprint(blueprint(MaildirReader(maildir)))
    return app.test_client()


def deliver(maildir, **changes) -> str:
    fields = {"to": "ada@customer.example", "subject": "Verify your email",
              "text": f"Hello,\nopen {LINK}.\n", "html": f'<p><a href="{LINK}">Verify</a></p>'}
    MaildirTransport(maildir, SENDER).send(Mail(**(fields | changes)))
    return MaildirReader(maildir).list()[0].id  # the newest


def assert_private(response):
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_an_empty_mailbox(client):
    response = client.get("/dev/mail")

    assert response.status_code == 200
    assert "No mail yet" in response.text
    assert "mail here was never sent" in response.text
    assert client.get("/dev/mail", headers=JSON).json == {"items": []}


def test_the_list_as_html_newest_first(client, maildir):
    first = deliver(maildir, subject="First")
    second = deliver(maildir, subject="Second")

    response = client.get("/dev/mail")

    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.text.index("Second") < response.text.index("First")
    assert f'href="/dev/mail/{first}"' in response.text and f'href="/dev/mail/{second}"' in response.text
    assert "ada@customer.example" in response.text
    assert_private(response)


def test_the_list_as_json(client, maildir):
    mail_id = deliver(maildir)

    response = client.get("/dev/mail", headers=JSON)

    [item] = response.json["items"]
    assert item["id"] == mail_id
    assert (item["to"], item["sender"], item["subject"]) == ("ada@customer.example", SENDER, "Verify your email")
    assert item["date"].endswith("+00:00")
    assert_private(response)


def test_reading_a_mail_as_html_makes_links_clickable(client, maildir):
    mail_id = deliver(maildir)

    response = client.get(f"/dev/mail/{mail_id}")

    assert response.status_code == 200
    escaped = LINK.replace("&", "&amp;")
    assert f'<a href="{escaped}" rel="noreferrer">{escaped}</a>.' in response.text  # the full stop stays outside
    assert '<iframe sandbox srcdoc="&lt;p&gt;&lt;a href=&#34;' in response.text
    assert_private(response)


def test_script_in_a_mail_is_escaped(client, maildir):
    mail_id = deliver(maildir, subject="<script>alert(1)</script>",
                      text='Hi <script>alert(2)</script> https://x.example/"><script>alert(3)</script>',
                      html='<script>alert(4)</script>"><b>')

    listing, page = client.get("/dev/mail").text, client.get(f"/dev/mail/{mail_id}").text

    assert "<script>" not in listing and "&lt;script&gt;alert(1)" in listing
    assert "<script>" not in page
    assert "&lt;script&gt;alert(2)" in page
    assert '<a href="https://x.example/" rel="noreferrer">' in page  # the quote ended the link
    assert 'srcdoc="&lt;script&gt;alert(4)&lt;/script&gt;&#34;&gt;&lt;b&gt;' in page


def test_reading_a_mail_as_json(client, maildir):
    mail_id = deliver(maildir, text=f"Open {LINK} or https://app.stitch.example/help, then {LINK}.")

    response = client.get(f"/dev/mail/{mail_id}", headers=JSON)

    body = response.json
    assert body["id"] == mail_id and body["subject"] == "Verify your email" and body["sender"] == SENDER
    assert body["text"].startswith("Open https://")
    assert body["html"].startswith("<p><a href=")
    assert body["links"] == [LINK, "https://app.stitch.example/help"]
    assert set(body) == {"id", "to", "sender", "subject", "date", "cc", "bcc", "reply_to", "text", "html", "links"}


def test_customer_mail_shows_its_cc_bcc_and_reply_to(client, maildir):
    """Connectors' customer email lands here in embedded mode with the CSM in Reply-To and copies."""
    mail_id = deliver(maildir, cc=("Maya <maya@vendor.example>",), bcc=("audit@vendor.example",),
                      reply_to="maya@vendor.example")

    body = client.get(f"/dev/mail/{mail_id}", headers=JSON).json
    page = client.get(f"/dev/mail/{mail_id}").text

    assert (body["cc"], body["bcc"], body["reply_to"]) == (
        "Maya <maya@vendor.example>", "audit@vendor.example", "maya@vendor.example")
    assert "<th>Cc</th><td>Maya &lt;maya@vendor.example&gt;</td>" in page
    assert "<th>Reply-To</th><td>maya@vendor.example</td>" in page and "<th>Bcc</th>" in page


def test_a_text_only_mail_has_no_frame(client, maildir):
    mail_id = deliver(maildir, html=None)

    assert "<iframe" not in client.get(f"/dev/mail/{mail_id}").text
    assert client.get(f"/dev/mail/{mail_id}", headers=JSON).json["html"] is None


@pytest.mark.parametrize("mail_id", ["1700000000.M1P1Q1.nowhere", "..", "new", "a b", "x" * 300])
def test_an_unknown_mail_is_a_404_problem(client, maildir, mail_id):
    deliver(maildir)

    response = client.get(f"/dev/mail/{mail_id}")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["title"] == "Not Found" and response.json["detail"] == "no such mail"
    assert_private(response)
