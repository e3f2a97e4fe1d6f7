"""A calendar plan's occurrences, numbered from 0 at the rule's first, taken lazily: never
more of a rule than is asked for, however long it runs.

After an occurrence already known, the rule is taken up again from the start of the
period (year, month, week or day) holding it rather than from its DTSTART, so that a
check costs the same in a plan's tenth year as in its first."""

import functools
from collections.abc import Iterator
from datetime import datetime, time
from itertools import count

from bespoke.model.maintenance import CalendarTrigger
from bespoke.model.recurrence import Recurrence, recurrence


def occurrences(
    trigger: CalendarTrigger, after: tuple[int, datetime] | None = None
) -> Iterator[tuple[int, datetime]]:
    """(index, time) of each occurrence of the rule, in order; those after the occurrence
    `after` (its index and time) when given."""
    found = recurrence(trigger.rule)
    if after is None:
        times: Iterator[datetime] = iter(found.rule)
        numbers = count(0)
    else:
        index, last = after
        times = (t for t in iter(found.rule.replace(dtstart=_resumed(found, last))) if t > last)
        numbers = count(index + 1)
    for number, moment in zip(numbers, times, strict=False):
        if found.count is not None and number >= found.count:
            return
        yield number, moment


@functools.lru_cache(maxsize=4096)
def next_occurrence(
    trigger: CalendarTrigger, after: tuple[int, datetime] | None = None
) -> tuple[int, datetime] | None:
    """The first occurrence (after `after`), None when the rule has ended; remembered,
    as checks that find nothing due ask for the same one again and again."""
    return next(occurrences(trigger, after), None)


def _resumed(found: Recurrence, last: datetime) -> datetime:
    """Local midnight at the start of the rule's period holding `last`, or the rule's
    DTSTART when `last` is in its first period."""
    local = last.astimezone(found.start.tzinfo)
    first_day = found.period_start(local.date())
    resumed = datetime.combine(first_day, time(), tzinfo=found.start.tzinfo)
    return max(resumed, found.start)
