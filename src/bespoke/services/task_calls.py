"""A background task's call as data, so that a worker on another machine can make it: the
task by its name (one of `QUEUED_TASKS`, never an arbitrary import) and its arguments as
JSON, read back by the task's own type annotations (pydantic), within its budget.

A task is `task(env, progress, *args)`; the environment and the progress are the worker's
own and are not sent."""

import importlib
import inspect
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from bespoke.model.errors import InputError
from bespoke.services.workers import Budget


@dataclass(frozen=True)
class QueuedTask:
    """Where a task waits (`bespoke worker --queues` picks queues) and whether one shop's
    runs of it wait for each other (a shop's schedules: never two at once)."""

    queue: str
    one_per_shop: bool = False


QUEUED_TASKS = {
    "bespoke.services.quoting.quotes:plan_task": QueuedTask("plans"),
    "bespoke.services.shop.scheduling:schedule_task": QueuedTask("schedules", one_per_shop=True),
    "bespoke.services.demo:preparation": QueuedTask("plans", one_per_shop=True),
}
"""The tasks a worker runs: a name read from the queue is looked up here, not imported."""
SENT_AFTER = 2
"""A task's first two parameters (environment, progress) are the worker's own."""


@dataclass(frozen=True)
class TaskCall:
    """Which task, within what budget, with which arguments (JSON)."""

    task: str
    budget: Budget
    arguments: list[Any]

    def as_json(self) -> dict[str, Any]:
        return {"budget": _BUDGET.dump_python(self.budget, mode="json"), "args": self.arguments}

    @classmethod
    def from_json(cls, task: str, stored: dict[str, Any]) -> "TaskCall":
        return cls(task, _BUDGET.validate_python(stored["budget"]), list(stored["args"]))


_BUDGET = TypeAdapter(Budget)


def task_name(task: Callable[..., str]) -> str:
    """The name a task is queued by: its module and function."""
    return f"{task.__module__}:{task.__qualname__}"


def encode(budget: Budget, task: Callable[..., str], args: Sequence[Any]) -> TaskCall:
    """The call of `task(env, progress, *args)` as data; a task not in `QUEUED_TASKS`
    is a programming error."""
    name = task_name(task)
    if name not in QUEUED_TASKS:
        raise ValueError(f"{name} is not a queued task (QUEUED_TASKS)")
    adapters = _parameters(task)
    if len(args) > len(adapters):
        raise ValueError(f"{name} takes {len(adapters)} arguments, given {len(args)}")
    sent = [a.dump_python(value, mode="json") for a, value in zip(adapters, args, strict=False)]
    return TaskCall(name, budget, sent)


def decode(call: TaskCall) -> tuple[Callable[..., str], list[Any]]:
    """The task and its arguments again, checked against its annotations."""
    if call.task not in QUEUED_TASKS:
        raise InputError(f"task {call.task!r} is not one a worker runs", path="task")
    module, function = call.task.split(":")
    task = getattr(importlib.import_module(module), function)
    adapters = _parameters(task)
    if len(call.arguments) > len(adapters):
        raise InputError(f"task {call.task}: too many arguments", path="arguments")
    try:
        return task, [a.validate_python(v) for a, v in zip(adapters, call.arguments, strict=False)]
    except ValidationError as error:
        raise InputError(f"task {call.task}: arguments not as it takes them: {error}") from None


def _parameters(task: Callable[..., str]) -> list[TypeAdapter[Any]]:
    hints = typing.get_type_hints(task)
    names = list(inspect.signature(task).parameters)[SENT_AFTER:]
    return [TypeAdapter(hints[name]) for name in names]
