"""A task's call as data, so that a worker on another machine can make it: the task by
its name (one of `QUEUED_TASKS`, never an arbitrary import) and its arguments as JSON,
read back by the task's own type annotations (pydantic), within its budget.

Two kinds of call: a background task `task(env, progress, *args)`, whose environment and
progress are the worker's own; and heavy work a request waits for (`CALLS`), any
function whose `Environment` parameters are the worker's own and whose result travels
back as JSON by its return annotation."""

import importlib
import inspect
import typing
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict, PydanticUserError, TypeAdapter, ValidationError

from bespoke.model.errors import InputError
from bespoke.services.workers import Budget

if TYPE_CHECKING:
    from bespoke.services.environment import Environment


@dataclass(frozen=True)
class QueuedTask:
    """Where a task waits (`bespoke worker --queues` picks queues), whether one shop's
    runs of it wait for each other (a shop's schedules: never two at once), and whether it
    ends its run in the transaction that keeps its result (`tasks.keep_result`); a task
    made of other tasks' work (the demo's preparation) does not."""

    queue: str
    one_per_shop: bool = False
    keeps_result: bool = True


QUEUED_TASKS = {
    "bespoke.services.quoting.quotes:plan_task": QueuedTask("plans"),
    "bespoke.services.shop.scheduling:schedule_task": QueuedTask("schedules", one_per_shop=True),
    "bespoke.services.demo:preparation": QueuedTask("plans", one_per_shop=True, keeps_result=False),
}
"""The background tasks a worker runs: a name read from the queue is looked up here."""
CALLS = frozenset(
    {
        "bespoke.services.quoting.designs:keep_design",
        "bespoke.services.quoting.quotes:keep_quote",
        "bespoke.services.quoting.across_shops:keep_across_shops",
        "bespoke.services.quoting.quotes:keep_product",
        "bespoke.services.quoting.products:check_configuration",
        "bespoke.services.quoting.product_forms:keep_checked_product",
        "bespoke.services.quoting.product_forms:_checked_spec",
        "bespoke.services.quoting.previews:drawing",
        "bespoke.services.quoting.previews:drawing_paths",
    }
)
"""The heavy work a request waits for that a worker may make (`encode_call`)."""
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
_BYTES_AS_TEXT = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")


def _adapter(hint: Any) -> "TypeAdapter[Any]":
    """JSON for a value of type `hint`; bytes (a design file) as base64 text."""
    try:
        return TypeAdapter(hint, config=_BYTES_AS_TEXT)
    except PydanticUserError:  # a model has its own configuration
        return TypeAdapter(hint)


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
    task = _task(call.task, QUEUED_TASKS)
    adapters = _parameters(task)
    if len(call.arguments) > len(adapters):
        raise InputError(f"task {call.task}: too many arguments", path="arguments")
    try:
        return task, [a.validate_python(v) for a, v in zip(adapters, call.arguments, strict=False)]
    except ValidationError as error:
        raise InputError(f"task {call.task}: arguments not as it takes them: {error}") from None


def encode_call(budget: Budget, work: Callable[..., Any], args: Sequence[Any]) -> TaskCall:
    """The call `work(*args)` as data; its `Environment` arguments are left out."""
    name = task_name(work)
    if name not in CALLS:
        raise ValueError(f"{name} is not a call a worker makes (CALLS)")
    sent = [
        adapter.dump_python(value, mode="json")
        for adapter, value in zip(_arguments(work), args, strict=True)
        if adapter is not None
    ]
    return TaskCall(name, budget, sent)


def decode_call(call: TaskCall, env: "Environment") -> tuple[Callable[..., Any], list[Any]]:
    """The work and its arguments again, with `env` for its `Environment` parameters."""
    work = _task(call.task, CALLS)
    sent = iter(call.arguments)
    try:
        args = [env if a is None else a.validate_python(next(sent)) for a in _arguments(work)]
    except (ValidationError, StopIteration) as error:
        raise InputError(f"{call.task}: arguments not as it takes them: {error}") from None
    return work, args


def result_adapter(work: Callable[..., Any]) -> "TypeAdapter[Any]":
    """How `work`'s result travels as JSON."""
    return _adapter(typing.get_type_hints(work)["return"])


def _task(name: str, known: Collection[str]) -> Callable[..., Any]:
    if name not in known:
        raise InputError(f"task {name!r} is not one a worker runs", path="task")
    module, function = name.split(":")
    task: Callable[..., Any] = getattr(importlib.import_module(module), function)
    return task


def _parameters(task: Callable[..., str]) -> list[TypeAdapter[Any]]:
    hints = typing.get_type_hints(task)
    names = list(inspect.signature(task).parameters)[SENT_AFTER:]
    return [_adapter(hints[name]) for name in names]


def _arguments(work: Callable[..., Any]) -> list["TypeAdapter[Any] | None"]:
    """Each parameter's adapter; None for an environment (the worker's own)."""
    from bespoke.services.environment import Environment

    hints = typing.get_type_hints(work)
    return [
        None if hints[name] is Environment else _adapter(hints[name])
        for name in inspect.signature(work).parameters
    ]
