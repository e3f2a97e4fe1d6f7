"""Recurrence rules of RFC 5545 (iCalendar, section 3.3.10) as a maintenance calendar
writes them, read by dateutil.rrule.

A rule is two lines: its start and its recurrence, e.g.

    DTSTART;TZID=Europe/Berlin:20260105T070000
    RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1

(the last working day of each month at 07:00 Berlin time). DTSTART is a UTC time
(`DTSTART:20260105T060000Z`) or a local time with its zone. The rule recurs at most daily
(several times a day: `FREQ=DAILY;BYHOUR=6,14,22`), may end by COUNT or UNTIL (a UTC
time), and must fire within `FIRST_WITHIN_YEARS` of its start: one that never does
(`FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31`, an UNTIL before DTSTART) is refused.

`recurrence` reads and checks a rule once per text and returns it with every default
spelt out (the day, month and time a rule takes from its DTSTART), so that its occurrences
can be taken up again from any period without starting over from DTSTART."""

import functools
import re
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrulestr  # type: ignore[import-untyped]

from bespoke.model.errors import InputError

MAX_RULE_TEXT = 500
"""Characters in a rule's text."""
MAX_COUNT = 10_000
"""Occurrences a rule with COUNT may have."""
FIRST_WITHIN_YEARS = 10
"""A rule must fire within this many years of its DTSTART."""
YEARS = (1970, 2199)
"""The years a DTSTART may fall in."""

MAX_INTERVAL = {"YEARLY": 10, "MONTHLY": 120, "WEEKLY": 522, "DAILY": 3_653}
"""The frequencies accepted and the longest INTERVAL of each: ten years."""
FREQUENCY = {"YEARLY": YEARLY, "MONTHLY": MONTHLY, "WEEKLY": WEEKLY, "DAILY": DAILY}
PARTS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "WKST",
        "BYMONTH",
        "BYWEEKNO",
        "BYYEARDAY",
        "BYMONTHDAY",
        "BYDAY",
        "BYHOUR",
        "BYMINUTE",
        "BYSECOND",
        "BYSETPOS",
    }
)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
RANGES = {
    "BYMONTH": (1, 12, False),
    "BYWEEKNO": (1, 53, True),
    "BYYEARDAY": (1, 366, True),
    "BYMONTHDAY": (1, 31, True),
    "BYHOUR": (0, 23, False),
    "BYMINUTE": (0, 59, False),
    "BYSECOND": (0, 59, False),
    "BYSETPOS": (1, 366, True),
}
"""The numbers each list may hold: from, to, and whether counted back from the end too."""
MAX_LIST = 60
"""Numbers or weekdays in one list."""
_DAY_PARTS = frozenset({"BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY"})

ACCEPTED = (
    "two lines: DTSTART:20260105T070000Z (UTC) or DTSTART;TZID=Europe/Berlin:20260105T070000,"
    " then RRULE:FREQ=YEARLY|MONTHLY|WEEKLY|DAILY with INTERVAL, COUNT or UNTIL (UTC, e.g."
    " 20271231T235959Z), WKST, BYMONTH, BYWEEKNO, BYYEARDAY, BYMONTHDAY, BYDAY, BYHOUR,"
    f" BYMINUTE, BYSECOND, BYSETPOS; it fires within {FIRST_WITHIN_YEARS} years of DTSTART"
)
_UTC_START = re.compile(r"DTSTART:(\d{8}T\d{6})Z")
_ZONED_START = re.compile(r"DTSTART;TZID=([A-Za-z0-9_+\-/]{1,64}):(\d{8}T\d{6})")
_UNTIL = re.compile(r"\d{8}T\d{6}Z")
_STAMP = "%Y%m%dT%H%M%S"


@dataclass(frozen=True)
class Recurrence:
    """A checked rule: dateutil's rule with its defaults spelt out, its start, how it
    recurs and how many times at most."""

    rule: Any
    """A `dateutil.rrule.rrule`."""
    start: datetime
    until: datetime | None
    frequency: str
    count: int | None
    week_start: int
    """The weekday weeks start on, 0 = Monday."""

    def period_start(self, local: date) -> date:
        """The first day of the rule's period (year, month, week or day) holding `local`."""
        match self.frequency:
            case "YEARLY":
                return local.replace(month=1, day=1)
            case "MONTHLY":
                return local.replace(day=1)
            case "WEEKLY":
                return local - timedelta(days=(local.weekday() - self.week_start) % 7)
        return local


def _refused(what: str) -> InputError:
    return InputError(f"rule: {what}; a rule is {ACCEPTED}", path="rule")


@functools.lru_cache(maxsize=1024)
def recurrence(text: str) -> Recurrence:
    """The rule written in `text`, checked; an `InputError` says what is wrong and what is
    accepted."""
    if len(text) > MAX_RULE_TEXT:
        raise _refused(f"{len(text):,} characters, at most {MAX_RULE_TEXT}")
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    starts = [line for line in lines if line.upper().startswith("DTSTART")]
    rules = [line for line in lines if line.upper().startswith("RRULE:")]
    if len(lines) != 2 or len(starts) != 1 or len(rules) != 1:
        raise _refused("not one DTSTART line and one RRULE line")
    start = _start(starts[0])
    parts = _parts(rules[0][len("RRULE:") :])
    try:
        rule = rrulestr(rules[0], dtstart=start)
    except (ValueError, TypeError, KeyError, OverflowError) as error:
        raise _refused(str(error)) from None
    week_start = WEEKDAYS.index(parts.get("WKST", "MO"))
    rule = rule.replace(wkst=week_start, **_defaults(parts, start))
    count = int(parts["COUNT"]) if "COUNT" in parts else None
    until = None
    if "UNTIL" in parts:
        until = datetime.strptime(parts["UNTIL"][:-1], _STAMP).replace(tzinfo=UTC)
        if until < start:
            raise _refused(f"UNTIL {until:%Y-%m-%d %H:%M}Z is before DTSTART {start}")
    found = Recurrence(rule, start, until, parts["FREQ"], count, week_start)
    if not _fires_early(found):
        raise _refused(f"it does not fire within {FIRST_WITHIN_YEARS} years of DTSTART")
    return found


