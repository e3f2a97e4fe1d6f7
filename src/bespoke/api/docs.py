"""The API explorers at /docs (Swagger UI) and /redoc (ReDoc), served with their scripts
and styles from the `fastapi_offline` package: they work without the internet, and the
pages run no inline script (Swagger UI is started by `static/docs.js`)."""

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/vendor/api-docs"
"""Where Swagger UI's and ReDoc's files are served."""

SWAGGER_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API explorer · Bespoke</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<script src="{ASSETS}/swagger-ui-bundle.js" defer></script>
<script src="/static/docs.js" defer></script>
</head>
<body>
<main id="swagger-ui"></main>
</body>
</html>
"""

REDOC_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference · Bespoke</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="{ASSETS}/redoc.standalone.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Serve /docs and /redoc and their assets (the app is made without FastAPI's own)."""
    assets = Path(str(resources.files("fastapi_offline") / "static"))
    app.mount(ASSETS, StaticFiles(directory=assets), name="api-docs")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(SWAGGER_PAGE)

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return HTMLResponse(REDOC_PAGE)
