"""The Bespoke web service: the REST API under /api, the pages, plotly.js and styles.

`create_app()` builds it from the `BESPOKE_*` environment (uvicorn's factory mode), or
from given settings.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

import bespoke
from bespoke.api import pages, problems
from bespoke.api.headers import SecurityHeaders
from bespoke.api.problems import problem
from bespoke.api.rest import router as rest_router
from bespoke.services.environment import Settings, open_environment
from bespoke.services.jobs import JobRunner

MULTIPART_ALLOWANCE = 64 * 1024


def create_app(settings: Settings | None = None, *, migrate: bool = False) -> FastAPI:
    """The ASGI app; the database must already be migrated unless `migrate` is set."""
    env = open_environment(settings or Settings.from_environment(), migrate=migrate)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Quoting is CPU work under one interpreter lock: a few threads per process keep
        # latency low; more only queue on the lock and on the database's write lock.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = env.settings.request_threads
        yield
        app.state.jobs.shutdown()

    app = FastAPI(
        title="Bespoke",
        version=bespoke.__version__,
        summary="Design file or product spec in: process plan, price by quantity, orders.",
        lifespan=lifespan,
    )
    app.state.env = env
    app.state.jobs = JobRunner(env)
    problems.install(app, pages.error_page)
    app.include_router(rest_router)
    pages.install(app)
    static = resources.files("bespoke.api") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(Path(str(static)) / "favicon.svg", media_type="image/svg+xml")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(_plotly_js(), media_type="text/javascript")

    app.add_middleware(UploadLimit, limit=env.settings.max_upload_bytes + MULTIPART_ALLOWANCE)
    app.add_middleware(SecurityHeaders)
    return app


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


class UploadLimit:
    """Refuses a request body declared larger than the upload limit before reading it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope["headers"]).get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.limit:
                limit_mb = (self.limit - MULTIPART_ALLOWANCE) / 1e6
                response = problem(
                    413,
                    "Too large",
                    f"request body is {int(declared) / 1e6:.1f} MB; uploads are limited to"
                    f" {limit_mb:.1f} MB",
                    [{"path": "file", "reason": "over the upload size limit"}],
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
