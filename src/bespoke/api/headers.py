"""Security headers on every response: pages, API, static files and errors.

The pages run only the site's own scripts (bespoke.js, plotly.js from /vendor) and
styles; their data sits in `application/json` script blocks, which never run, and
bespoke.js sets the few computed styles. Plotly.js (4.1.1) adds two style elements of
its own: one left empty and filled through the CSS object model, and the stylesheet of
its map library; those two are allowed by their sha256, nothing else inline. The API
explorers at /docs and /redoc run Swagger UI and ReDoc, served by Bespoke (`api/docs.py`),
which set inline styles, show pictures as data URLs and start a web worker from a blob:
those pages alone allow them.
"""

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PLOTLY_STYLES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty global stylesheet
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",  # maplibre's stylesheet
)
SITE_POLICY = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {' '.join(PLOTLY_STYLES)};"
    " img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none';"
    " form-action 'self'; frame-ancestors 'none'"
)
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc"})
COMMON = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    """Adds the content security policy and the other security headers to responses; an
    error no handler answered gets the server's plain 500 here, with them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope["path"] in DOCS_PATHS else SITE_POLICY
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                for name, value in COMMON.items():
                    headers.setdefault(name, value)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:
                fault = PlainTextResponse("Internal Server Error", status_code=500)
                await fault(scope, receive, send_with_headers)
            raise  # for the server's log
