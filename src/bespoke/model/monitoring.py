"""What machines tell the shop: normalised observations, whatever protocol brought them,
and the machine states and alarms derived from them.

Every adapter (MQTT, MTConnect agent or SHDR stream, a printer's API) turns its native
readings into `Observation`s: the machine (the shop catalog's machine id), the native data
item, a `Signal` saying what the reading means to the shop, its value and its time. The
monitoring layer turns the signals into a `MachineState` timeline, part counts, run hours
and alarms.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

MAX_ITEM = 100
"""Longest data item name or alarm code kept."""
MAX_TEXT = 500
"""Longest text value or alarm message kept."""


class Signal(StrEnum):
    """What a reading means to the shop, whatever its native name."""

    AVAILABILITY = "availability"
    """AVAILABLE or UNAVAILABLE: whether the machine answers at all."""
    EXECUTION = "execution"
    """MTConnect Execution words: ACTIVE, READY, INTERRUPTED, FEED_HOLD, STOPPED,
    OPTIONAL_STOP, PROGRAM_STOPPED, PROGRAM_COMPLETED, WAIT; a printer's states map to them."""
    EMERGENCY_STOP = "emergency_stop"
    """ARMED (may run) or TRIGGERED."""
    MODE = "mode"
    """The controller's mode: AUTOMATIC, MANUAL, MANUAL_DATA_INPUT, SEMI_AUTOMATIC, EDIT."""
    PART_COUNT = "part_count"
    """A counter of parts made, as the machine counts them (it may be reset)."""
    RUN_HOURS = "run_hours"
    """Hours the machine has run in all, as it counts them."""
    ALARM = "alarm"
    """A condition: `value` is its level (NORMAL, WARNING, FAULT, UNAVAILABLE), `code` the
    machine's own alarm code."""
    PROGRAM = "program"
    """The program (or print file) running."""
    SAMPLE = "sample"
    """Any other reading: a load, a speed, a temperature, a position."""


class AlarmLevel(StrEnum):
    NORMAL = "NORMAL"
    WARNING = "WARNING"
    FAULT = "FAULT"
    UNAVAILABLE = "UNAVAILABLE"


class Observation(BaseModel):
    """One reading of one machine at one time. `value` None: the machine could not say
    (MTConnect's UNAVAILABLE)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    machine: str = Field(min_length=1, max_length=64)
    item: str = Field(min_length=1, max_length=MAX_ITEM, description="The native data item")
    signal: Signal
    value: float | str | None
    at: datetime
    code: str | None = Field(
        default=None, max_length=MAX_ITEM, description="An alarm's native code"
    )
    message: str | None = Field(default=None, max_length=MAX_TEXT)


class MachineState(StrEnum):
    """What a machine is doing, for the floor and for OEE."""

    RUNNING = "running"
    IDLE = "idle"
    STOPPED = "stopped"
    UNAVAILABLE = "unavailable"


class Alarm(BaseModel):
    """An alarm raised by a machine, in its own words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    machine: str
    item: str
    code: str | None
    level: AlarmLevel
    message: str | None = None
    at: datetime


class StateSpan(BaseModel):
    """A machine in one state from `start` until `end` (None: still)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    machine: str
    state: MachineState
    start: datetime
    end: datetime | None = None
    alarms: list[str] = Field(default_factory=list, description="Codes of alarms active")
