"""The ISO 22400-2 time elements and quantities of one machine over one period, from its
state timeline (or a log of its breakdowns), its planned windows, and what was booked.

PBT is the planned windows less the planned down time (breaks, planned maintenance), each
moment once however the windows overlap. Time after `now` is not counted: a shift under
way is measured up to now."""

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, model_validator

from bespoke.model.monitoring import MachineState, StateSpan
from bespoke.monitoring.kpis import KpiInput, Quantity, Seconds
from bespoke.monitoring.timeline import (
    Interval,
    intersect,
    state_intervals,
    subtract,
    total,
    union,
)


class Booking(BaseModel):
    """Parts booked against the machine in the period, and their planned run time each."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    produced: Quantity
    scrap: Quantity = 0
    rework: Quantity = 0
    pri: Seconds
    """Planned run time per item, seconds."""

    @model_validator(mode="after")
    def _not_more_than_made(self) -> "Booking":
        if self.scrap + self.rework > self.produced:
            raise ValueError(
                f"scrap ({self.scrap}) and rework ({self.rework}) exceed the parts "
                f"produced ({self.produced})"
            )
        return self


def planned_busy(
    planned: Iterable[Interval], planned_downtime: Iterable[Interval]
) -> list[Interval]:
    """PBT as intervals: the planned windows less the planned down time."""
    return subtract(union(planned), planned_downtime)


def from_spans(
    spans: Iterable[StateSpan],
    *,
    period: Interval,
    planned: Iterable[Interval],
    planned_downtime: Iterable[Interval] = (),
    bookings: Iterable[Booking] = (),
    setup_seconds: float = 0.0,
    now: datetime,
) -> KpiInput:
    """Time elements from the machine's state spans, within PBT: running is APT, stopped
    is ADET (faults, holds, interruptions); idle (ISO's unit down time, ADOT) and
    unavailable (unplanned down time) are neither, and lost from PBT. Setup time, which
    the states cannot tell, is booked (`setup_seconds`, ASUT)."""
    window = _measured(period, now)
    busy = intersect(planned_busy(planned, planned_downtime), [window])
    spans = list(spans)
    apt = intersect(state_intervals(spans, {MachineState.RUNNING}, now=now), busy)
    adet = intersect(state_intervals(spans, {MachineState.STOPPED}, now=now), busy)
    return _elements(window, busy, apt, adet, bookings, setup_seconds)


def from_downtime(
    *,
    period: Interval,
    planned: Iterable[Interval],
    planned_downtime: Iterable[Interval] = (),
    unplanned_downtime: Iterable[Interval] = (),
    bookings: Iterable[Booking] = (),
    setup_seconds: float = 0.0,
    now: datetime,
) -> KpiInput:
    """Time elements from a log of breakdowns rather than observed states: APT is PBT less
    the unplanned down time within it, overlapping breakdowns counted once, and that down
    time is ADET. Breakdowns during planned down time cost nothing."""
    window = _measured(period, now)
    busy = intersect(planned_busy(planned, planned_downtime), [window])
    down = intersect(unplanned_downtime, busy)
    return _elements(window, busy, subtract(busy, down), down, bookings, setup_seconds)


def _measured(period: Interval, now: datetime) -> Interval:
    for name, moment in (("period start", period.start), ("now", now)):
        if moment.utcoffset() is None:
            raise ValueError(f"{name} ({moment}) has no time zone; times must carry one")
    return Interval(period.start, max(period.start, min(period.end, now)))


def _elements(
    window: Interval,
    busy: list[Interval],
    apt: list[Interval],
    adet: list[Interval],
    bookings: Iterable[Booking],
    setup_seconds: float,
) -> KpiInput:
    booked = list(bookings)
    produced = sum(b.produced for b in booked)
    scrap = sum(b.scrap for b in booked)
    rework = sum(b.rework for b in booked)
    planned_run = sum(b.pri * b.produced for b in booked)
    return KpiInput(
        period=window.length.total_seconds(),
        pbt=total(busy).total_seconds(),
        apt=total(apt).total_seconds(),
        adet=total(adet).total_seconds(),
        asut=setup_seconds,
        pri=planned_run / produced if produced else 0.0,
        pq=produced,
        gq=produced - scrap - rework,
        sq=scrap,
        rq=rework,
    )
