"""What a scheduler is given and what it gives back, in whole time units (seconds in a
shop, the file's units for benchmark instances).

A `Job` is an order's or a batch's work: `Task`s (one operation, or a piece of one)
whose precedences form a DAG, each runnable on one of several stations with its own
duration. A `Station` (a machine, or a bench for hand work; the catalog's `Machine` is
what a machine can do) has closed periods (nights, holidays, maintenance) and the shop
has set-up times between set-up families. A `Schedule` places every task on a station
at a start time.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Alternative(_Frozen):
    """One machine a task can run on, and how long it takes there."""

    machine: str
    duration: int = Field(ge=0)


class Task(_Frozen):
    """One operation of a job to schedule."""

    id: str
    alternatives: list[Alternative] = Field(min_length=1)
    family: str | None = Field(default=None, description="Set-up family (material, colour ...)")
    pausable: bool = Field(
        default=False,
        description="May run on through a closed period (unattended: printing, curing)",
    )


class Job(_Frozen):
    """An order line's work: tasks, the order they must follow, its dates and weight."""

    id: str
    tasks: list[Task] = Field(min_length=1)
    precedences: list[tuple[str, str]] | None = Field(
        default=None, description="(before, after) task ids; None: the tasks form a chain"
    )
    release: int = Field(default=0, ge=0, description="Earliest start (material arrives)")
    due: int | None = Field(default=None, ge=0)
    weight: float = Field(default=1.0, ge=0)

    def edges(self) -> list[tuple[str, str]]:
        if self.precedences is not None:
            return list(self.precedences)
        return [(a.id, b.id) for a, b in zip(self.tasks, self.tasks[1:], strict=False)]


class Station(_Frozen):
    """A machine and the periods [start, end) it cannot work."""

    id: str
    closed: list[tuple[int, int]] = Field(default_factory=list)


class Objective(StrEnum):
    MAKESPAN = "makespan"
    TARDINESS = "tardiness"  # total weighted tardiness
    BOTH = "both"  # weighted tardiness first, then makespan


class ScheduledTask(_Frozen):
    """A task placed: on which machine, from when to when (set-up before `start`)."""

    job: str
    task: str
    machine: str
    start: int
    end: int


class Problem(_Frozen):
    """Everything a schedule must respect, and what it should minimise."""

    jobs: list[Job]
    machines: list[Station]
    links: list[tuple[str, str]] = Field(
        default_factory=list,
        description="(before, after) task ids of different jobs: a batch made for several"
        " jobs comes before each one's next task",
    )
    setup_times: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="from family -> to family -> set-up time"
    )
    frozen: list[ScheduledTask] = Field(
        default_factory=list, description="Tasks started or done: they stay where they are"
    )
    now: int = Field(default=0, ge=0, description="No task that is not frozen starts before")
    previous: list[ScheduledTask] = Field(
        default_factory=list,
        description="The schedule being repaired: after the objective, move as few tasks"
        " from it as possible",
    )
    objective: Objective = Objective.MAKESPAN

    def setup(self, before: str | None, after: str | None) -> int:
        if before is None or after is None or before == after:
            return 0
        return self.setup_times.get(before, {}).get(after, 0)


class Schedule(_Frozen):
    """A complete schedule and how good it is."""

    tasks: list[ScheduledTask]
    makespan: int
    weighted_tardiness: float = 0.0
    status: str = Field(description="optimal, improved (by the solver) or heuristic")
    lower_bound: int | None = None
    setups: int = Field(default=0, description="Changes of set-up family on machines")
    moved: int = Field(default=0, description="Tasks not where the previous schedule had them")


class KeptTask(ScheduledTask):
    """A task of a kept schedule and the orders it works for: one order's, or a batch's of
    several."""

    model_config = ConfigDict(extra="ignore")

    order_id: int | None = Field(default=None, description="The order; None: a batch's task")
    batch: str | None = Field(default=None, description="The batch; None: one order's task")
    orders: list[int] = Field(default_factory=list, description="The orders it works for")

    def placed(self) -> ScheduledTask:
        """The task as the scheduler placed it."""
        return ScheduledTask(
            job=self.job, task=self.task, machine=self.machine, start=self.start, end=self.end
        )


class ScheduleDocument(BaseModel):
    """The stored document of a kept schedule: its tasks in time order."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = 1
    objective: Objective
    tasks: list[KeptTask]
    lower_bound: int | None = None


class Closure(BaseModel):
    """A machine taken out of the schedule from now for some hours: stopped by an alarm,
    broken down, waiting for a repair."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    machine: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    hours: float = Field(gt=0, le=24 * 14, description="How long from now, at most two weeks")
    reason: str = Field(default="", max_length=200)


class OrderCompletion(BaseModel):
    """When a schedule finishes an order's work, against when it is due."""

    order_id: int
    due: datetime
    expected: datetime
    late: bool


class KeptSchedule(BaseModel):
    """A kept schedule as the API and pages show it, times in seconds from `origin`, with
    when it finishes each order (late ones first)."""

    id: int
    created_at: datetime
    origin: datetime
    status: str
    makespan_s: int
    weighted_tardiness: float
    setups: int
    moved: int
    tasks: list[KeptTask]
    completions: list[OrderCompletion] = Field(default_factory=list)