def _start(line: str) -> datetime:
    utc, zoned = _UTC_START.fullmatch(line), _ZONED_START.fullmatch(line)
    if utc is None and zoned is None:
        raise _refused(f"DTSTART {line[:60]!r} is not a UTC time or a local time with its zone")
    try:
        if utc is not None:
            start = datetime.strptime(utc.group(1), _STAMP).replace(tzinfo=UTC)
        else:
            assert zoned is not None
            zone = ZoneInfo(zoned.group(1))
            start = datetime.strptime(zoned.group(2), _STAMP).replace(tzinfo=zone)
    except (ValueError, ZoneInfoNotFoundError) as error:
        raise _refused(f"DTSTART {line[:60]!r}: {error}") from None
    if not YEARS[0] <= start.year <= YEARS[1]:
        raise _refused(f"DTSTART in {start.year}, not in {YEARS[0]} to {YEARS[1]}")
    return start


def _parts(value: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for pair in value.upper().split(";"):
        name, sign, part = pair.partition("=")
        if not sign or not part:
            raise _refused(f"{pair[:40]!r} is not NAME=VALUE")
        if name not in PARTS or name in parts:
            raise _refused(f"{name[:40]} {'twice' if name in parts else 'is not accepted'}")
        parts[name] = part
    frequency = parts.get("FREQ")
    if frequency not in MAX_INTERVAL:
        raise _refused(f"FREQ={str(frequency)[:20]}: it recurs yearly, monthly, weekly or daily")
    _number(parts, "INTERVAL", MAX_INTERVAL[frequency])
    _number(parts, "COUNT", MAX_COUNT)
    for name, value in parts.items():
        _bounded_list(name, value)
    if "COUNT" in parts and "UNTIL" in parts:
        raise _refused("COUNT and UNTIL together (RFC 5545 allows one)")
    if "UNTIL" in parts and not _UNTIL.fullmatch(parts["UNTIL"]):
        raise _refused(f"UNTIL={parts['UNTIL'][:20]} is not a UTC time")
    if parts.get("WKST", "MO") not in WEEKDAYS:
        raise _refused(f"WKST={parts['WKST'][:20]} is not a weekday ({', '.join(WEEKDAYS)})")
    return parts


def _number(parts: dict[str, str], name: str, most: int) -> None:
    if name in parts and not (parts[name].isdigit() and 1 <= int(parts[name][:9]) <= most):
        raise _refused(f"{name}={parts[name][:20]}, a whole number from 1 to {most:,}")


def _bounded_list(name: str, value: str) -> None:
    items = value.split(",")
    if len(items) > MAX_LIST:
        raise _refused(f"{name} lists {len(items)} values, at most {MAX_LIST}")
    if name not in RANGES:
        return
    low, high, from_end = RANGES[name]
    for item in items:
        number = item[1:] if from_end and item[:1] in "+-" and item[1:] else item
        if not (number.isdigit() and low <= int(number[:4]) <= high):
            back = f" or -{high} to -1" if from_end else ""
            raise _refused(f"{name}={value[:40]}: each is {low} to {high}{back}")


def _defaults(parts: dict[str, str], start: datetime) -> dict[str, Any]:
    """What the rule takes from its DTSTART when its text does not say (as dateutil
    does), spelt out."""
    defaults: dict[str, Any] = {
        "byhour": None if "BYHOUR" in parts else start.hour,
        "byminute": None if "BYMINUTE" in parts else start.minute,
        "bysecond": None if "BYSECOND" in parts else start.second,
    }
    if not _DAY_PARTS & set(parts):
        match parts["FREQ"]:
            case "YEARLY":
                defaults["bymonthday"] = start.day
                if "BYMONTH" not in parts:
                    defaults["bymonth"] = start.month
            case "MONTHLY":
                defaults["bymonthday"] = start.day
            case "WEEKLY":
                defaults["byweekday"] = start.weekday()
    return {name: value for name, value in defaults.items() if value is not None}


def _fires_early(found: Recurrence) -> bool:
    """Whether the rule fires within `FIRST_WITHIN_YEARS` of its start.

    dateutil looks for a rule's next occurrence up to the year 9999, which takes seconds
    for a rule that never fires. So the rule is looked at in wall-clock time moved ahead
    by whole 400-year cycles of the Gregorian calendar (which keep every weekday and leap
    day) to end its search soon after the horizon: within 400 years of it at most."""
    start = found.start.replace(tzinfo=None)
    horizon = start + timedelta(days=round(365.2425 * FIRST_WITHIN_YEARS))
    shift = 400 * ((MAXYEAR - horizon.year - 1) // 400)
    until = None
    if found.until is not None:
        local = found.until.astimezone(found.start.tzinfo).replace(tzinfo=None)
        until = _moved(local, shift) if local.year + shift <= MAXYEAR else None
    probe = found.rule.replace(dtstart=_moved(start, shift), until=until)
    first = next(iter(probe), None)
    return first is not None and first <= _moved(horizon, shift)


def _moved(moment: datetime, years: int) -> datetime:
    return moment.replace(year=moment.year + years)
