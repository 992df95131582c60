"""The pages that links in security mail open: plain server pages until the CSM web app lands.

Opening a page spends nothing (mail scanners open every link); the token is read from the URL
fragment by the page's script and only POSTed when the person presses the button. Every page is
no-store, no-referrer, and runs only its own nonce'd script.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, render_template_string

# Each page: title, intro, the token-checking call (or None), and the form that completes it.
PAGES = {
    "signup": {"title": "Sign up for Stitch", "check": None,
               "intro": "Enter your work email (personal addresses are not accepted). We'll send you a link.",
               "fields": [("email", "Work email", "email")], "submit": "/auth/signup", "button": "Send me a link"},
    "verify-email": {"title": "Verify your email", "check": "/auth/verify-email",
                     "intro": "Confirm your address, then tell us about you and your organization.",
                     "fields": [("name", "Your name", "text"), ("title", "Job title (optional)", "text"),
                                ("password", "Password (12+ characters)", "password"),
                                ("organization.name", "Organization name", "text"),
                                ("organization.slug", "Portal address (lowercase, e.g. acme)", "text")],
                     "submit": "/auth/complete-signup", "button": "Create my account"},
    "forgot-password": {"title": "Forgot your password?", "check": None,
                        "intro": "Enter your email; if it has a Stitch account, a reset link is on its way.",
                        "fields": [("email", "Email", "email")], "submit": "/auth/forgot-password",
                        "button": "Send me a link"},
    "reset-password": {"title": "Choose a new password", "check": "/auth/reset-link",
                       "intro": "Setting a new password signs you out everywhere.",
                       "fields": [("password", "New password (12+ characters)", "password")],
                       "submit": "/auth/reset-password", "button": "Set my password"},
    "accept-invitation": {"title": "Join your team on Stitch", "check": "/auth/invitation",
                          "intro": "Set your name and a password to accept the invitation.",
                          "fields": [("name", "Your name", "text"), ("title", "Job title (optional)", "text"),
                                     ("password", "Password (12+ characters)", "password")],
                          "submit": "/auth/accept-invitation", "button": "Accept the invitation"},
}

# Hints for browsers and password managers (a new password is saved, not filled in).
AUTOCOMPLETE = {"email": "email", "name": "name", "title": "organization-title", "password": "new-password",
                "organization.name": "organization"}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{ page.title }} · Stitch</title>
<style>
 body{font:15px/1.5 system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem;color:#1f2937}
 h1{font-size:1.4rem} label{display:block;margin:.8rem 0 .2rem;font-weight:600}
 input{width:100%;padding:.5rem;font:inherit;box-sizing:border-box;border:1px solid #9ca3af;border-radius:6px}
 button{margin-top:1.2rem;padding:.6rem 1.2rem;font:inherit;border:0;border-radius:6px;background:#4338ca;color:#fff}
 #note{margin-top:1rem;padding:.6rem;border-radius:6px} .ok{background:#ecfdf5} .err{background:#fef2f2}
 [hidden]{display:none}
</style></head><body>
<h1>{{ page.title }}</h1><p id="intro">{{ page.intro }}</p>
<div id="note" hidden></div>
<button id="confirm" {% if not page.check %}hidden{% endif %}>Continue</button>
<form id="form" {% if page.check %}hidden{% endif %}>
{% for name, label, kind in page.fields %}<div data-field="{{ name }}"><label for="{{ name }}">{{ label }}</label>
<input id="{{ name }}" name="{{ name }}" type="{{ kind }}" autocomplete="{{ AUTOCOMPLETE.get(name, 'off') }}"
 {% if 'optional' not in label %}required{% endif %}></div>
{% endfor %}<button type="submit">{{ page.button }}</button></form>
<script nonce="{{ nonce }}">
const page = {{ page | tojson }};
const token = new URLSearchParams(location.hash.slice(1)).get("token");
history.replaceState(null, "", location.pathname);  // the token leaves the address bar
const note = document.getElementById("note"), form = document.getElementById("form");
function say(text, ok) { note.hidden = false; note.className = ok ? "ok" : "err"; note.textContent = text; }
async function post(url, body) {
  const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const data = r.status === 204 ? {} : await r.json();
  if (!r.ok) throw new Error([data.detail || data.title, ...(data.errors || []).map(e => `${e.name}: ${e.reason}`)].join(" — "));
  return data;
}
document.getElementById("confirm").addEventListener("click", async () => {
  try {
    const info = await post(page.check, {token});
    document.getElementById("confirm").hidden = true; form.hidden = false;
    document.getElementById("intro").hidden = true;
    if (info.next === "join_organization") {
      document.querySelectorAll('[data-field^="organization."]').forEach(d => { d.remove(); });
      say(`Email verified: ${info.email}. You will join ${info.organization_name}.`, true);
    } else if (info.organization_name) {
      say(`${info.invited_by || "An admin"} invited ${info.email} to ${info.organization_name} as ${info.role}.`, true);
    } else { say(`Verified: ${info.email}`, true); }
  } catch (e) { say(e.message, false); }
});
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = token ? {token} : {};
  for (const [key, value] of new FormData(form)) {
    const [head, tail] = key.split(".");
    if (tail) { body[head] = body[head] || {}; body[head][tail] = value; } else { body[key] = value; }
  }
  try { const done = await post(page.submit, body); form.hidden = true;
        say(done.message || "Done. You can now sign in with your email and password.", true); }
  catch (e) { say(e.message, false); }
});
</script></body></html>"""


def blueprint() -> Blueprint:
    bp = Blueprint("link_pages", __name__)

    def render(name: str) -> Response:
        nonce = secrets.token_urlsafe(16)
        response = Response(render_template_string(PAGE, page=PAGES[name], nonce=nonce,
                                                         AUTOCOMPLETE=AUTOCOMPLETE), mimetype="text/html")
        response.headers.update({
            "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
            "Content-Security-Policy": f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
                                       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
        })
        return response

    for name in PAGES:
        bp.add_url_rule(f"/auth/{name}", f"page_{name.replace('-', '_')}", lambda name=name: render(name),
                        methods=["GET"])
    return bp
