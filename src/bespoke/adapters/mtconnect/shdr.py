"""SHDR, the line protocol of MTConnect adapters, read into one device's readings.

A data line is `timestamp|key|value|key|value...`; a condition takes five fields after its
key (`level|native_code|native_severity|qualifier|text`), a message two (`native_code|text`),
an ALARM of MTConnect 1.x five (`code|native_code|severity|state|text`), a time series
three (`count|rate|values`). Keys name a data item by id or name, optionally as
`device:key`. A key the device does not have is counted and skipped with the one field
after it (as the reference agent does). Asset commands (`@ASSET@`, `@REMOVE_ASSET@`,
`@REMOVE_ALL_ASSETS@`) and the lines of a `--multiline--` block are skipped; so are
protocol lines (`* PING`, `* PONG 10000`, `*adapterVersion:...`) and blank lines.

The timestamp is ISO 8601 (one without an offset is UTC), empty for "now", or, in the
simulator's scenarios, a delay in seconds after the previous line (`delays=True`).
"""

import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from bespoke.adapters.feeds import FeedStats
from bespoke.adapters.mtconnect.devices import Category, DataItem, Device
from bespoke.adapters.mtconnect.readings import (
    Reading,
    ReadingError,
    Refusals,
    alarm_level,
    is_unavailable,
    observation,
    parse_time,
)
from bespoke.model.monitoring import Observation

MAX_LINE = 64 * 1024
"""Longest SHDR line read, in characters."""
MAX_BLOCK = 1024 * 1024
"""Most characters of a multiline block skipped while waiting for its terminator."""
MAX_DELAY_S = 86_400.0
"""Longest delay of a simulator scenario line."""
MULTILINE = "--multiline--"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def tokens(line: str) -> list[str]:
    """The fields of a line: split on `|`, trimmed; a field in double quotes loses its
    quotes and backslash escapes."""
    fields = [field.strip() for field in line.split("|")]
    return [_unquote(field) for field in fields]


def _unquote(field: str) -> str:
    if len(field) >= 2 and field[0] == field[-1] == '"':
        return re.sub(r"\\(.)", r"\1", field[1:-1])
    return field


class ShdrParser:
    """Reads one device's SHDR lines, in order (a multiline block spans lines), counting
    what it refuses in `stats`: `received` counts data lines."""

    def __init__(
        self,
        device: Device,
        stats: FeedStats,
        *,
        delays: bool = False,
        start: datetime | None = None,
        refusals: Refusals | None = None,
    ) -> None:
        self.device = device
        self.stats = stats
        self.refusals = refusals or Refusals(stats)
        self.delays = delays
        self.skipped: Counter[str] = Counter()
        """Lines read that carry no reading: asset, protocol, blank."""
        self._clock = start or datetime.now(UTC)
        self._terminator: str | None = None
        self._block = 0

    def observations(self, line: str, machine: str) -> list[Observation]:
        """The observations of one line for the shop's `machine`."""
        found = []
        for reading in self.readings(line):
            try:
                found.append(observation(reading, machine))
            except ReadingError as bad:
                self.refusals.refuse(bad.reason, bad.detail)
        return found

    def readings(self, line: str) -> list[Reading]:
        """The readings of one line; nothing for a line that carries none or is refused."""
        if self._terminator is not None:
            self._in_block(line)
            return []
        line = line.rstrip()
        if not line:
            self.skipped["blank"] += 1
            return []
        if line.startswith("*"):
            self.skipped["protocol"] += 1
            return []
        self.stats.received += 1
        if len(line) > MAX_LINE:
            self.refusals.refuse("overlong line", f"{len(line)} characters; at most {MAX_LINE}")
            return []
        if CONTROL.search(line):
            self.refusals.refuse("control characters", f"line {line[:60]!r}")
            return []
        marker = line.find(MULTILINE)
        if marker >= 0:
            self._terminator, self._block = line[marker:], 0
            self.skipped["asset"] += 1
            return []
        fields = tokens(line)
        if len(fields) < 2 or not fields[1]:
            self.refusals.refuse("missing data", f"line {line[:60]!r} has no key after its time")
            return []
        try:
            at = self._time(fields[0])
        except ReadingError as bad:
            self.refusals.refuse(bad.reason, bad.detail)
            return []
        if fields[1].startswith("@"):
            self.skipped["asset"] += 1
            return []
        return self._items(at, fields)

    def _in_block(self, line: str) -> None:
        self._block += len(line) + 1
        if line.rstrip() == self._terminator:
            self._terminator = None
        elif self._block > MAX_BLOCK:
            self._terminator = None
            self.refusals.refuse(
                "unterminated multiline block",
                f"no terminator within {MAX_BLOCK} characters; reading lines again",
            )

    def _time(self, field: str) -> datetime:
        if not field:
            return datetime.now(UTC)
        if not self.delays:
            return parse_time(field)
        try:
            delay = float(field)
        except ValueError:
            delay = -1.0
        if not 0.0 <= delay <= MAX_DELAY_S:
            raise ReadingError("bad delay", f"{field[:40]!r}: seconds from 0 to {MAX_DELAY_S:.0f}")
        self._clock += timedelta(seconds=delay)
        return self._clock

    def _items(self, at: datetime, fields: list[str]) -> list[Reading]:
        found = []
        index = 1
        while index < len(fields):
            key = fields[index]
            index += 1
            item = self._item(key)
            if item is None:
                self.refusals.refuse_once(
                    "unknown data item", key, f"{key[:100]!r} is not an item of {self.device.name}"
                )
                index += 1
                continue
            values = fields[index : index + item.fields]
            index += item.fields
            if not values:
                self.refusals.refuse("missing value", f"{item.key} has no value")
                continue
            try:
                found.append(reading_of(item, at, values))
            except ReadingError as bad:
                self.refusals.refuse(bad.reason, bad.detail)
        return found

    def _item(self, key: str) -> DataItem | None:
        item = self.device.item(key)
        if item is None and ":" in key:
            device, _, name = key.partition(":")
            if device in (self.device.name, self.device.uuid, self.device.id):
                item = self.device.item(name)
        return item


def reading_of(item: DataItem, at: datetime, values: list[str]) -> Reading:
    """The reading of `item` from the SHDR fields after its key (at least one)."""

    def field(index: int) -> str | None:
        return (values[index] or None) if index < len(values) else None

    if item.category is Category.CONDITION:
        return Reading(item, at, field(4), field(0), field(1), field(2), field(3))
    if item.type == "ALARM":
        level = alarm_level(field(2), field(3))
        return Reading(item, at, field(4), level, field(1) or field(0), field(2))
    if item.type == "MESSAGE":
        text = values[1] if len(values) > 1 else ""
        return Reading(item, at, None if is_unavailable(text) else text, native_code=field(0))
    if item.representation == "TIME_SERIES" and len(values) < item.fields:
        raise ReadingError("missing value", f"{item.key}: a time series needs count|rate|values")
    text = values[-1]  # the value follows an asset type or a series' count and rate
    return Reading(item, at, None if is_unavailable(text) else text)


def parse_shdr(
    lines: Iterable[str],
    device: Device,
    machine: str,
    *,
    delays: bool = False,
    start: datetime | None = None,
) -> tuple[list[Observation], FeedStats]:
    """Every observation of a recording of `device`, and what was counted reading it."""
    stats = FeedStats()
    parser = ShdrParser(device, stats, delays=delays, start=start)
    found = [found for line in lines for found in parser.observations(line, machine)]
    stats.delivered = len(found)
    return found, stats
