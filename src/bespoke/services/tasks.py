"""Background tasks: long work (a product plan, a shop's schedule) runs within its budget
and reports progress. ("Job" is the scheduling word: an order's or a batch's work in the
shop.)

A task run's row holds its status (queued, running, done, failed), progress from 0 to 1,
a message and its result (the URL of the quote or schedule it made) or its error. Any
server process can read it. A task is a module-level function
`task(env, progress, *args) -> url` of typed arguments.

On the embedded default (SQLite) a task runs on the server's own workers. With a job
queue (PostgreSQL) the run is deferred in the same transaction as its row and a
`bespoke worker` anywhere runs it (`run_queued`): a run is started at most once at a
time, and one whose result is kept (`keep_result`, in the transaction that keeps it) is
never run again, so a run retried after its worker died has no second side effect.
"""

import contextvars
import functools
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from bespoke.model.accounts import Account
from bespoke.model.errors import BespokeError, InputError
from bespoke.services.environment import Environment
from bespoke.services.task_calls import QUEUED_TASKS, TaskCall, decode, encode, task_name
from bespoke.services.workers import Budget, outcome
from bespoke.store import UnitOfWork, now
from bespoke.store.tables import TaskRunRow

Task = Callable[..., str]  # task(env, progress, *args) returns the API URL of what it made
Ended = Callable[[str, str, float], None]  # ended(kind, status, seconds since started)
log = logging.getLogger(__name__)
MAX_STARTS = 3
"""A queued run whose worker died this many times is failed rather than started again."""
_running: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_run", default=None)


class TaskRunner:
    """Queues tasks on the environment's workers and records how their runs end; `ended`
    hears of each run's kind, final status and seconds from being started to its end."""

    def __init__(self, env: Environment, ended: Ended | None = None) -> None:
        self.env = env
        self.ended = ended

    def submit(
        self,
        owner: Account,
        kind: str,
        budget: Budget,
        task: Task,
        *args: Any,
        asked: dict[str, Any] | None = None,
    ) -> TaskRunRow:
        """Queue `task(env, progress, *args)`; it returns the API URL of what it made.

        `asked` is kept with the run: what it was asked, in words a page can ask again with.
        """
        if self.env.queue is None:
            row = self.queue(owner, kind, asked)
            self.start(row.id, budget, task, *args)
            return row
        with self.env.uow() as uow:
            row = _new_run(owner, kind, asked)
            self._defer(uow, row, encode(budget, task, args))
            uow.commit()
        return row

    def queue(self, owner: Account, kind: str, asked: dict[str, Any] | None = None) -> TaskRunRow:
        """A run waiting for its task to be started (`start`)."""
        with self.env.uow() as uow:
            row = _new_run(owner, kind, asked)
            uow.task_runs.add(row)
            uow.commit()
        return row

    def start(self, run_id: str, budget: Budget, task: Task, *args: Any) -> None:
        """Run the queued run's `task(env, progress, *args)` on the workers, or defer it
        to the job queue when there is one."""
        if self.env.queue is not None:
            with self.env.uow() as uow:
                row = uow.session.get_one(TaskRunRow, run_id)
                self._defer(uow, row, encode(budget, task, args))
                uow.commit()
            return
        started = time.monotonic()
        future = self.env.workers.submit(budget, run_task, self.env, run_id, task, args)
        future.add_done_callback(functools.partial(self._ended, run_id, budget, started))

    def _defer(self, uow: UnitOfWork, row: TaskRunRow, call: TaskCall) -> None:
        """Keep the call on the run's row and put the run on the queue, both in `uow`."""
        assert self.env.queue is not None
        row.task, row.arguments = call.task, call.as_json()
        uow.task_runs.add(row)
        uow.flush()
        queued = QUEUED_TASKS[call.task]
        lock = f"{call.task}@{row.shop_id}" if queued.one_per_shop else None
        self.env.queue.defer(uow, row.id, queued.queue, lock)

    def _ended(self, run_id: str, budget: Budget, started: float, future: "Future[None]") -> None:
        """A run whose worker was stopped (over budget, or lost) is failed here."""
        if future.cancelled():
            return
        try:
            outcome(budget, future)
        except BespokeError as error:
            _update(self.env, run_id, status="failed", message=str(error), error=_problem(error))
        except Exception:
            log.exception("task run %s failed", run_id)
            _update(self.env, run_id, status="failed", message="internal error", error=_INTERNAL)
        if self.ended is not None:
            _tell_end(self.env, run_id, self.ended, started)


