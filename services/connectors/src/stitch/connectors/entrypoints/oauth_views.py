"""The OAuth callback: a public browser page (no token), reached through the gateway's /oauth/ route.

Success and the provider's refusals go back to the page the admin started from; a callback whose
state is unknown, used, expired or from another browser gets a 400 page and changes nothing.
"""

from __future__ import annotations

from html import escape

from flask import Flask, Response, redirect, request

from stitch.common.runtime import ServiceRuntime
from stitch.connectors.domain.errors import BadOAuthState, NotFound
from stitch.connectors.entrypoints.connection_views import OAUTH_COOKIE

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stitch: connection not made</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">
<h1>The connection was not made</h1><p>{reason}.</p>
<p>This link works once, for ten minutes, in the browser that started it. Start again from
<a href="{back}">Settings → Integrations</a>.</p></body></html>"""


def register_callback(app: Flask, runtime: ServiceRuntime) -> None:
    @app.get("/oauth/<provider>/callback")
    def oauth_callback(provider: str) -> Response:
        try:
            target = runtime.use_cases["finish_connect"](
                provider, state=request.args.get("state"), browser_secret=request.cookies.get(OAUTH_COOKIE),
                code=request.args.get("code"), error=request.args.get("error"))
        except (BadOAuthState, NotFound) as refused:
            back = f"{runtime.settings.public_url.rstrip('/')}/settings/integrations"
            response = Response(PAGE.format(reason=escape(str(refused).capitalize()), back=escape(back)),
                                status=400, mimetype="text/html")
        else:
            response = redirect(target, code=303)
        response.delete_cookie(OAUTH_COOKIE, path="/oauth/")  # single use, like the state
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"  # the code must not leak to the next page's links
        return response
