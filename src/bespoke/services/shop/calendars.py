"""The shop's calendar as people read it: the days ahead with their hours, closed dates
and maintenance, and what a change to it did, in words."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, field_validator

from bespoke.model.calendar import Calendar, MaintenanceWindow, Weekday

DAYS = list(Weekday)
DAY_NAMES = {
    Weekday.MON: "Monday",
    Weekday.TUE: "Tuesday",
    Weekday.WED: "Wednesday",
    Weekday.THU: "Thursday",
    Weekday.FRI: "Friday",
    Weekday.SAT: "Saturday",
    Weekday.SUN: "Sunday",
}


class Planned(BaseModel):
    """Maintenance on a machine at a time: a window of the calendar or a maintenance order."""

    machine: str
    title: str
    start: datetime
    end: datetime | None
    order_id: int | None = None
    window: int | None = None
    """The calendar's window (from 1), when it is one."""

    @field_validator("start", "end")
    @classmethod
    def _in_utc(cls, moment: datetime | None) -> datetime | None:
        """Times stored without a zone are UTC."""
        return _utc(moment) if moment is not None else None


class CalendarDay(BaseModel):
    """One day as the shop works it."""

    day: date
    weekday: str
    hours: list[tuple[time, time]]
    closed: str | None
    """Why the shop is closed that day ("" when no reason was given); None: open."""
    maintenance: list[Planned]


def hours_by_day(calendar: Calendar) -> dict[Weekday, list[tuple[time, time]]]:
    """Each weekday's shifts, earliest first."""
    return {day: sorted((s.start, s.end) for s in calendar.shifts if day in s.days) for day in DAYS}


def windows(calendar: Calendar) -> list[Planned]:
    """The calendar's maintenance windows."""
    return [
        Planned(
            machine=w.machine,
            title="maintenance window",
            start=w.start,
            end=w.end,
            window=number,
        )
        for number, w in enumerate(calendar.maintenance, start=1)
    ]


def days_ahead(
    calendar: Calendar, first: date, count: int, maintenance: Sequence[Planned]
) -> list[CalendarDay]:
    """`count` days from `first` (in the shop's time zone): hours, closing and the
    maintenance that starts or runs on each."""
    zone = ZoneInfo(calendar.timezone)
    hours = hours_by_day(calendar)
    days = []
    for offset in range(count):
        day = first + timedelta(days=offset)
        weekday = DAYS[day.weekday()]
        closed = calendar.closed_reasons.get(day, "") if day in calendar.closed else None
        on_day = [p for p in maintenance if _runs_on(p, day, zone)]
        days.append(
            CalendarDay(
                day=day,
                weekday=DAY_NAMES[weekday],
                hours=hours[weekday],
                closed=closed,
                maintenance=sorted(on_day, key=lambda p: p.start),
            )
        )
    return days


def _runs_on(planned: Planned, day: date, zone: ZoneInfo) -> bool:
    start = planned.start.astimezone(zone).date()
    end = (planned.end or planned.start).astimezone(zone).date()
    return start <= day <= end


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def calendar_changes(old: Calendar, new: Calendar) -> list[str]:
    """What a change did to the calendar, one line per change."""
    lines = []
    if old.timezone != new.timezone:
        lines.append(f"time zone {old.timezone} -> {new.timezone}")
    before, after = hours_by_day(old), hours_by_day(new)
    lines += [
        f"{DAY_NAMES[day]}: {_hours(before[day])} -> {_hours(after[day])}"
        for day in DAYS
        if before[day] != after[day]
    ]
    for day in sorted(set(new.closed) - set(old.closed)):
        reason = new.closed_reasons.get(day)
        lines.append(f"closed {day.isoformat()}" + (f" ({reason})" if reason else ""))
    lines += [f"open again {d.isoformat()}" for d in sorted(set(old.closed) - set(new.closed))]
    lines += [
        f"reason for {d.isoformat()}: {new.closed_reasons.get(d, '')}"
        for d in sorted(set(old.closed) & set(new.closed))
        if old.closed_reasons.get(d) != new.closed_reasons.get(d)
    ]
    lines += [
        f"maintenance window {_window(w)}" for w in new.maintenance if w not in old.maintenance
    ]
    lines += [
        f"maintenance window removed: {_window(w)}"
        for w in old.maintenance
        if w not in new.maintenance
    ]
    return lines


def _hours(shifts: list[tuple[time, time]]) -> str:
    return ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in shifts) or "closed"


def _window(window: MaintenanceWindow) -> str:
    return f"{window.machine} {window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} UTC"
