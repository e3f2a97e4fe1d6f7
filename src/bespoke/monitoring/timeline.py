"""A machine's state timeline over time: intervals and their unions, spans clipped to a
window, seconds in each state, and buckets by shift and by day in the shop's time zone.

Windows are half open, [start, end). Times carry their zone; spans from the trackers are
in UTC. An open span (`end` None) lasts until `now`, which every caller states."""

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bespoke.model.monitoring import MachineState, StateSpan

MAX_SHIFTS = 24
"""Shifts in one day's pattern."""
MAX_DAYS = 1_000
"""Days bucketed at once: almost three years."""


class Interval(NamedTuple):
    """[start, end); an interval that ends before it starts is empty."""

    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return max(self.end - self.start, timedelta(0))


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """The same time as `intervals`, sorted, each moment once: overlapping and touching
    intervals merge, empty ones go."""
    merged: list[Interval] = []
    for interval in sorted(i for i in intervals if i.end > i.start):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def total(intervals: Iterable[Interval]) -> timedelta:
    """How long `intervals` cover, overlaps counted once."""
    return sum((i.length for i in union(intervals)), timedelta(0))


def intersect(first: Iterable[Interval], second: Iterable[Interval]) -> list[Interval]:
    """The time in both."""
    a, b = union(first), union(second)
    found: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i].start, b[j].start), min(a[i].end, b[j].end)
        if end > start:
            found.append(Interval(start, end))
        if a[i].end < b[j].end:
            i += 1
        else:
            j += 1
    return found


def subtract(kept: Iterable[Interval], removed: Iterable[Interval]) -> list[Interval]:
    """The time in `kept` and not in `removed`."""
    cuts = union(removed)
    found: list[Interval] = []
    for interval in union(kept):
        start = interval.start
        for cut in cuts:
            if cut.end <= start or cut.start >= interval.end:
                continue
            if cut.start > start:
                found.append(Interval(start, cut.start))
            start = max(start, cut.end)
        if interval.end > start:
            found.append(Interval(start, interval.end))
    return found


def span_interval(span: StateSpan, now: datetime) -> Interval:
    """The time of `span`; an open span lasts until `now`."""
    return Interval(span.start, span.end if span.end is not None else max(now, span.start))


def clip(spans: Iterable[StateSpan], window: Interval, *, now: datetime) -> list[StateSpan]:
    """The parts of `spans` inside `window`, each closed at the window's edge (an open
    span at `now` or the window's end, whichever is first)."""
    clipped = []
    for span in spans:
        interval = span_interval(span, now)
        start, end = max(interval.start, window.start), min(interval.end, window.end)
        if end > start:
            clipped.append(span.model_copy(update={"start": start, "end": end}))
    return clipped


def state_intervals(
    spans: Iterable[StateSpan], states: set[MachineState], *, now: datetime
) -> list[Interval]:
    """When the machine was in one of `states`, unioned."""
    return union(span_interval(s, now) for s in spans if s.state in states)


def seconds_in_state(
    spans: Iterable[StateSpan], window: Interval, *, now: datetime
) -> dict[MachineState, float]:
    """Seconds in each state inside `window` (every state present, 0 when never in it).
    Time without a span (before the first observation) is in none."""
    return _seconds(clip(spans, window, now=now))


def _seconds(clipped: Iterable[StateSpan]) -> dict[MachineState, float]:
    times = dict.fromkeys(MachineState, timedelta(0))
    for span in clipped:
        assert span.end is not None
        times[span.state] += span.end - span.start
    return {state: length.total_seconds() for state, length in times.items()}


class Shift(BaseModel):
    """A named stretch of each day in the shop's wall-clock time, e.g. "night" 22:00-06:00.
    A shift that ends at or before its start ends the next day, and belongs to the day it
    starts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=40)
    start: time
    end: time

    @model_validator(mode="after")
    def _wall_clock_and_not_empty(self) -> "Shift":
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError(
                f"shift {self.name!r}: times are wall-clock times without a zone; "
                "the zone is given when shifts are bucketed"
            )
        if self.start == self.end:
            raise ValueError(f"shift {self.name!r} starts and ends at {self.start}: no length")
        return self

    def window(self, day: date, zone: ZoneInfo) -> Interval:
        """This shift on `day` in `zone`, in UTC (on a day the clocks change, it is an
        hour longer or shorter)."""
        end_day = day + timedelta(days=1) if self.end < self.start else day
        return _local(day, self.start, end_day, self.end, zone)


class Bucket(BaseModel):
    """Seconds in each state of one shift on one day, or of a whole day (`shift` None)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: date
    shift: str | None
    start: datetime
    end: datetime
    seconds: dict[MachineState, float]


def shift_buckets(
    spans: Sequence[StateSpan],
    shifts: Sequence[Shift],
    zone: ZoneInfo,
    first: date,
    last: date,
    *,
    now: datetime,
) -> list[Bucket]:
    """Each shift of each day from `first` to `last` (inclusive), with seconds per state."""
    if len(shifts) > MAX_SHIFTS:
        raise ValueError(f"{len(shifts)} shifts in a day; at most {MAX_SHIFTS} are accepted")
    windows = [
        (day, shift.name, shift.window(day, zone)) for day in _days(first, last) for shift in shifts
    ]
    return _buckets(spans, windows, now)


def day_buckets(
    spans: Sequence[StateSpan], zone: ZoneInfo, first: date, last: date, *, now: datetime
) -> list[Bucket]:
    """Each day from `first` to `last` (inclusive), local midnight to midnight in `zone`,
    with seconds per state."""
    windows: list[tuple[date, str | None, Interval]] = [
        (day, None, _local(day, time(0), day + timedelta(days=1), time(0), zone))
        for day in _days(first, last)
    ]
    return _buckets(spans, windows, now)


def _local(first: date, start: time, last: date, end: time, zone: ZoneInfo) -> Interval:
    """Wall-clock `start` on `first` to `end` on `last` in `zone`, in UTC."""
    return Interval(
        datetime.combine(first, start, tzinfo=zone).astimezone(UTC),
        datetime.combine(last, end, tzinfo=zone).astimezone(UTC),
    )


def _days(first: date, last: date) -> list[date]:
    count = (last - first).days + 1
    if count < 1:
        raise ValueError(f"the last day ({last}) is before the first ({first})")
    if count > MAX_DAYS:
        raise ValueError(f"{count} days asked for; at most {MAX_DAYS} are bucketed at once")
    return [first + timedelta(days=n) for n in range(count)]


def _buckets(
    spans: Sequence[StateSpan],
    windows: Iterable[tuple[date, str | None, Interval]],
    now: datetime,
) -> list[Bucket]:
    """Seconds per state in each window; spans found by start, looking back no further
    than the longest span, so that many windows over many spans stay fast."""
    ordered = sorted(spans, key=lambda s: s.start)
    starts = [s.start for s in ordered]
    longest = max((span_interval(s, now).length for s in ordered), default=timedelta(0))
    buckets = []
    for day, name, window in windows:
        near = ordered[
            bisect_left(starts, window.start - longest) : bisect_left(starts, window.end)
        ]
        buckets.append(
            Bucket(
                day=day,
                shift=name,
                start=window.start,
                end=window.end,
                seconds=_seconds(clip(near, window, now=now)),
            )
        )
    return buckets
