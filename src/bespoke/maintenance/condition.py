"""A condition plan's readings weighed in time order: the runs of readings that meet its
test, and the moment each run has held long enough to fire.

Readings are weighed once: those at or before the progress's `seen_through` were weighed
by an earlier check (a trend still looks back at them over its window), those after
`now` wait for a later one."""

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from bespoke.model.maintenance import ConditionTrigger, PlanProgress
from bespoke.model.monitoring import Observation


@dataclass(frozen=True)
class Fired:
    """A run of readings meeting the test, from `since`, that held long enough at `at`."""

    since: datetime
    at: datetime


def weighed(
    trigger: ConditionTrigger,
    machine: str,
    observations: Sequence[Observation],
    progress: PlanProgress,
    now: datetime,
) -> tuple[list[Fired], PlanProgress]:
    """The runs that fired among the new readings, and the progress after them."""
    readings = sorted(
        (o.at, _number(o.value))
        for o in observations
        if o.machine == machine
        and o.item == trigger.item
        and o.signal == trigger.signal
        and o.at <= now
    )
    seen = progress.seen_through
    first_new = next(
        (i for i, (at, _) in enumerate(readings) if seen is None or at > seen), len(readings)
    )
    if first_new == len(readings):
        return [], progress
    met = _met(trigger, readings, first_new)
    since, run, last = progress.run_since, progress.run_readings, progress.last_at
    fired = []
    for (at, value), meets in zip(readings[first_new:], met, strict=True):
        if value is None:
            continue
        if not meets:
            since, run = None, 0
            continue
        if since is None:
            since, run = at, 0
        run += 1
        held = (at - since).total_seconds() >= trigger.hold_s
        if last != since and run >= trigger.readings and held:
            fired.append(Fired(since, at))
            last = since
    after = progress.model_copy(
        update={
            "seen_through": readings[-1][0],
            "run_since": since,
            "run_readings": run,
            "last_at": last,
        }
    )
    return fired, after


def _number(value: float | str | None) -> float | None:
    """A reading's number; None for one the machine could not give or that is no number."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if np.isfinite(number) else None


def _met(
    trigger: ConditionTrigger, readings: list[tuple[datetime, float | None]], first_new: int
) -> list[bool]:
    """Whether each new reading meets the test."""
    new = readings[first_new:]
    if trigger.trend is None:
        return [value is not None and trigger.met(value) for _, value in new]
    trend = trigger.trend
    numbers = [(at, value) for at, value in readings if value is not None]
    times = [at for at, _ in numbers]
    values = np.array([value for _, value in numbers], dtype=np.float64)
    met = []
    for at, value in new:
        if value is None:
            met.append(False)
            continue
        end = bisect.bisect_right(times, at)
        start = bisect.bisect_right(times, at - timedelta(seconds=trend.window_s))
        hours = np.array([(t - at).total_seconds() / 3600 for t in times[start:end]])
        met.append(trend.met(_slope(hours, values[start:end])))
    return met


def _slope(hours: npt.NDArray[np.float64], values: npt.NDArray[np.float64]) -> float:
    """The least-squares slope of `values` over `hours`; 0 without two distinct times."""
    spread = hours - hours.mean() if len(hours) else hours
    square = float(spread @ spread)
    if square <= 0:
        return 0.0
    return float(spread @ (values - values.mean())) / square
