"""Background tasks: long work (a product plan, a shop's schedule) runs on the
environment's workers within its budget and reports progress. ("Job" is the scheduling
word: an order's or a batch's work in the shop.)

A task run's row holds its status (queued, running, done, failed), progress from 0 to 1,
a message and its result (the URL of the quote or schedule it made) or its error. Any
server process can read it. A task is a module-level function
`task(env, progress, *args) -> url` of plain, picklable arguments, so that it can run
in a worker process, which writes the run's progress itself.
"""

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
from bespoke.services.workers import Budget, outcome
from bespoke.store import now
from bespoke.store.tables import TaskRunRow

Task = Callable[..., str]  # task(env, progress, *args) returns the API URL of what it made
Ended = Callable[[str, str, float], None]  # ended(kind, status, seconds since started)
log = logging.getLogger(__name__)


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
        row = self.queue(owner, kind, asked)
        self.start(row.id, budget, task, *args)
        return row

    def queue(self, owner: Account, kind: str, asked: dict[str, Any] | None = None) -> TaskRunRow:
        """A run waiting for its task to be started (`start`)."""
        if owner.shop_id is None:
            raise InputError("this account belongs to no shop to run work in")
        stamp = now()
        with self.env.uow() as uow:
            row = TaskRunRow(
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
            )
            uow.task_runs.add(row)
            uow.commit()
        return row

    def start(self, run_id: str, budget: Budget, task: Task, *args: Any) -> None:
        """Run the queued run's `task(env, progress, *args)` on the workers."""
        started = time.monotonic()
        future = self.env.workers.submit(budget, run_task, self.env, run_id, task, args)
        future.add_done_callback(functools.partial(self._ended, run_id, budget, started))

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
            with self.env.uow() as uow:
                row = uow.session.get(TaskRunRow, run_id)
                assert row is not None
                kind, status = row.kind, row.status
            self.ended(kind, status, time.monotonic() - started)


def run_task(env: Environment, run_id: str, task: Task, args: tuple[Any, ...]) -> None:
    """Run a task where the workers are, recording its progress and how it ended."""
    _update(env, run_id, status="running", progress=0.0, message="started")

    def progress(fraction: float, what: str) -> None:
        _update(env, run_id, progress=fraction, message=what)

    try:
        url = task(env, progress, *args)
    except BespokeError as error:
        _update(env, run_id, status="failed", message=str(error), error=_problem(error))
    except Exception:
        log.exception("task run %s failed", run_id)
        _update(env, run_id, status="failed", message="internal error", error=_INTERNAL)
    else:
        quote = url.removeprefix("/api/quotes/")
        _update(
            env,
            run_id,
            status="done",
            progress=1.0,
            message="done",
            result_url=url,
            quote_id=int(quote) if quote.isdigit() else None,
        )


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
