"""The dev mailbox at /dev/mail: the mail that embedded mode wrote to its Maildir instead of sending.

Registered only in embedded/dev mode, and kept out of the OpenAPI document (a plain Blueprint, not
flask-smorest): it is a developer's tool, not part of the API. The mails hold live single-use
sign-in links, so every answer is uncacheable, sends no referrer and may load nothing external.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, render_template_string, request
from markupsafe import Markup, escape

from stitch.common.http.problems import Problem
from stitch.common.mail import MaildirReader, MailSummary, StoredMail, split_links

_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    # Inline styles only; the HTML part renders in a sandboxed srcdoc frame, which inherits this
    # policy, so a mail cannot run script or fetch anything (no tracking pixels either).
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; "
                                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
}

_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stitch · dev mailbox</title>
<style>
 body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:52rem;padding:0 1rem;color:#1f2933}
 h1{font-size:1.4rem} h2{font-size:1.05rem;margin-top:2rem} table{border-collapse:collapse;width:100%}
 td,th{padding:.5rem .75rem;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
 th{color:#616e7c;font-weight:600} small{color:#616e7c} a{color:#0b5cad}
 .banner{background:#fff4e5;border:1px solid #f5c27a;border-radius:6px;padding:.5rem .75rem}
 pre{white-space:pre-wrap;word-break:break-word;background:#f5f7fa;border-radius:6px;padding:1rem;font-size:14px}
 iframe{width:100%;height:28rem;border:1px solid #e4e7eb;border-radius:6px}
</style></head><body>
<p class="banner">Development mailbox — only in embedded mode; mail here was never sent.</p>
"""

LIST_PAGE = _HEAD + """<h1>Mailbox</h1>
{% if mails %}<table><tr><th>Date</th><th>To</th><th>Subject</th></tr>
{% for mail in mails %}<tr><td><small>{{ when(mail.date) }}</small></td><td>{{ mail.to }}</td>
<td><a href="{{ url_for('dev_mailbox.read', mail_id=mail.id) }}">{{ mail.subject or '(no subject)' }}</a></td></tr>
{% endfor %}</table>
{% else %}<p>No mail yet. Sign up or reset a password and it shows up here.</p>{% endif %}
</body></html>
"""

READ_PAGE = _HEAD + """<p><a href="{{ url_for('dev_mailbox.inbox') }}">← All mail</a></p>
<h1>{{ mail.subject or '(no subject)' }}</h1>
<table><tr><th>From</th><td>{{ mail.sender }}</td></tr><tr><th>To</th><td>{{ mail.to }}</td></tr>
{% if mail.cc %}<tr><th>Cc</th><td>{{ mail.cc }}</td></tr>{% endif %}
{% if mail.bcc %}<tr><th>Bcc</th><td>{{ mail.bcc }} <small>(not shown to recipients)</small></td></tr>{% endif %}
{% if mail.reply_to %}<tr><th>Reply-To</th><td>{{ mail.reply_to }}</td></tr>{% endif %}
<tr><th>Date</th><td>{{ when(mail.date) }}</td></tr></table>
<h2>Text</h2><pre>{{ text }}</pre>
{% if mail.html is not none %}<h2>HTML</h2>
<iframe sandbox srcdoc="{{ mail.html }}" title="The HTML part of the mail"></iframe>{% endif %}
</body></html>
"""


def blueprint(reader: MaildirReader) -> Blueprint:
    pages = Blueprint("dev_mailbox", __name__)
    # Here as well as app-wide, so the blueprint answers problem+json on any Flask app.
    pages.register_error_handler(Problem, Problem.as_response)

    @pages.after_request
    def _private(response: Response) -> Response:
        response.headers.update(_HEADERS)
        return response

    @pages.get("/dev/mail")
    def inbox() -> Any:
        mails = reader.list()
        if _wants_json():
            return jsonify({"items": [_summary_json(mail) for mail in mails]})
        return render_template_string(LIST_PAGE, mails=mails, when=_when)

    @pages.get("/dev/mail/<mail_id>")
    def read(mail_id: str) -> Any:
        mail = reader.get(mail_id)
        if mail is None:
            raise Problem(404, "Not Found", "no such mail")
        if _wants_json():
            return jsonify(_mail_json(mail))
        return render_template_string(READ_PAGE, mail=mail, text=linkify(mail.text), when=_when)

    return pages


def linkify(text: str) -> Markup:
    """``text`` escaped, with each http(s) URL turned into a link (the URL escaped as well)."""
    return Markup("").join(
        Markup('<a href="{0}" rel="noreferrer">{0}</a>').format(piece) if is_link else escape(piece)
        for piece, is_link in split_links(text)
    )


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _when(date: datetime) -> str:
    return date.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _summary_json(mail: MailSummary) -> dict[str, Any]:
    return {"id": mail.id, "to": mail.to, "sender": mail.sender, "subject": mail.subject,
            "date": mail.date.isoformat()}


def _mail_json(mail: StoredMail) -> dict[str, Any]:
    return _summary_json(mail) | {"cc": mail.cc, "bcc": mail.bcc, "reply_to": mail.reply_to, "text": mail.text,
                                  "html": mail.html, "links": mail.links}
