"""A machine's state timeline: unions of intervals, clipping, seconds per state, and
buckets by shift (one crossing midnight) and by day in the shop's zone."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bespoke.model.monitoring import MachineState, StateSpan
from bespoke.monitoring.timeline import (
    MAX_DAYS,
    Interval,
    Shift,
    clip,
    day_buckets,
    intersect,
    seconds_in_state,
    shift_buckets,
    subtract,
    total,
    union,
)

BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 3, 2, tzinfo=UTC)
SHIFTS = [
    Shift(name="early", start=time(6), end=time(14)),
    Shift(name="late", start=time(14), end=time(22)),
    Shift(name="night", start=time(22), end=time(6)),
]


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def between(start: float, end: float) -> Interval:
    return Interval(at(start), at(end))


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def span(state: MachineState, start: datetime, end: datetime | None = None) -> StateSpan:
    return StateSpan(machine="m", state=state, start=start, end=end)


def test_overlapping_and_touching_intervals_merge() -> None:
    merged = union([between(10.5, 11.5), between(10, 11), between(13, 14), between(14, 15)])
    assert merged == [between(10, 11.5), between(13, 15)]
    assert total([between(10, 11), between(10.5, 11.5)]) == timedelta(hours=1.5)
    assert union([between(12, 11)]) == []


def test_intersect_and_subtract() -> None:
    assert intersect([between(6, 14)], [between(5, 7), between(13, 15)]) == [
        between(6, 7),
        between(13, 14),
    ]
    assert subtract([between(6, 14)], [between(10, 11), between(10.5, 11.5)]) == [
        between(6, 10),
        between(11.5, 14),
    ]
    assert subtract([between(6, 8)], [between(5, 9)]) == []


def test_clip_closes_spans_at_the_window_and_open_ones_at_now() -> None:
    spans = [span(MachineState.IDLE, at(5), at(7)), span(MachineState.RUNNING, at(7))]
    clipped = clip(spans, between(6, 14), now=at(9))
    assert [(s.state, s.start, s.end) for s in clipped] == [
        (MachineState.IDLE, at(6), at(7)),
        (MachineState.RUNNING, at(7), at(9)),
    ]
    seconds = seconds_in_state(spans, between(6, 14), now=at(20))
    assert seconds == {
        MachineState.RUNNING: 7 * 3600,
        MachineState.IDLE: 3600,
        MachineState.STOPPED: 0,
        MachineState.UNAVAILABLE: 0,
    }


def test_shift_buckets_follow_a_night_shift_across_midnight() -> None:
    # Berlin is UTC+1 in early March. Running 21:00-02:00 local, idle 02:00-07:00.
    spans = [
        span(MachineState.RUNNING, local("2026-03-02T21:00"), local("2026-03-03T02:00")),
        span(MachineState.IDLE, local("2026-03-03T02:00"), local("2026-03-03T07:00")),
    ]
    buckets = shift_buckets(spans, SHIFTS, BERLIN, date(2026, 3, 2), date(2026, 3, 3), now=at(99))
    hours = {
        (b.day.day, b.shift): {s.value: v / 3600 for s, v in b.seconds.items() if v}
        for b in buckets
    }
    assert hours == {
        (2, "early"): {},
        (2, "late"): {"running": 1},  # 21:00-22:00
        (2, "night"): {"running": 4, "idle": 4},  # 22:00-02:00 and 02:00-06:00, next morning
        (3, "early"): {"idle": 1},  # 06:00-07:00
        (3, "late"): {},
        (3, "night"): {},
    }
    night = next(b for b in buckets if (b.day.day, b.shift) == (2, "night"))
    assert (night.start, night.end) == (at(21), at(29))  # 22:00 and 06:00 local, in UTC


def test_day_buckets_are_local_days_and_follow_the_clock_change() -> None:
    # Berlin moves its clocks forward on 29 March 2026: that day has 23 hours.
    running = [span(MachineState.RUNNING, local("2026-03-27T00:00"))]
    buckets = day_buckets(running, BERLIN, date(2026, 3, 28), date(2026, 3, 30), now=at(99 * 24))
    assert [b.seconds[MachineState.RUNNING] / 3600 for b in buckets] == [24, 23, 24]
    assert buckets[0].start == local("2026-03-28T00:00")
    assert [b.shift for b in buckets] == [None, None, None]
    night = shift_buckets(
        running, SHIFTS[2:], BERLIN, date(2026, 3, 28), date(2026, 3, 28), now=at(99 * 24)
    )
    assert night[0].seconds[MachineState.RUNNING] == 7 * 3600


def test_buckets_find_a_long_span_among_many_short_ones() -> None:
    long = span(MachineState.STOPPED, at(-48), at(30))
    short = [span(MachineState.RUNNING, at(30 + n / 60), at(30 + (n + 1) / 60)) for n in range(600)]
    buckets = day_buckets(
        [long, *short], ZoneInfo("UTC"), date(2026, 3, 2), date(2026, 3, 3), now=at(99)
    )
    assert buckets[0].seconds[MachineState.STOPPED] == 24 * 3600
    assert buckets[1].seconds == {
        MachineState.STOPPED: 6 * 3600,
        MachineState.RUNNING: 10 * 3600,
        MachineState.IDLE: 0,
        MachineState.UNAVAILABLE: 0,
    }


def test_a_shift_needs_a_length_and_wall_clock_times() -> None:
    with pytest.raises(ValidationError, match="no length"):
        Shift(name="none", start=time(6), end=time(6))
    with pytest.raises(ValidationError, match="without a zone"):
        Shift(name="zoned", start=time(6, tzinfo=UTC), end=time(14))


def test_days_asked_for_are_bounded() -> None:
    first = date(2026, 1, 1)
    with pytest.raises(ValueError, match=f"at most {MAX_DAYS}"):
        day_buckets([], BERLIN, first, first + timedelta(days=MAX_DAYS), now=at(0))
    with pytest.raises(ValueError, match="before the first"):
        day_buckets([], BERLIN, first, first - timedelta(days=1), now=at(0))