def _new_run(owner: Account, kind: str, asked: dict[str, Any] | None) -> TaskRunRow:
    if owner.shop_id is None:
        raise InputError("this account belongs to no shop to run work in")
    stamp = now()
    return TaskRunRow(
        id=str(uuid.uuid4()),
        owner_id=owner.id,
        shop_id=owner.shop_id,
        kind=kind,
        status="queued",
        progress=0.0,
        message="waiting for a worker",
        created_at=stamp,
        updated_at=stamp,
        request=asked,
        attempts=0,
    )


def run_queued(env: Environment, run_id: str, worker: str, ended: Ended | None = None) -> None:
    """A worker's run of a queued task run: claimed under a row lock, so that a run that
    ended (its result kept) is not run again and a run whose workers died `MAX_STARTS`
    times is failed; the task runs on `env.workers` within its budget. `worker` names the
    queue worker (host-pid); `ended` hears how the run ended, as `TaskRunner`'s does."""
    with env.uow() as uow:
        row = uow.task_runs.claim(run_id)
        if row is None or row.status in ("done", "failed") or row.task is None:
            return
        row.attempts += 1
        row.worker = worker
        if row.attempts > MAX_STARTS:
            row.status, row.updated_at = "failed", now()
            row.message = f"its worker stopped {MAX_STARTS} times while running it; run it again"
            row.error = {"title": "WorkerLost", "detail": row.message}
            uow.commit()
            return
        call = TaskCall.from_json(row.task, row.arguments or {})
        uow.commit()
    started = time.monotonic()
    try:
        task, args = decode(call)
        outcome(call.budget, env.workers.submit(call.budget, run_task, env, run_id, task, args))
    except BespokeError as error:
        _update(env, run_id, status="failed", message=str(error), error=_problem(error))
    if ended is not None:
        _tell_end(env, run_id, ended, started)


def _tell_end(env: Environment, run_id: str, ended: Ended, started: float) -> None:
    """Tell `ended` the run's kind, final status and seconds since `started`."""
    with env.uow() as uow:
        row = uow.session.get_one(TaskRunRow, run_id)
        ended(row.kind, row.status, time.monotonic() - started)


def keep_result(uow: UnitOfWork, url: str) -> None:
    """Mark the task run this work belongs to (if any) done with `url`, in `uow`: the
    run ends in the same transaction as what it made."""
    run_id = _running.get()
    if run_id is not None:
        _mark_done(uow.session.get_one(TaskRunRow, run_id), url)


def _mark_done(row: TaskRunRow, url: str) -> None:
    quote = url.removeprefix("/api/quotes/")
    row.status, row.progress, row.message, row.result_url = "done", 1.0, "done", url
    row.quote_id = int(quote) if quote.isdigit() else None
    row.updated_at = now()


def run_task(env: Environment, run_id: str, task: Task, args: tuple[Any, ...]) -> None:
    """Run a task where the workers are, recording its progress and how it ended."""
    _update(env, run_id, status="running", progress=0.0, message="started")

    def progress(fraction: float, what: str) -> None:
        _update(env, run_id, progress=fraction, message=what)

    queued = QUEUED_TASKS.get(task_name(task))
    running = _running.set(run_id if queued is not None and queued.keeps_result else None)
    try:
        url = task(env, progress, *args)
    except BespokeError as error:
        _update(env, run_id, status="failed", message=str(error), error=_problem(error))
    except Exception:
        log.exception("task run %s failed", run_id)
        _update(env, run_id, status="failed", message="internal error", error=_INTERNAL)
    else:
        with env.uow() as uow:
            row = uow.session.get_one(TaskRunRow, run_id)
            if row.status != "done":  # kept with its result by `keep_result`
                _mark_done(row, url)
            uow.commit()
    finally:
        _running.reset(running)


def _update(env: Environment, run_id: str, **fields: object) -> None:
    with env.uow() as uow:
        row = uow.session.get(TaskRunRow, run_id)
        assert row is not None
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_at = now()
        uow.commit()


def fail_interrupted(env: Environment) -> int:
    """Mark runs left queued or running by a stopped server as failed; how many there were."""
    with env.uow() as uow:
        rows = uow.task_runs.unfinished()
        for row in rows:
            row.status = "failed"
            row.message = "interrupted: the server stopped; run it again"
            row.updated_at = now()
        uow.commit()
        return len(rows)


_INTERNAL = {"title": "internal error", "detail": "the task failed; the log has details"}


def _problem(error: BespokeError) -> dict[str, object]:
    return {"title": type(error).__name__, "detail": str(error), "path": error.path}
