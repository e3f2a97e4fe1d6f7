"""What a maintenance plan has due now, from what it generated before.

An occurrence is due from the start of its window: a calendar occurrence `early` seconds
before its time, a usage occurrence when the meter is `early` units short of its mark, a
condition's when its run has held long enough. Each has a stable key: the plan's id and
the occurrence's time (`plan@20260105T070000Z`), its index (`plan#3`, the meter's fourth
mark) or the start of its run (`plan~20260105T070000Z`). A check returns the occurrences
that fell due since the last one, and the plan's progress to keep for the next, so that
none is generated twice and none is missed, however late or seldom the checks run: a
late check catches up on every occurrence it finds due or, by the plan's `catch_up`
(`MaintenancePlan.catching_up`), only on the latest."""

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bespoke.maintenance.condition import weighed
from bespoke.maintenance.occurrences import next_occurrence, occurrences
from bespoke.model.errors import InputError
from bespoke.model.maintenance import (
    CalendarTrigger,
    CatchUp,
    ConditionTrigger,
    Due,
    DueCheck,
    MaintenancePlan,
    MeterState,
    PlanProgress,
    TimeWindow,
    UsageTrigger,
)
from bespoke.model.monitoring import Observation

MAX_DUES = 1_000
"""Occurrences one check returns at most; the next check goes on from the last."""
MAX_PASSED = 100_000
"""Occurrences a check catching up on the latest passes over at most; the next goes on."""
MAX_OBSERVATIONS = 100_000
"""Observations one check of a condition plan weighs at most."""


def due_now(
    plan: MaintenancePlan,
    progress: PlanProgress,
    now: datetime,
    *,
    meter: MeterState | None = None,
    observations: Sequence[Observation] = (),
) -> DueCheck:
    """The plan's occurrences due at `now` and not generated before, in order, and its
    progress after them. A usage plan reads `meter` (its machine's meter; None: not read
    yet); a condition plan weighs `observations` (its machine's, in any order, from at
    least a trend's window before the last check)."""
    match plan.trigger:
        case CalendarTrigger():
            return _calendar(plan, plan.trigger, progress, now)
        case UsageTrigger():
            return _usage(plan, plan.trigger, progress, meter)
        case ConditionTrigger():
            return _condition(plan, plan.trigger, progress, now, observations)


def _calendar(
    plan: MaintenancePlan, trigger: CalendarTrigger, progress: PlanProgress, now: datetime
) -> DueCheck:
    early, late = timedelta(seconds=plan.window.early), timedelta(seconds=plan.window.late)
    last = None
    if progress.last_index is not None and progress.last_at is not None:
        last = (progress.last_index, progress.last_at)
    first = next_occurrence(trigger, last)
    if first is None or first[1] + early > now:
        return DueCheck(dues=[], progress=progress)
    found: list[tuple[int, datetime]] = []
    passed = 0
    for index, at in occurrences(trigger, last):
        if at + early > now:
            break
        passed += 1
        if plan.catching_up is CatchUp.LATEST:
            found.clear()
        found.append((index, at))
        if len(found) == MAX_DUES or passed == MAX_PASSED:
            break
    if not found:
        return DueCheck(dues=[], progress=progress)
    dues = [
        _due(
            plan,
            f"{plan.id}@{_stamp(at)}",
            TimeWindow(earliest=at + early, latest=at + late),
            due_at=at,
            skipped=passed - len(found),
        )
        for _, at in found
    ]
    index, at = found[-1]
    return DueCheck(
        dues=dues,
        progress=progress.model_copy(
            update={"last_index": index, "last_at": at, "last_key": dues[-1].key}
        ),
    )


