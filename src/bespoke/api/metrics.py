"""`GET /metrics`: the service's metrics in Prometheus's text format, in a registry of
the app's own. Each server process keeps its own request and task counts (scrape each
one); what waits in the database (queued task runs, mail) is read at each scrape, so
every process gives the same figures."""

import hmac
import logging
from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from bespoke.api.problems import problem
from bespoke.services.environment import Environment
from bespoke.services.health import Backlog, backlog
from bespoke.services.tasks import Ended

log = logging.getLogger(__name__)
REQUEST_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
TASK_SECONDS = (0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


class Metrics:
    """The requests' latency and those in flight, the task runs' durations by kind and
    final status, the process's own figures, and the backlog in the database."""

    def __init__(self, env: Environment) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.latency = Histogram(
            "bespoke_http_request_duration_seconds",
            "Time to answer a request, by method, route template and status class",
            ["method", "route", "status"],
            buckets=REQUEST_SECONDS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "bespoke_http_requests_in_flight",
            "Requests being answered now",
            registry=self.registry,
        )
        self.task_runs = _task_runs(self.registry)
        self.registry.register(BacklogCollector(env))

    def task_ended(self, kind: str, status: str, seconds: float) -> None:
        """Count a task run that ended (`TaskRunner`'s `ended`)."""
        self.task_runs.labels(kind, status).observe(seconds)

    def install(self, app: FastAPI, token: str | None) -> None:
        """Serve the metrics at /metrics, to callers with the bearer `token` when set."""

        @app.get("/metrics", include_in_schema=False)
        def metrics(request: Request) -> Response:
            if token is not None and not _bearer_is(request, token):
                return problem(
                    401,
                    "Unauthorized",
                    "the metrics need the bearer token set in BESPOKE_METRICS_TOKEN",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def serve_worker_metrics(port: int, host: str = "0.0.0.0") -> Ended:
    """A queue worker's metrics (its task runs' durations, its process) served on `port`;
    the callback that counts a run that ended."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    task_runs = _task_runs(registry)
    start_http_server(port, host, registry=registry)
    return lambda kind, status, seconds: task_runs.labels(kind, status).observe(seconds)


def _task_runs(registry: CollectorRegistry) -> Histogram:
    return Histogram(
        "bespoke_task_run_duration_seconds",
        "Background task runs from being started to their end, by kind and final status",
        ["kind", "status"],
        buckets=TASK_SECONDS,
        registry=registry,
    )


def _bearer_is(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


class BacklogCollector(Collector):
    """Task runs queued and running and mail waiting, read from the database when scraped;
    `bespoke_database_up` is 0 when it did not answer."""

    def __init__(self, env: Environment) -> None:
        self.env = env

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from _families(None)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            now = backlog(self.env)
        except SQLAlchemyError as error:
            log.warning("metrics: the database did not answer: %s", error)
            now = None
        yield from _families(now)


def _families(now: Backlog | None) -> Iterator[GaugeMetricFamily]:
    up = GaugeMetricFamily("bespoke_database_up", "1 when the database answered this scrape")
    queued = GaugeMetricFamily("bespoke_task_queue_depth", "Task runs waiting for a worker")
    running = GaugeMetricFamily("bespoke_task_runs_running", "Task runs running now")
    mail = GaugeMetricFamily("bespoke_mail_outbox_waiting", "Mails neither sent nor given up")
    jobs = GaugeMetricFamily(
        "bespoke_queue_jobs_waiting", "Jobs waiting in the job queue, by queue", labels=["queue"]
    )
    workers = GaugeMetricFamily("bespoke_queue_workers", "Queue workers with a recent heartbeat")
    up.add_metric([], 0 if now is None else 1)
    if now is not None:
        queued.add_metric([], now.queued)
        running.add_metric([], now.running)
        mail.add_metric([], now.mail_waiting)
        for queue, waiting in sorted(now.jobs_waiting.items()):
            jobs.add_metric([queue], waiting)
        if now.queue_workers is not None:
            workers.add_metric([], now.queue_workers)
    yield from (up, queued, running, mail, jobs, workers)
