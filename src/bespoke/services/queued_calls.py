"""Heavy work a request waits for (measuring a design, a quote, a drawing) made by a queue
worker, so that on PostgreSQL the web processes do no heavy work of their own.

`QueuedWorkers` is the web's `Workers`: a call is kept as a row and deferred in the same
transaction; the request waits for the worker's result or error on the row, then deletes
it. A call is made at most once (`make_call` skips a call already made or given up)."""

import importlib
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from bespoke.model.errors import BespokeError, UnavailableError
from bespoke.services.environment import Environment
from bespoke.services.task_calls import TaskCall, decode_call, encode_call, result_adapter
from bespoke.services.workers import Budget
from bespoke.store import now
from bespoke.store.tables import CallRow

T = TypeVar("T")
log = logging.getLogger("bespoke.queue")
WAIT_FOR_WORKER_S = 120.0
"""How long a call may wait for a worker to take it, on top of its budget."""
FIRST_LOOK_S, LONGEST_LOOK_S = 0.005, 0.1
"""The request looks for the result after 5 ms, then half as often again each time."""
_INTERNAL = {
    "kind": "bespoke.model.errors:BespokeError",
    "message": "internal error; the worker's log has details",
}


class QueuedWorkers:
    """Heavy work made by the queue's workers; `run` waits for its result."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self._threads: ThreadPoolExecutor | None = None

    def run(self, budget: Budget, task: Callable[..., T], *args: Any) -> T:
        assert self.env.queue is not None
        call = encode_call(budget, task, args)
        call_id = str(uuid.uuid4())
        with self.env.uow() as uow:
            uow.session.add(
                CallRow(id=call_id, task=call.task, arguments=call.as_json(), created_at=now())
            )
            uow.flush()
            self.env.queue.defer_call(uow, call_id)
            uow.commit()
        try:
            result, error = self._answer(call_id, budget)
        finally:
            with self.env.uow() as uow:
                uow.session.query(CallRow).filter(CallRow.id == call_id).delete()
                uow.commit()
        if error is not None:
            raise _error_again(error)
        made: T = result_adapter(task).validate_python(result)
        return made

    def submit(self, budget: Budget, task: Callable[..., T], *args: Any) -> "Future[T]":
        if self._threads is None:
            self._threads = ThreadPoolExecutor(4, thread_name_prefix="bespoke-waiting")
        return self._threads.submit(self.run, budget, task, *args)

    def shutdown(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=True, cancel_futures=True)

    def _answer(self, call_id: str, budget: Budget) -> tuple[Any, dict[str, Any] | None]:
        """The call's result and error once a worker made it."""
        deadline = time.monotonic() + budget.seconds + WAIT_FOR_WORKER_S
        pause = FIRST_LOOK_S
        while time.monotonic() < deadline:
            time.sleep(pause)
            pause = min(pause * 1.5, LONGEST_LOOK_S)
            with self.env.uow() as uow:
                row = uow.session.get_one(CallRow, call_id, populate_existing=True)
                if row.ended_at is not None:
                    return row.result, row.error
        raise UnavailableError(
            f"{budget.what}: no worker made it within {budget.seconds + WAIT_FOR_WORKER_S:g} s;"
            " is a `bespoke worker` taking the requests queue? Try again later"
        )


def make_call(env: Environment, call_id: str) -> None:
    """A worker makes the call `call_id` on its workers, within its budget, and keeps its
    result or error; a call already made, or given up by its request, is left alone."""
    with env.uow() as uow:
        row = uow.session.get(CallRow, call_id)
        if row is None or row.ended_at is not None:
            return
        call = TaskCall.from_json(row.task, row.arguments)
    result, error = None, None
    try:
        work, args = decode_call(call, env)
        result = result_adapter(work).dump_python(
            env.workers.run(call.budget, work, *args), mode="json"
        )
    except BespokeError as problem:
        error = _error_as_data(problem)
    except Exception:
        log.exception("call %s (%s) failed", call_id, call.task)
        error = _INTERNAL
    with env.uow() as uow:
        row = uow.session.get(CallRow, call_id)
        if row is not None:
            row.result, row.error, row.ended_at = result, error, now()
            uow.commit()


def _error_as_data(error: BespokeError) -> dict[str, Any]:
    """An error as JSON: its class by module and name, its message and its plain fields."""
    kind = type(error)
    fields = {
        name: value
        for name, value in vars(error).items()
        if isinstance(value, str | int | float | bool) or value is None
    }
    return {"kind": f"{kind.__module__}:{kind.__qualname__}", "message": str(error), **fields}


def _error_again(data: dict[str, Any]) -> BespokeError:
    """The error a worker met, as the same class with the same message and fields (its
    own constructor is not called: an error class may take other arguments)."""
    module, _, name = str(data.get("kind", "")).partition(":")
    kind: type[BespokeError] = BespokeError
    if module.startswith("bespoke."):
        found = getattr(importlib.import_module(module), name, None)
        if isinstance(found, type) and issubclass(found, BespokeError):
            kind = found
    error: BespokeError = kind.__new__(kind)
    Exception.__init__(error, data.get("message", "the worker failed"))
    fields = {k: v for k, v in data.items() if k not in ("kind", "message")}
    error.__dict__.update({"path": "", **fields})
    return error
