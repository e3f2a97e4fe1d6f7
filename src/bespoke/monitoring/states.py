"""Machine state from observations: one tracker per machine, fed in time order, derives
the machine's state, keeps its active alarms, part count and run hours, and closes and
opens state spans as they change. A shop tracker holds one per machine.

The state, checked in this order (words are MTConnect's ExecutionEnum, 2.x):

- **unavailable**: availability UNAVAILABLE, or no execution reported yet, or the last
  execution value unavailable (None or the word UNAVAILABLE);
- **stopped**: emergency stop TRIGGERED, or any active FAULT alarm, or execution STOPPED
  (the program is not ready to execute), INTERRUPTED (suspended by an external signal,
  action needed to resume), FEED_HOLD (axes commanded to stop where they are) or
  PROGRAM_STOPPED (the program stopped itself, action needed to resume);
- **running**: execution ACTIVE (actively executing an instruction);
- **idle**: any other execution word: READY (ready, idle), WAIT (suspended while a
  secondary operation runs, resumes by itself), PROGRAM_COMPLETED, OPTIONAL_STOP (an M01,
  which the machine may ignore) and its deprecated name PROGRAM_OPTIONAL_STOP.

Alarms are kept by (data item, code): WARNING and FAULT raise one; NORMAL with a code
clears that code of the item, NORMAL without a code clears all of the item's (as an
MTConnect condition does); UNAVAILABLE on an alarm item clears all of the item's.

Counters (parts made, run hours) count the machine's own counter: the sum of its rises.
The first reading is the baseline (what was made before is not counted); a drop is a
reset, and the new value is the baseline of a new run, so only rises after it count
(parts made between a reset and its first reading go uncounted rather than a preset
counter's value being taken for parts).

Observations older than the last one taken are ignored and counted, as is anything the
tracker cannot read (a word it does not know, a time without a zone, a negative count);
none of them changes the state."""

import logging
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from bespoke.model.monitoring import (
    MAX_TEXT,
    Alarm,
    AlarmLevel,
    MachineState,
    Observation,
    Signal,
    StateSpan,
)

log = logging.getLogger("bespoke.monitoring")

MAX_ITEMS = 500
"""Data items whose last values and counters a machine keeps."""
MAX_ALARMS = 100
"""Alarms active on one machine at once."""
MAX_MACHINES = 1_000
"""Machines one shop tracker follows."""

STOPPING = frozenset({"STOPPED", "INTERRUPTED", "FEED_HOLD", "PROGRAM_STOPPED"})
RUNNING = frozenset({"ACTIVE"})
IDLE = frozenset({"READY", "WAIT", "PROGRAM_COMPLETED", "OPTIONAL_STOP", "PROGRAM_OPTIONAL_STOP"})
EXECUTION = STOPPING | RUNNING | IDLE
AVAILABILITY = frozenset({"AVAILABLE", "UNAVAILABLE"})
EMERGENCY_STOP = frozenset({"ARMED", "TRIGGERED"})
UNAVAILABLE = "UNAVAILABLE"
ALARM_LEVELS = frozenset(level.value for level in AlarmLevel)

Value = float | str | None


class MachineSnapshot(BaseModel):
    """What one machine is doing now, and what the tracker made of its data so far."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    machine: str
    state: MachineState
    since: datetime | None
    """Start of the current state span; None before the first observation."""
    alarms: list[Alarm]
    parts_made: int
    run_hours: float
    values: dict[str, Value]
    """The last value of each data item (text cut at MAX_TEXT characters)."""
    last_at: datetime | None
    ignored: dict[str, int]
    """Observations ignored, by reason."""


@dataclass
class _Rises:
    """A machine's own counter: the sum of its rises, a drop starting a new run."""

    total: float = 0.0
    last: float | None = None

    def read(self, value: float) -> None:
        if self.last is not None and value > self.last:
            self.total += value - self.last
        self.last = value


