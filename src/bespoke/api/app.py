"""The Bespoke web service: the REST API under /api, the pages, plotly.js and styles.

`create_app()` builds it from the `BESPOKE_*` environment (uvicorn's factory mode), or
from given settings.
"""

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

import bespoke
from bespoke.api import docs, health, openapi, pages, problems
from bespoke.api.headers import SecurityHeaders
from bespoke.api.limits import BodyLimit
from bespoke.api.metrics import Metrics
from bespoke.api.observability import Observability
from bespoke.api.problems import ServerErrors
from bespoke.api.rest import router as rest_router
from bespoke.api.waiting import waiting_limiter
from bespoke.services.environment import Settings, open_environment
from bespoke.services.health import database_problem
from bespoke.services.ordering.delivery import deliver_mail
from bespoke.services.queued_calls import QueuedWorkers
from bespoke.services.shopfloor.watching import FloorWatch, watch_floor
from bespoke.services.tasks import TaskRunner
from bespoke.services.workers import WorkerPool


def create_app(
    settings: Settings | None = None, *, migrate: bool = False, workers: WorkerPool | None = None
) -> FastAPI:
    """The ASGI app; the database must already be migrated unless `migrate` is set. Heavy
    work goes to `workers`, or to a pool of the app's own, started and stopped with it; with
    a job queue (PostgreSQL), to the queue's workers."""
    env = open_environment(settings or Settings.from_environment(), migrate=migrate)
    own = workers is None and env.queue is None
    pool = (workers or WorkerPool(env.settings.worker_processes)) if env.queue is None else None
    env.workers = pool or QueuedWorkers(env)
    not_started = {"workers": "the worker processes are starting", "floor": "starting"}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Requests are short CPU work under one interpreter lock (heavy work waits on the
        # workers, on threads of its own): a few threads per process keep latency low.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = env.settings.request_threads
        app.state.waiting = waiting_limiter()
        # The workers load for seconds: requests are served meanwhile.
        starting = threading.Thread(target=_start, args=(pool if own else None, not_started))
        starting.start()
        # What is loaded now lives as long as the process: leave it out of the collector's
        # full passes, which would otherwise stop every request for a tenth of a second.
        gc.collect()
        gc.freeze()
        if database_problem(env) is None:
            floor = watch_floor(env)
            del not_started["floor"]
        else:  # answer /health/ready with what is wrong rather than not start
            floor = FloorWatch()
            not_started["floor"] = (
                "not watched: the database was not ready when the service started; restart it"
            )
        mail = deliver_mail(env) if env.queue is None else None  # else the queue's workers
        yield
        if mail is not None:
            mail.stop()
        floor.stop()
        starting.join()
        if env.workers is not workers:  # the app's own
            env.workers.shutdown()

    app = FastAPI(
        title="Bespoke",
        version=bespoke.__version__,
        summary="Design file or product spec in: process plan, price by quantity, orders.",
        lifespan=lifespan,
        docs_url=None,  # served from this package, not a CDN: api/docs.py
        redoc_url=None,
    )
    metrics = Metrics(env)
    app.state.env = env
    app.state.tasks = TaskRunner(env, ended=metrics.task_ended)
    app.state.not_started = not_started
    problems.install(app, pages.error_page)
    openapi.install(app)
    docs.install(app)
    app.include_router(rest_router)
    app.include_router(health.router)
    metrics.install(app, env.settings.metrics_token)
    pages.install(app)
    static = resources.files("bespoke.api") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(Path(str(static)) / "favicon.svg", media_type="image/svg+xml")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(_plotly_js(), media_type="text/javascript")

    app.add_middleware(BodyLimit, upload_bytes=env.settings.max_upload_bytes)
    app.add_middleware(ServerErrors, page_error=pages.error_page)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Observability, latency=metrics.latency, in_flight=metrics.in_flight)
    return app


def _start(pool: WorkerPool | None, not_started: dict[str, str]) -> None:
    """Start the app's own workers (None: the caller's, which it starts); then they count
    as started for the readiness check."""
    if pool is not None:
        pool.start()
    del not_started["workers"]


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
