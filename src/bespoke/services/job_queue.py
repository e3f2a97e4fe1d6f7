"""Background work through a job queue kept in PostgreSQL (procrastinate), for more than
one machine: a task run is deferred in the same transaction as its row (no lost or orphan
jobs), and `bespoke worker` processes on any machine take it.

A worker runs each task on processes of its own (`WorkerPool`), within the task's budget,
so that its event loop keeps sending heartbeats however long a solve takes: a job is
retried (`retry_stalled`) only when its worker's heartbeat has stopped, never while the
worker lives. A worker's work processes die with it (`workers._start_worker`).

Periodic work is deferred by the queue itself, once per period whatever the number of
workers: mail, the floor's hourly care (roll-ups, maintenance due, failure risk), the
retry of runs whose worker died, and the removal of old finished jobs.
"""

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import procrastinate
from procrastinate.job_context import JobContext
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bespoke.store import UnitOfWork

if TYPE_CHECKING:
    from bespoke.services.environment import Environment
    from bespoke.services.tasks import Ended

log = logging.getLogger("bespoke.queue")

RUN = "bespoke.run"
"""The job that runs a task run by its id (services/tasks.run_queued)."""
CALL = "bespoke.call"
"""The job that makes a call a request waits for (`QueuedWorkers`)."""
REQUESTS = "requests"
"""The queue of work requests wait for: measuring, quoting, drawing."""
CONTROL = "control"
"""The queue of the queue's own upkeep; every worker takes it."""
QUEUES = (REQUESTS, "plans", "schedules", "mail", "floor", CONTROL)
STALLED_AFTER_S = 30.0
"""A worker without a heartbeat this long is taken for dead and its jobs are retried."""
HEARTBEAT_S = 5.0
KEEP_FINISHED_HOURS = 72
"""Finished jobs are kept this long in the queue's table (the task runs stay)."""

jobs = procrastinate.Blueprint()


def _env(context: JobContext) -> "Environment":
    assert context.additional_context is not None
    env: Environment = context.additional_context["env"]
    return env


@jobs.task(name=RUN, pass_context=True)
def run(context: JobContext, run_id: str) -> None:
    """Run the task run `run_id` (once, however often the job is delivered)."""
    from bespoke.services.tasks import run_queued

    assert context.additional_context is not None
    given = context.additional_context
    run_queued(_env(context), run_id, given["worker"], given["ended"])


@jobs.task(name=CALL, queue=REQUESTS, pass_context=True)
def call(context: JobContext, call_id: str) -> None:
    """Make the call `call_id` and keep its result or error for the request waiting."""
    from bespoke.services.queued_calls import make_call

    make_call(_env(context), call_id)


@jobs.periodic(cron="* * * * * */10", periodic_id="mail")  # seconds come last
@jobs.task(name="bespoke.mail", queue="mail", queueing_lock="mail", pass_context=True)
def send_mail(context: JobContext, timestamp: int) -> None:
    """Hand the mail that is due to the mail server (none configured: it waits)."""
    from bespoke.services.ordering.delivery import deliver_due

    env = _env(context)
    if env.settings.smtp is not None:
        deliver_due(env, env.settings.smtp)


@jobs.periodic(cron="17 * * * *", periodic_id="floor-care")
@jobs.task(name="bespoke.floor-care", queue="floor", queueing_lock="floor", pass_context=True)
def floor_care(context: JobContext, timestamp: int) -> None:
    """Every hour: old readings rolled up, maintenance due, machines' failure risk."""
    from bespoke.services.shopfloor.watching import care_for_floor

    care_for_floor(_env(context))


@jobs.periodic(cron="* * * * * */10", periodic_id="stalled")
@jobs.task(name="bespoke.stalled", queue=CONTROL, queueing_lock="stalled", pass_context=True)
async def retry_stalled(context: JobContext, timestamp: int) -> None:
    """Put back on the queue the jobs of workers whose heartbeat stopped."""
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_S):
        log.warning("job %s (%s) lost its worker; retried", job.id, job.task_name)
        await manager.retry_job(job)


