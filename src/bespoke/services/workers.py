"""Heavy work (measuring and drawing a design file, planning a product, scheduling a shop)
run within a time and memory budget.

The service runs it in worker processes (`WorkerPool`), at a lower priority than the
server, so that one request can neither stall the others nor exhaust the machine: a task
over its time is stopped, one over its memory fails. The command line and the demo run it
in their own process (`InProcess`), as the user's own work on the user's own machine.

A task is a module-level function of picklable arguments. An `Environment` among them
travels as its settings and is opened again in the worker (once per worker), whose own
heavy work then runs in that worker.
"""

import functools
import multiprocessing
import os
import resource
import select
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pebble import ProcessExpired, ProcessPool

from bespoke.model.errors import BespokeError

if TYPE_CHECKING:
    from bespoke.services.environment import Environment, Settings

T = TypeVar("T")
MEGABYTE = 1024 * 1024
WORKER_NICENESS = 10
"""Worker processes yield the processor to the server's own requests."""
TASKS_PER_WORKER = 50
"""A worker is replaced after this many tasks, returning what memory it kept."""
PRELOADED = [
    "bespoke.services.quoting.designs",
    "bespoke.services.tasks",
    "bespoke.services.quoting.previews",
    "bespoke.services.quoting.quotes",
    "bespoke.services.shop.scheduling",
]
"""Loaded once by the process workers are forked from, so that a new worker starts at once."""


@dataclass(frozen=True)
class Budget:
    """How long a task may run and how much memory (address space) its process may use."""

    what: str
    seconds: float
    memory_mb: int


MEASURE = Budget("measuring the design file", 60, 2048)
QUOTE = Budget("quoting the design", 60, 2048)
READ_SPEC = Budget("reading the product spec", 30, 2048)
DRAW = Budget("drawing the design", 60, 2048)
PLAN = Budget("planning the product", 300, 3072)
SCHEDULE = Budget("scheduling the shop", 1200, 4096)


class OverBudgetError(BespokeError):
    """Work stopped because it needed more time or memory than its budget."""


class Workers(Protocol):
    """Where heavy work runs: `run` waits for its result, `submit` does not."""

    def run(self, budget: Budget, task: Callable[..., T], *args: Any) -> T: ...

    def submit(self, budget: Budget, task: Callable[..., T], *args: Any) -> "Future[T]": ...

    def shutdown(self) -> None: ...


class InProcess:
    """Heavy work in this process (the command line, the demo): no budget applies."""

    def __init__(self) -> None:
        self._threads: ThreadPoolExecutor | None = None

    def run(self, budget: Budget, task: Callable[..., T], *args: Any) -> T:
        return task(*args)

    def submit(self, budget: Budget, task: Callable[..., T], *args: Any) -> "Future[T]":
        if self._threads is None:
            self._threads = ThreadPoolExecutor(1, thread_name_prefix="bespoke-work")
        return self._threads.submit(task, *args)

    def shutdown(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=True, cancel_futures=True)


class WorkerPool:
    """Heavy work in `size` worker processes, started at first use; tasks queue for them.

    A task and its arguments must be picklable: a module-level function and plain data.
    """

    def __init__(self, size: int = 1, *, idle: bool = False) -> None:
        """`idle`: the workers take the processor only when nothing else on the machine
        wants it (a queue worker beside web processes), rather than at a lower priority."""
        self.size = size
        self.idle = idle
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the workers now rather than at the first task."""
        self._processes().schedule(os.getpid)

    def run(self, budget: Budget, task: Callable[..., T], *args: Any) -> T:
        return outcome(budget, self.submit(budget, task, *args))

    def submit(self, budget: Budget, task: Callable[..., T], *args: Any) -> "Future[T]":
        sent = tuple(_Reopened.of(a) for a in args)
        future: Future[T] = self._processes().schedule(
            _within_memory, (budget.memory_mb, task, sent), timeout=budget.seconds
        )
        return future

    def shutdown(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.stop()  # type: ignore[no-untyped-call]
                self._pool.join()
                self._pool = None

    def _processes(self) -> ProcessPool:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(PRELOADED)
                self._pool = ProcessPool(
                    max_workers=self.size,
                    max_tasks=TASKS_PER_WORKER,
                    initializer=_start_worker,
                    initargs=(os.getpid(), self.idle),
                    context=context,
                )
            return self._pool


def outcome(budget: Budget, future: "Future[T]") -> T:
    """The result of a task submitted with `budget`; a task stopped for its budget or
    lost with its process raises OverBudgetError, naming the budget."""
    try:
        return future.result()
    except (FutureTimeout, TimeoutError):
        raise OverBudgetError(
            f"{budget.what} took longer than its budget of {budget.seconds:g} s and was"
            " stopped; nothing was kept"
        ) from None
    except MemoryError:
        raise OverBudgetError(
            f"{budget.what} needed more than its budget of {budget.memory_mb} MB of memory"
            " and was stopped; nothing was kept"
        ) from None
    except ProcessExpired as error:
        raise OverBudgetError(
            f"{budget.what} stopped: its worker process ended ({error}); nothing was kept"
        ) from None


def _start_worker(owner: int, idle: bool) -> None:
    """A worker runs below the server's priority (or only when the processor is idle) and
    dies with the pool's `owner` process."""
    if idle and hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    else:
        os.nice(WORKER_NICENESS)
    threading.Thread(target=_die_with, args=(owner,), name="owner-watch", daemon=True).start()


def _die_with(owner: int) -> None:
    """Wait for the `owner` process to end, then end this worker and the forkserver it was
    forked from: no orphan goes on with a task that the job queue gives to another worker
    (the owner killed with SIGKILL leaves both behind otherwise)."""
    try:
        ended = os.pidfd_open(owner)
    except (AttributeError, OSError):  # not Linux 5.3+: look every second
        while _alive(owner):
            time.sleep(1.0)
    else:
        select.select([ended], [], [])
    forkserver = os.getppid()
    if forkserver not in (owner, 1):
        os.kill(forkserver, signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass(frozen=True)
class _Reopened:
    """An environment sent to a worker as its settings."""

    settings: "Settings"

    @staticmethod
    def of(argument: Any) -> Any:
        from bespoke.services.environment import Environment

        return _Reopened(argument.settings) if isinstance(argument, Environment) else argument


@functools.lru_cache(maxsize=4)
def worker_environment(settings: "Settings") -> "Environment":
    """The environment of a worker process: opened at its first task of these settings."""
    from bespoke.services.environment import open_environment

    return open_environment(settings, migrate=False)


def _within_memory(memory_mb: int, task: Callable[..., T], args: tuple[Any, ...]) -> T:
    """Run `task` with the process's address space limited to `memory_mb`."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_mb * MEGABYTE
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    received = (worker_environment(a.settings) if isinstance(a, _Reopened) else a for a in args)
    try:
        return task(*received)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
