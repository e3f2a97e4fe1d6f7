"""A native reading of one data item, however it came (an SHDR line, an agent's document),
and the one place it becomes a normalised `Observation`."""

import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from bespoke.adapters.feeds import FeedStats
from bespoke.adapters.mtconnect.devices import DataItem
from bespoke.model.monitoring import MAX_ITEM, MAX_TEXT, AlarmLevel, Observation, Signal

log = logging.getLogger("bespoke.feeds.mtconnect")

UNAVAILABLE = "UNAVAILABLE"
MAX_TIMESTAMP = 40
"""Longest timestamp read (ISO 8601 with 7 fraction digits and an offset is 33)."""


class ReadingError(ValueError):
    """A reading refused, with the reason it is counted under."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Reading:
    """One data item's value at one time, still in the machine's words. `value` None:
    UNAVAILABLE; for a condition or an alarm, `value` is its text and `level` its level."""

    item: DataItem
    at: datetime
    value: str | None
    level: str | None = None
    native_code: str | None = None
    native_severity: str | None = None
    qualifier: str | None = None


def parse_time(text: str) -> datetime:
    """An ISO 8601 timestamp as MTConnect writes it, in UTC; one without an offset is UTC.
    A trailing `@duration` (SHDR) is ignored."""
    stamp = text.partition("@")[0].strip()
    if not stamp or len(stamp) > MAX_TIMESTAMP or "T" not in stamp:
        raise ReadingError("bad timestamp", f"{text[:60]!r} is not an ISO 8601 date and time")
    try:
        at = datetime.fromisoformat(stamp)
    except ValueError:
        raise ReadingError(
            "bad timestamp", f"{text[:60]!r} is not an ISO 8601 date and time"
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def format_time(at: datetime) -> str:
    """A UTC timestamp as agents write it: 2022-08-08T13:51:34.716714Z."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def is_unavailable(text: str) -> bool:
    return text.upper() == UNAVAILABLE


def alarm_level(severity: str | None, state: str | None) -> str:
    """The level of an ALARM event of MTConnect 1.0 to 1.2: CLEARED is NORMAL, an ACTIVE
    CRITICAL or ERROR alarm a FAULT, any other a WARNING."""
    if (state or "").upper() == "CLEARED":
        return AlarmLevel.NORMAL
    if (severity or "").upper() in ("CRITICAL", "ERROR"):
        return AlarmLevel.FAULT
    return AlarmLevel.WARNING


def observation(reading: Reading, machine: str) -> Observation:
    """The normalised observation of `reading` for the shop's `machine`; raises
    `ReadingError` for a value its data item cannot have."""
    item = reading.item
    code = reading.native_code or None
    if code is not None and len(code) > MAX_ITEM:
        raise ReadingError("bad value", f"{item.key}: native code longer than {MAX_ITEM}")
    message = None
    value: float | str | None
    if item.signal is Signal.ALARM:
        level = (reading.level or "").upper()
        if level not in AlarmLevel.__members__:
            raise ReadingError(
                "bad condition level",
                f"{item.key}: {level[:40]!r}; accepted: {', '.join(AlarmLevel)}",
            )
        value = level
        message = reading.value[:MAX_TEXT] if reading.value else None
    elif reading.value is None:
        value = None
    elif item.numeric:
        value = _number(item, reading.value)
    else:
        value = reading.value[:MAX_TEXT]
    try:
        return Observation(
            machine=machine,
            item=item.key,
            signal=item.signal,
            value=value,
            at=reading.at,
            code=code,
            message=message,
        )
    except ValidationError as error:
        raise ReadingError("bad value", f"{item.key}: {error.errors()[0]['msg']}") from None


def _number(item: DataItem, text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise ReadingError("bad value", f"{item.key}: {text[:40]!r} is not a number") from None
    if not math.isfinite(number):
        raise ReadingError("bad value", f"{item.key}: {text[:40]!r} is not a finite number")
    return number / 3600.0 if item.signal is Signal.RUN_HOURS else number


class Refusals:
    """Counts refused readings in a feed's stats, logging a repeated one only once (an
    unknown data item or device sends every second)."""

    def __init__(self, stats: FeedStats) -> None:
        self.stats = stats
        self._logged: set[tuple[str, str]] = set()

    def refuse(self, reason: str, detail: str) -> None:
        self.stats.reject(reason, detail)

    def refuse_once(self, reason: str, key: str, detail: str) -> None:
        """Count under `reason`; log only the first time for `key`."""
        if (reason, key) in self._logged or len(self._logged) > 10_000:
            self.stats.rejected[reason] += 1
            return
        self._logged.add((reason, key))
        self.stats.reject(reason, f"{detail} (logged once)")
