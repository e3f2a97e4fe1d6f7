"""A shop calendar (weekly shifts, closed dates, a time zone) as closed periods in
seconds from a schedule's origin."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bespoke.model.calendar import Calendar, Weekday

DAYS = list(Weekday)


def closed_periods(calendar: Calendar, origin: datetime, days: int) -> list[tuple[int, int]]:
    """[start, end) seconds after `origin` (UTC, no zone) when the shop does not work,
    for `days` days, adjacent periods merged."""
    zone = ZoneInfo(calendar.timezone)
    origin_utc = origin.replace(tzinfo=UTC)
    local_start = origin_utc.astimezone(zone).date()
    open_spans: list[tuple[int, int]] = []
    for offset in range(-1, days + 1):
        day = local_start + timedelta(days=offset)
        if day in calendar.closed:
            continue
        weekday = DAYS[day.weekday()]
        for shift in calendar.shifts:
            if weekday in shift.days:
                start_at = datetime.combine(day, shift.start, zone)
                end_at = datetime.combine(day, shift.end, zone)
                open_spans.append((_seconds(start_at, origin_utc), _seconds(end_at, origin_utc)))
    open_spans.sort()
    closed: list[tuple[int, int]] = []
    cursor = 0
    horizon = days * 24 * 3600
    for begin, end in open_spans:
        if end <= cursor:
            continue
        if begin > cursor:
            closed.append((cursor, min(begin, horizon)))
        cursor = max(cursor, end)
        if cursor >= horizon:
            break
    if cursor < horizon:
        closed.append((cursor, horizon))
    return [(a, b) for a, b in closed if b > a]


def maintenance_periods(calendar: Calendar, origin: datetime) -> dict[str, list[tuple[int, int]]]:
    """Each machine's maintenance windows in seconds after `origin` (past ones dropped)."""
    periods: dict[str, list[tuple[int, int]]] = {}
    origin_utc = origin.replace(tzinfo=UTC)
    for window in calendar.maintenance:
        start = _seconds(window.start.replace(tzinfo=window.start.tzinfo or UTC), origin_utc)
        end = _seconds(window.end.replace(tzinfo=window.end.tzinfo or UTC), origin_utc)
        if end > 0:
            periods.setdefault(window.machine, []).append((max(start, 0), end))
    return periods


def _seconds(moment: datetime, origin: datetime) -> int:
    return int((moment - origin).total_seconds())