@jobs.periodic(cron="41 3 * * *", periodic_id="prune")
@jobs.task(name="bespoke.prune", queue=CONTROL, queueing_lock="prune", pass_context=True)
async def prune(context: JobContext, timestamp: int) -> None:
    """Remove finished jobs older than `KEEP_FINISHED_HOURS` (their runs are kept), and
    calls whose request went away without reading them."""
    await context.app.job_manager.delete_old_jobs(
        nb_hours=KEEP_FINISHED_HOURS, include_failed=True, include_cancelled=True
    )
    await context.app.connector.execute_query_async(
        "DELETE FROM calls WHERE created_at < now() at time zone 'utc' - interval '1 day'"
    )


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class JobQueue:
    """The queue of a PostgreSQL database: deferring from a unit of work, and workers."""

    def __init__(self, database_url: str) -> None:
        info = conninfo(database_url)
        self.app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=info))
        self.app.add_tasks_from(jobs, namespace="")
        # Deferring goes through the caller's own connection, never a pool of this app's;
        # the jobs are known by name (and stay bound to `app`, the worker's).
        self._deferring = procrastinate.App(
            connector=procrastinate.SyncPsycopgConnector(conninfo=info)
        )

    def defer(self, uow: UnitOfWork, run_id: str, queue: str, lock: str | None) -> None:
        """Put the run on `queue` within `uow`'s transaction: it is taken only once `uow`
        commits, and never if it rolls back. Runs with the same `lock` run one at a time."""
        connection = uow.session.connection().connection.driver_connection
        self._deferring.configure_task(RUN, queue=queue, lock=lock, connection=connection).defer(
            run_id=run_id
        )

    def defer_call(self, uow: UnitOfWork, call_id: str) -> None:
        """Put a call a request waits for on the requests queue, within `uow`."""
        connection = uow.session.connection().connection.driver_connection
        self._deferring.configure_task(CALL, queue=REQUESTS, connection=connection).defer(
            call_id=call_id
        )

    def backlog(self, uow: UnitOfWork) -> tuple[dict[str, int], int]:
        """Jobs waiting by queue, and the workers with a heartbeat within the stalled time."""
        waiting = uow.session.execute(
            text(
                "SELECT queue_name, count(*) FROM procrastinate_jobs"
                " WHERE status = 'todo' GROUP BY queue_name"
            )
        )
        alive = uow.session.scalar(
            text(
                "SELECT count(*) FROM procrastinate_workers"
                " WHERE last_heartbeat > now() - make_interval(secs => :seconds)"
            ),
            {"seconds": STALLED_AFTER_S},
        )
        return {queue: int(n) for queue, n in waiting}, int(alive or 0)

    def work(
        self,
        env: "Environment",
        concurrency: int,
        queues: Iterable[str] | None = None,
        *,
        name: str | None = None,
        stop: threading.Event | None = None,
        ended: "Ended | None" = None,
    ) -> None:
        """Take jobs from `queues` (all by default; the control queue always) with
        `concurrency` at once, until stopped by a signal or by `stop`; `ended` hears how
        each task run ended."""
        taken = None if queues is None else sorted({*queues, CONTROL})
        options: dict[str, Any] = {
            "concurrency": concurrency,
            "queues": taken,
            "name": name,
            "additional_context": {"env": env, "worker": name or "worker", "ended": ended},
            "update_heartbeat_interval": HEARTBEAT_S,
            "stalled_worker_timeout": STALLED_AFTER_S,
            "install_signal_handlers": stop is None,
        }
        asyncio.run(self._work(options, stop))

    async def _work(self, options: dict[str, Any], stop: threading.Event | None) -> None:
        async with self.app.open_async():
            working = asyncio.create_task(self.app.run_worker_async(**options))
            if stop is not None:
                await asyncio.to_thread(stop.wait)
                working.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await working


def unknown_queues(queues: Iterable[str]) -> list[str]:
    """The names in `queues` that are not Bespoke's queues."""
    return sorted(set(queues) - set(QUEUES))