class _UnreadableError(Exception):
    """An observation the tracker cannot read: a fixed `reason` (counted) and a `detail`
    naming what was wrong and what is accepted (logged)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class MachineTracker:
    """One machine's state, alarms, counters and current span, from its observations."""

    def __init__(self, machine: str) -> None:
        self.machine = machine
        self.ignored: Counter[str] = Counter()
        self._unavailable = False
        self._execution: str | None = None
        self._emergency_stop = False
        self._alarms: dict[tuple[str, str | None], Alarm] = {}
        self._parts: dict[str, _Rises] = {}
        self._hours: dict[str, _Rises] = {}
        self._values: dict[str, Value] = {}
        self._last_at: datetime | None = None
        self._span: StateSpan | None = None

    @property
    def state(self) -> MachineState:
        if self._unavailable or self._execution is None:
            return MachineState.UNAVAILABLE
        if self._emergency_stop or self._execution in STOPPING or self._faulted():
            return MachineState.STOPPED
        if self._execution in RUNNING:
            return MachineState.RUNNING
        return MachineState.IDLE

    @property
    def span(self) -> StateSpan | None:
        """The open span; None before the first observation."""
        return self._span

    @property
    def parts_made(self) -> int:
        return round(sum(counter.total for counter in self._parts.values()))

    @property
    def run_hours(self) -> float:
        return sum(counter.total for counter in self._hours.values())

    def observe(self, observation: Observation) -> list[StateSpan]:
        """Take one observation; the spans it changed: none, the new open span, or the
        span it closed (with its end) and the new open one. A span is known by its
        machine and start: a change at the very time a span opened replaces that span."""
        try:
            at = self._time_of(observation)
            if self._last_at is not None and at < self._last_at:
                self._ignore("out of order", f"{at} is before {self._last_at}")
                return []
            self._take(observation, at)
        except _UnreadableError as refusal:
            self._ignore(refusal.reason, f"{refusal.detail} (item {observation.item})")
            return []
        self._last_at = at
        return self._move_to(at)

    def snapshot(self) -> MachineSnapshot:
        return MachineSnapshot(
            machine=self.machine,
            state=self.state,
            since=self._span.start if self._span else None,
            alarms=sorted(self._alarms.values(), key=lambda a: (a.at, a.item, a.code or "")),
            parts_made=self.parts_made,
            run_hours=self.run_hours,
            values=dict(self._values),
            last_at=self._last_at,
            ignored=dict(self.ignored),
        )

    def _time_of(self, observation: Observation) -> datetime:
        if observation.machine != self.machine:
            raise _UnreadableError(
                "another machine", f"for {observation.machine!r}, tracked: {self.machine!r}"
            )
        if observation.at.utcoffset() is None:
            raise _UnreadableError(
                "time without a zone", f"{observation.at} (times must carry their UTC offset)"
            )
        return observation.at.astimezone(UTC)

    def _take(self, observation: Observation, at: datetime) -> None:
        value = observation.value
        match observation.signal:
            case Signal.AVAILABILITY:
                self._unavailable = _word(value, AVAILABILITY, "availability") == UNAVAILABLE
            case Signal.EXECUTION:
                word = _word(value, EXECUTION | {UNAVAILABLE}, "execution")
                self._execution = None if word == UNAVAILABLE else word
            case Signal.EMERGENCY_STOP:
                word = _word(value, EMERGENCY_STOP | {UNAVAILABLE}, "emergency stop")
                self._emergency_stop = word == "TRIGGERED"
            case Signal.ALARM:
                self._alarm(observation, at)
            case Signal.PART_COUNT:
                self._count(self._parts, observation.item, value, whole=True)
            case Signal.RUN_HOURS:
                self._count(self._hours, observation.item, value, whole=False)
        self._keep_value(observation.item, value)

    def _alarm(self, observation: Observation, at: datetime) -> None:
        level = AlarmLevel(_word(observation.value, ALARM_LEVELS, "alarm level"))
        item, code = observation.item, observation.code
        if level in (AlarmLevel.WARNING, AlarmLevel.FAULT):
            known = self._alarms.get((item, code))
            if known is None and len(self._alarms) >= MAX_ALARMS:
                raise _UnreadableError(
                    "too many alarms", f"{code} beyond {MAX_ALARMS} alarms active at once"
                )
            since = known.at if known is not None and known.level == level else at
            self._alarms[(item, code)] = Alarm(
                machine=self.machine,
                item=item,
                code=code,
                level=level,
                message=observation.message,
                at=since,
            )
        elif level == AlarmLevel.NORMAL and code is not None:
            self._alarms.pop((item, code), None)
        else:
            for key in [key for key in self._alarms if key[0] == item]:
                del self._alarms[key]

    def _count(self, counters: dict[str, _Rises], item: str, value: Value, whole: bool) -> None:
        if value is None or value == UNAVAILABLE:
            return
        reading = _reading(value, whole)
        if item not in counters and len(counters) >= MAX_ITEMS:
            raise _UnreadableError("too many counters", f"{item} beyond {MAX_ITEMS} counters")
        counters.setdefault(item, _Rises()).read(reading)

    def _keep_value(self, item: str, value: Value) -> None:
        if item in self._values or len(self._values) < MAX_ITEMS:
            self._values[item] = value[:MAX_TEXT] if isinstance(value, str) else value
        else:
            self._ignore("too many data items", f"{item} beyond {MAX_ITEMS} kept")

    def _faulted(self) -> bool:
        return any(alarm.level == AlarmLevel.FAULT for alarm in self._alarms.values())

    def _alarm_codes(self) -> list[str]:
        return sorted({code if code is not None else item for item, code in self._alarms})

    def _move_to(self, at: datetime) -> list[StateSpan]:
        state, codes = self.state, self._alarm_codes()
        span = self._span
        if span is not None and (span.state, span.alarms) == (state, codes):
            return []
        opened = StateSpan(machine=self.machine, state=state, start=at, alarms=codes)
        self._span = opened
        if span is None or span.start == at:
            return [opened]
        return [span.model_copy(update={"end": at}), opened]

    def _ignore(self, reason: str, detail: str) -> None:
        self.ignored[reason] += 1
        log.warning("machine %s: observation ignored: %s (%s)", self.machine, reason, detail[:300])