def _usage(
    plan: MaintenancePlan,
    trigger: UsageTrigger,
    progress: PlanProgress,
    meter: MeterState | None,
) -> DueCheck:
    if meter is None:
        return DueCheck(dues=[], progress=progress)
    if (meter.machine, meter.meter) != (plan.machine, trigger.meter):
        raise InputError(
            f"plan {plan.id}: counts {plan.machine} {trigger.meter}, was given"
            f" {meter.machine} {meter.meter}",
            path="meter",
        )
    reach = meter.value - plan.window.early
    last = _last_mark(trigger, reach)
    first = 0 if progress.last_index is None else progress.last_index + 1
    if last < first:
        return DueCheck(dues=[], progress=progress)
    if plan.catching_up is CatchUp.LATEST:
        indices, skipped = [last], last - first
    else:
        indices, skipped = list(range(first, min(last, first + MAX_DUES - 1) + 1)), 0
    dues = [_usage_due(plan, trigger, meter, index, skipped) for index in indices]
    return DueCheck(
        dues=dues,
        progress=progress.model_copy(update={"last_index": indices[-1], "last_key": dues[-1].key}),
    )


def _last_mark(trigger: UsageTrigger, reach: float) -> int:
    """The index of the last mark at or below `reach` (-1: none)."""
    index = math.floor((reach - trigger.first_at) / trigger.every)
    while trigger.mark(index + 1) <= reach:
        index += 1
    while index >= 0 and trigger.mark(index) > reach:
        index -= 1
    return max(index, -1)


def _usage_due(
    plan: MaintenancePlan, trigger: UsageTrigger, meter: MeterState, index: int, skipped: int
) -> Due:
    mark = trigger.mark(index)
    rate = meter.rate_per_s
    latest = None
    if rate is not None and rate > 0:
        to_go = (mark + plan.window.late - meter.value) / rate
        latest = meter.at + timedelta(seconds=max(to_go, 0.0))
    return _due(
        plan,
        f"{plan.id}#{index}",
        TimeWindow(earliest=meter.at, latest=latest),
        due_meter=mark,
        meter_window=(mark + plan.window.early, mark + plan.window.late),
        skipped=skipped,
    )


def _condition(
    plan: MaintenancePlan,
    trigger: ConditionTrigger,
    progress: PlanProgress,
    now: datetime,
    observations: Sequence[Observation],
) -> DueCheck:
    if len(observations) > MAX_OBSERVATIONS:
        raise InputError(
            f"plan {plan.id}: {len(observations):,} observations in one check, at most"
            f" {MAX_OBSERVATIONS:,}; check more often",
            path="observations",
        )
    fired, after = weighed(trigger, plan.machine, observations, progress, now)
    if not fired:
        return DueCheck(dues=[], progress=after)
    late = timedelta(seconds=plan.window.late)
    skipped = 0
    if plan.catching_up is CatchUp.LATEST:
        fired, skipped = fired[-1:], len(fired) - 1
    dues = [
        _due(
            plan,
            f"{plan.id}~{_stamp(run.since)}",
            TimeWindow(earliest=run.at, latest=run.at + late),
            due_at=run.at,
            skipped=skipped,
        )
        for run in fired
    ]
    return DueCheck(dues=dues, progress=after.model_copy(update={"last_key": dues[-1].key}))


def _due(
    plan: MaintenancePlan,
    key: str,
    window: TimeWindow,
    *,
    due_at: datetime | None = None,
    due_meter: float | None = None,
    meter_window: tuple[float, float] | None = None,
    skipped: int = 0,
) -> Due:
    return Due(
        plan_id=plan.id,
        machine=plan.machine,
        key=key,
        title=plan.title,
        duration_s=plan.duration_s,
        due_at=due_at,
        due_meter=due_meter,
        window=window,
        meter_window=meter_window,
        skipped=skipped,
    )


def _stamp(moment: datetime) -> str:
    """A time in UTC as RFC 5545 writes it, with microseconds when it has them."""
    utc = moment.astimezone(UTC)
    fraction = f".{utc.microsecond:06d}" if utc.microsecond else ""
    return f"{utc:%Y%m%dT%H%M%S}{fraction}Z"
