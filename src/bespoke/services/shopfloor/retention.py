"""Raw observations are kept for a while, then rolled up: each machine's readings of one
data item over one hour become one `observation_hours` row (how many, the numbers' least,
most and sum, the last value) and the raw rows go, a bounded chunk per transaction.

The cut is on a whole hour, so that an hour is rolled up at once. A reading that arrives
later for an hour already rolled up is added to its counts, least, most and sum, but does
not replace its last value (a later reading already gave it)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from bespoke.model.errors import InputError
from bespoke.services.environment import Environment
from bespoke.store import now as clock_now
from bespoke.store.tables import ObservationHourRow

MAX_KEEP_DAYS = 3650
CHUNK = 5_000
"""Raw rows rolled up and deleted in one transaction."""
DELETE_BATCH = 500
"""Row ids in one DELETE statement."""


class Compacted(BaseModel):
    """What a compaction did: raw rows rolled up and deleted, hourly rows made or added to."""

    cut: datetime
    """Raw readings before this time (UTC) were rolled up."""
    rows: int
    hours: int


@dataclass
class _Hour:
    signal: str
    count: int = 0
    least: float | None = None
    most: float | None = None
    total: float | None = None
    last_number: float | None = None
    last_text: str | None = None

    def take(self, number: float | None, text: str | None, *, last: bool = True) -> None:
        self.count += 1
        if number is not None:
            self.least = number if self.least is None else min(self.least, number)
            self.most = number if self.most is None else max(self.most, number)
            self.total = number if self.total is None else self.total + number
        if last:
            self.last_number, self.last_text = number, text

    def add(self, other: "_Hour", *, last: bool) -> None:
        self.count += other.count
        self.least = _either(min, self.least, other.least)
        self.most = _either(max, self.most, other.most)
        self.total = _either(_plus, self.total, other.total)
        if last:
            self.last_number, self.last_text = other.last_number, other.last_text


def _plus(a: float, b: float) -> float:
    return a + b


def _either(
    pick: Callable[[float, float], float], mine: float | None, theirs: float | None
) -> float | None:
    """`pick` of the two, or the one there is."""
    if mine is None or theirs is None:
        return theirs if mine is None else mine
    return pick(mine, theirs)


def compact(
    env: Environment,
    shop_id: int,
    keep_days: int = 7,
    *,
    now: datetime | None = None,
    chunk: int = CHUNK,
) -> Compacted:
    """Roll the shop's raw readings older than `keep_days` (counted from `now`, UTC, by
    default the clock's) into hourly rows, and delete them."""
    if not 1 <= keep_days <= MAX_KEEP_DAYS:
        raise InputError(
            f"keep_days: {keep_days} is not a whole number of days from 1 to {MAX_KEEP_DAYS}",
            path="keep_days",
        )
    moment = (now.astimezone(UTC).replace(tzinfo=None) if now else clock_now()) - timedelta(
        days=keep_days
    )
    cut = moment.replace(minute=0, second=0, microsecond=0)
    with env.uow() as uow:
        machines = uow.observations.machines_before(shop_id, cut)
    rows = hours = 0
    for machine in machines:
        made: set[tuple[str, datetime]] = set()
        while True:
            done, changed = _compact_chunk(env, shop_id, machine, cut, chunk, made)
            rows, hours = rows + done, hours + changed
            if done < chunk:
                break
    return Compacted(cut=cut, rows=rows, hours=hours)


def _compact_chunk(
    env: Environment,
    shop_id: int,
    machine: str,
    cut: datetime,
    chunk: int,
    made: set[tuple[str, datetime]],
) -> tuple[int, int]:
    """Roll up and delete one chunk of a machine's oldest readings; how many rows went
    and how many hourly rows were made or changed. `made` holds the hours this compaction
    made, whose last value a later chunk replaces."""
    with env.uow() as uow:
        readings = uow.observations.oldest(shop_id, machine, cut, chunk)
        if not readings:
            return 0, 0
        rolled: dict[tuple[str, datetime], _Hour] = {}
        for _id, item, signal, number, text, at in readings:
            key = (item, at.replace(minute=0, second=0, microsecond=0))
            rolled.setdefault(key, _Hour(signal)).take(number, text)
        stored = {
            (r.item, r.hour): r for r in uow.observations.hours_of(shop_id, machine, list(rolled))
        }
        for key, hour in rolled.items():
            row = stored.get(key)
            if row is None:
                uow.observations.add(_new_row(shop_id, machine, key, hour))
                made.add(key)
                continue
            kept = _Hour(
                row.signal,
                row.count,
                row.least,
                row.most,
                row.total,
                row.last_number,
                row.last_text,
            )
            kept.add(hour, last=key in made)
            _update(row, kept)
        ids = [reading[0] for reading in readings]
        for start in range(0, len(ids), DELETE_BATCH):
            uow.observations.delete(ids[start : start + DELETE_BATCH])
        uow.commit()
        return len(readings), len(rolled)


def _new_row(
    shop_id: int, machine: str, key: tuple[str, datetime], hour: _Hour
) -> ObservationHourRow:
    return ObservationHourRow(
        shop_id=shop_id, machine=machine, item=key[0], hour=key[1], **_values(hour)
    )


def _update(row: ObservationHourRow, hour: _Hour) -> None:
    for name, value in _values(hour).items():
        setattr(row, name, value)


def _values(hour: _Hour) -> dict[str, Any]:
    return {
        "signal": hour.signal,
        "count": hour.count,
        "least": hour.least,
        "most": hour.most,
        "total": hour.total,
        "last_number": hour.last_number,
        "last_text": hour.last_text,
    }