def _word(value: Value, accepted: Iterable[str], what: str) -> str:
    """`value` as one of the `accepted` words (any case); None is UNAVAILABLE."""
    if value is None:
        return UNAVAILABLE
    word = str(value).strip().upper()
    if word not in accepted:
        raise _UnreadableError(
            f"unknown {what}", f"{str(value)[:40]!r}; accepted: {', '.join(sorted(accepted))}"
        )
    return word


def _reading(value: float | str, whole: bool) -> float:
    """A counter's reading: a finite number at least 0, whole for a count of parts."""
    try:
        number = float(value)
    except ValueError:
        raise _UnreadableError(
            "counter not a number", f"{str(value)[:40]!r} is not a number"
        ) from None
    if not math.isfinite(number) or number < 0 or (whole and not number.is_integer()):
        kind = "a whole number" if whole else "a number"
        raise _UnreadableError("counter out of range", f"{number} is not {kind} at least 0")
    return number


class ShopTracker:
    """A tracker for each machine of one shop, made when its first observation comes."""

    def __init__(self) -> None:
        self.trackers: dict[str, MachineTracker] = {}
        self.ignored: Counter[str] = Counter()

    def observe(self, observations: Iterable[Observation]) -> list[StateSpan]:
        """Take a batch of observations (each machine's in time order, ties kept in the
        order given); the spans that changed, each once in its latest form: closed ones
        with their end, and the new open ones."""
        changed: dict[tuple[str, datetime], StateSpan] = {}
        for observation in sorted(observations, key=_order):
            tracker = self._tracker(observation.machine)
            if tracker is None:
                continue
            for span in tracker.observe(observation):
                changed[(span.machine, span.start)] = span
        return list(changed.values())

    def snapshot(self) -> dict[str, MachineSnapshot]:
        return {name: tracker.snapshot() for name, tracker in self.trackers.items()}

    def _tracker(self, machine: str) -> MachineTracker | None:
        tracker = self.trackers.get(machine)
        if tracker is None:
            if len(self.trackers) >= MAX_MACHINES:
                self.ignored["too many machines"] += 1
                log.warning("machine %s ignored: %d already followed", machine, MAX_MACHINES)
                return None
            tracker = self.trackers[machine] = MachineTracker(machine)
        return tracker


def _order(observation: Observation) -> tuple[str, float]:
    """Sort key: machine, then time (a time without a zone sorts first and is refused)."""
    at = observation.at
    return observation.machine, at.timestamp() if at.utcoffset() is not None else -math.inf
