"""Maintenance of the shop's machines: plans and what triggers them, the meters that count
a machine's use, what is due, requests for a repair, and the failures a machine has had.

A `MaintenancePlan` says what is done to a machine (its checklist, duration, skills and
spare parts) and when: by the calendar (an RFC 5545 rule), by use (each time a meter
passes a mark) or by condition (a reading beyond a threshold, or trending, for a while).
Each time it falls due is an occurrence with a stable key, so that work is generated for
it once, however often or late the check runs. Times are aware datetimes; durations are
seconds; meters count in their own units (`Meter`)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from bespoke.model.bounds import WithoutNul
from bespoke.model.errors import InputError
from bespoke.model.monitoring import MAX_ITEM, Signal
from bespoke.model.recurrence import recurrence

MAX_TASKS = 100
"""Checklist items of one plan."""
MAX_SKILLS = 20
MAX_PARTS = 50
"""Kinds of spare part one plan uses."""
MAX_DURATION_S = 7 * 86_400
"""Longest expected duration of one plan's work: a week."""
MAX_WINDOW_S = 366 * 86_400
"""Widest tolerance around a due point in time: a year either way."""
MAX_METER = 1e12
"""Largest meter value or step kept: beyond any machine's life in any unit."""
MAX_HOLD_S = 30 * 86_400
"""Longest a condition may be asked to hold, or a trend be measured over: a month."""
MAX_READINGS = 1_000
"""Most readings a condition may be asked to hold for."""

Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
"""A machine's, a plan's or a spare part's id."""
Text = Annotated[str, Field(min_length=1, max_length=120), WithoutNul]
ChecklistItem = Annotated[str, Field(min_length=1, max_length=500), WithoutNul]
MeterValue = Annotated[float, Field(ge=0, le=MAX_METER, allow_inf_nan=False)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Meter(StrEnum):
    """What a machine's use is counted in, each cumulative in its own unit."""

    RUN_HOURS = "run_hours"
    """Hours the machine has run."""
    CYCLES = "cycles"
    """Cycles (strokes, shots, parts) the machine has made."""
    CUT_M = "cut_m"
    """Metres the machine has cut."""
    PRINTED_H = "printed_h"
    """Hours a printer has printed."""
    PRINTED_KG = "printed_kg"
    """Kilograms of material a printer has printed."""


class CatchUp(StrEnum):
    """What a check that runs late generates for the occurrences it finds due."""

    ALL = "all"
    """One work order for each occurrence: the calendar plans' default."""
    LATEST = "latest"
    """One for the latest occurrence only, the ones before it folded into it: the default
    of usage and condition plans (servicing once brings the machine up to date)."""


class CalendarTrigger(_Frozen):
    """Due at each occurrence of an RFC 5545 rule (`bespoke.model.recurrence`)."""

    kind: Literal["calendar"] = "calendar"
    rule: str = Field(description="At most 500 characters, checked by `recurrence`")

    @field_validator("rule")
    @classmethod
    def _fires(cls, rule: str) -> str:
        recurrence(rule)
        return rule


class UsageTrigger(_Frozen):
    """Due each time the meter passes `first_at + k * every` (k = 0, 1, 2 ...)."""

    kind: Literal["usage"] = "usage"
    meter: Meter
    every: float = Field(gt=0, le=MAX_METER)
    first_at: MeterValue

    def mark(self, index: int) -> float:
        """The meter value the `index`th occurrence is due at."""
        return self.first_at + index * self.every


class Trend(_Frozen):
    """A reading's least-squares slope over the last `window_s` seconds, per hour, beyond
    `limit_per_h`: at or above it when it is positive, at or below it when negative."""

    window_s: float = Field(gt=0, le=MAX_HOLD_S)
    limit_per_h: float = Field(le=MAX_METER, ge=-MAX_METER)

    @field_validator("limit_per_h")
    @classmethod
    def _not_zero(cls, limit: float) -> float:
        if limit == 0:
            raise ValueError("limit_per_h: a rise (> 0) or a fall (< 0) per hour, not 0")
        return limit

    def met(self, slope_per_h: float) -> bool:
        return (
            slope_per_h >= self.limit_per_h
            if self.limit_per_h > 0
            else (slope_per_h <= self.limit_per_h)
        )


CONDITION_SIGNALS = frozenset({Signal.SAMPLE, Signal.PART_COUNT, Signal.RUN_HOURS})
"""The signals whose readings are numbers a condition can weigh."""


class ConditionTrigger(_Frozen):
    """Due when a machine's readings of `item` meet one test (`above` a threshold, `below`
    one, or a `trend`) for at least `hold_s` seconds and `readings` readings in a row.

    Each run of readings meeting the test is one occurrence, whose key is the time of its
    first reading; a reading that does not meet it ends the run, one the machine could not
    give (None) neither meets nor ends it."""

    kind: Literal["condition"] = "condition"
    item: str = Field(min_length=1, max_length=MAX_ITEM)
    signal: Signal = Signal.SAMPLE
    above: float | None = Field(default=None, ge=-MAX_METER, le=MAX_METER)
    below: float | None = Field(default=None, ge=-MAX_METER, le=MAX_METER)
    trend: Trend | None = None
    hold_s: float = Field(default=0.0, ge=0, le=MAX_HOLD_S)
    readings: int = Field(default=1, ge=1, le=MAX_READINGS)

    @model_validator(mode="after")
    def _one_test(self) -> Self:
        tests = [t for t in (self.above, self.below, self.trend) if t is not None]
        if len(tests) != 1:
            raise ValueError(f"one test: above, below or trend (got {len(tests)})")
        if self.signal not in CONDITION_SIGNALS:
            names = ", ".join(sorted(CONDITION_SIGNALS))
            raise ValueError(f"signal: {self.signal} is not a number; one of {names}")
        return self

    def met(self, value: float) -> bool:
        """Whether a reading meets a threshold test (a trend is weighed over readings)."""
        if self.above is not None:
            return value > self.above
        return self.below is not None and value < self.below


Trigger = Annotated[CalendarTrigger | UsageTrigger | ConditionTrigger, Field(discriminator="kind")]


class SparePart(_Frozen):
    part: Identifier
    quantity: float = Field(gt=0, le=1_000_000)


class Tolerance(_Frozen):
    """How early (<= 0) and how late (>= 0) around its due point the work may be done:
    seconds for calendar and condition plans, the meter's units for usage plans. A
    condition plan's work is due from when it fires: only `late` counts for it."""

    early: float = Field(default=0.0, le=0, ge=-MAX_METER)
    late: float = Field(default=0.0, ge=0, le=MAX_METER)


class MaintenancePlan(_Frozen):
    """What is done to a machine, and when."""

    id: Identifier
    machine: Identifier
    component: Text | None = None
    title: Text
    trigger: Trigger
    tasks: list[ChecklistItem] = Field(default_factory=list, max_length=MAX_TASKS)
    duration_s: int = Field(ge=1, le=MAX_DURATION_S, description="Expected duration")
    skills: list[Identifier] = Field(default_factory=list, max_length=MAX_SKILLS)
    parts: list[SparePart] = Field(default_factory=list, max_length=MAX_PARTS)
    window: Tolerance = Tolerance()
    catch_up: CatchUp | None = Field(
        default=None, description="None: all for calendar plans, the latest for the others"
    )

    @model_validator(mode="after")
    def _window_fits(self) -> Self:
        early, late = self.window.early, self.window.late
        if isinstance(self.trigger, UsageTrigger):
            if -early >= self.trigger.every:
                raise ValueError(
                    f"window.early: {early:g} {self.trigger.meter} reaches back a whole"
                    f" interval ({self.trigger.every:g}); it is less than that"
                )
        elif max(-early, late) > MAX_WINDOW_S:
            raise ValueError(f"window: seconds, each at most {MAX_WINDOW_S:,} (a year)")
        return self

    @property
    def catching_up(self) -> CatchUp:
        """How a late check catches up on this plan's occurrences."""
        if self.catch_up is not None:
            return self.catch_up
        return CatchUp.ALL if isinstance(self.trigger, CalendarTrigger) else CatchUp.LATEST


class MeterReading(_Frozen):
    """A meter's value at a time. `reset`: the meter was zeroed or replaced before this
    reading, which counts from 0 again."""

    machine: Identifier
    meter: Meter
    value: float = Field(le=MAX_METER)
    at: AwareDatetime
    reset: bool = False

    @field_validator("value")
    @classmethod
    def _counts(cls, value: float) -> float:
        if not value >= 0:
            raise InputError(
                f"meter reading: {value}; a meter counts up from 0 (a reading is 0 or more)",
                path="value",
            )
        return value


class MeterState(_Frozen):
    """A meter as read so far: its use counted through any resets (`value`), the last
    reading as the meter showed it (`shown`), and the first reading, from which its mean
    rate of use is taken."""

    machine: Identifier
    meter: Meter
    value: MeterValue
    shown: MeterValue
    at: AwareDatetime
    first_value: MeterValue
    first_at: AwareDatetime

    @property
    def rate_per_s(self) -> float | None:
        """Mean use per second since the first reading; None before any time has passed."""
        elapsed = (self.at - self.first_at).total_seconds()
        return (self.value - self.first_value) / elapsed if elapsed > 0 else None


class PartUsage(_Frozen):
    """What making one part uses of a machine's meters beyond its running time."""

    cut_length_mm: float = Field(default=0.0, ge=0, le=1e9)
    mass_kg: float = Field(default=0.0, ge=0, le=1e6)
    cycles: float = Field(default=1.0, ge=0, le=1e6)


class PlanProgress(_Frozen):
    """What a plan has generated so far, kept with the plan and given back by each check.

    Calendar and usage plans count occurrences from 0 (`last_index`; a calendar plan also
    keeps the time of its last, `last_at`). A condition plan keeps the start of its last
    run that fired (`last_at`), how far it has weighed readings (`seen_through`) and the
    run under way (`run_since`, `run_readings`)."""

    last_key: str | None = Field(default=None, max_length=200)
    last_index: int | None = Field(default=None, ge=0)
    last_at: AwareDatetime | None = None
    seen_through: AwareDatetime | None = None
    run_since: AwareDatetime | None = None
    run_readings: int = Field(default=0, ge=0)


class TimeWindow(_Frozen):
    """When work may be done: from `earliest` to `latest` (None: not known yet, for a
    usage plan whose meter's rate is not known)."""

    earliest: AwareDatetime
    latest: AwareDatetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.latest is not None and self.latest < self.earliest:
            raise ValueError(f"latest ({self.latest}) is before earliest ({self.earliest})")
        return self


class Due(_Frozen):
    """One occurrence of a plan that is due: its stable key, its due point (a time, or a
    meter value for a usage plan), and when the work may be done."""

    plan_id: Identifier
    machine: Identifier
    key: str = Field(max_length=200)
    title: Text
    duration_s: int = Field(ge=1, le=MAX_DURATION_S)
    due_at: AwareDatetime | None = None
    due_meter: float | None = None
    window: TimeWindow
    meter_window: tuple[float, float] | None = Field(
        default=None, description="Usage plans: the meter values the work may be done between"
    )
    skipped: int = Field(default=0, ge=0, description="Occurrences folded into this one")

    def overdue(self, now: datetime) -> bool:
        return self.window.latest is not None and self.window.latest < now


class DueCheck(_Frozen):
    """What one check of a plan found due, and the plan's progress after it."""

    dues: list[Due]
    progress: PlanProgress


class RequestKind(StrEnum):
    FAILURE = "failure"
    """The machine broke down."""
    CONDITION = "condition"
    """A reading says it needs attention before it breaks."""


class MaintenanceRequest(_Frozen):
    """A call for unplanned work on a machine."""

    machine: Identifier
    kind: RequestKind
    reason: Text
    reported_at: AwareDatetime
    repair_s: int | None = Field(
        default=None, ge=1, le=MAX_DURATION_S, description="Expected time to repair"
    )


class FailureRecord(_Frozen):
    """A machine failed at `failed_at`; its repair ended at `repaired_at` (None: not yet)."""

    machine: Identifier
    failed_at: AwareDatetime
    repaired_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _repaired_after(self) -> Self:
        if self.repaired_at is not None and self.repaired_at <= self.failed_at:
            raise ValueError(
                f"{self.machine}: repaired at {self.repaired_at}, not after it failed"
                f" ({self.failed_at})"
            )
        return self


class Reliability(_Frozen):
    """A machine's failures over a period: MTBF (operating time per failure), MTTR (mean
    time to repair), and availability MTBF / (MTBF + MTTR); None where nothing counts."""

    machine: Identifier
    period_s: float
    failures: int
    repairs: int
    downtime_s: float
    operating_s: float
    mtbf_s: float | None
    mttr_s: float | None
    availability: float | None
