"""Meters: a machine's cumulative use, read from the machine or booked on the floor.

A meter only counts up. A reading below the last is refused unless it declares a reset
(the meter was zeroed or replaced), after which its readings count from 0 again and the
use they show is added to what was counted before, so that a plan's marks stay where
they were."""

import math
from collections.abc import Collection, Mapping
from datetime import datetime

from bespoke.model.errors import InputError
from bespoke.model.execution import WorkOrderLedger
from bespoke.model.maintenance import Meter, MeterReading, MeterState, PartUsage
from bespoke.model.monitoring import Observation, Signal

OBSERVED = {Signal.RUN_HOURS: Meter.RUN_HOURS, Signal.PART_COUNT: Meter.CYCLES}
"""The signals a machine reports its own meters by."""
RESETTING = frozenset({Signal.PART_COUNT})
"""Counters operators reset: a drop is a reset. A run-hours counter that drops is refused."""


def recorded(state: MeterState | None, reading: MeterReading) -> MeterState:
    """The meter after `reading`; the same state for a reading given twice."""
    if state is None:
        return MeterState(
            machine=reading.machine,
            meter=reading.meter,
            value=reading.value,
            shown=reading.value,
            at=reading.at,
            first_value=reading.value,
            first_at=reading.at,
        )
    name = f"{reading.machine} {reading.meter}"
    if (reading.machine, reading.meter) != (state.machine, state.meter):
        raise InputError(
            f"meter reading: {name} given for the meter {state.machine} {state.meter}",
            path="meter",
        )
    if reading.at < state.at:
        raise InputError(
            f"meter reading: {name} at {reading.at} is before its last reading"
            f" ({state.at}); readings come in time order",
            path="at",
        )
    if reading.at == state.at and reading.value == state.shown and not reading.reset:
        return state
    if reading.value < state.shown and not reading.reset:
        raise InputError(
            f"meter reading: {name} went down from {state.shown:g} to {reading.value:g} at"
            f" {reading.at}; a meter only counts up: declare a reset (reset: true) when it"
            " was zeroed or replaced",
            path="value",
        )
    rise = reading.value if reading.reset else reading.value - state.shown
    return state.model_copy(
        update={"value": state.value + rise, "shown": reading.value, "at": reading.at}
    )


def reading_from_observation(
    observation: Observation, state: MeterState | None
) -> MeterReading | None:
    """The meter reading a RUN_HOURS (hours) or PART_COUNT (cycles) observation makes,
    with a part counter's drop declared a reset; None for any other signal or a reading
    the machine could not give. An unreadable value is refused with an `InputError`."""
    meter = OBSERVED.get(observation.signal)
    if meter is None or observation.value is None or observation.value == "UNAVAILABLE":
        return None
    try:
        value = float(observation.value)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputError(
            f"{observation.machine} {observation.item}: {str(observation.value)[:40]!r} is"
            f" not a {meter} value (a number, 0 or more)",
            path="value",
        )
    dropped = state is not None and value < state.shown
    return MeterReading(
        machine=observation.machine,
        meter=meter,
        value=value,
        at=observation.at,
        reset=dropped and observation.signal in RESETTING,
    )


def work_usage(
    before: WorkOrderLedger | None,
    after: WorkOrderLedger,
    part: PartUsage,
    meters: Collection[Meter],
) -> dict[Meter, float]:
    """What a work order used of the machine's `meters` between two of its ledgers
    (`before` None: since it was made): its running time (run hours, printed hours),
    parts booked good or scrap (cycles) and what they took (metres cut, kilograms printed).
    Meters it did not move are left out."""
    running_s = after.running_s - (before.running_s if before else 0.0)
    parts = after.booked - (before.booked if before else 0)
    if running_s < 0 or parts < 0:
        raise InputError(
            "work usage: the later ledger has run less or booked fewer parts than the"
            " earlier; give the ledgers of one work order, earlier first",
            path="after",
        )
    used = {
        Meter.RUN_HOURS: running_s / 3600,
        Meter.PRINTED_H: running_s / 3600,
        Meter.CYCLES: parts * part.cycles,
        Meter.CUT_M: parts * part.cut_length_mm / 1000,
        Meter.PRINTED_KG: parts * part.mass_kg,
    }
    return {meter: used[meter] for meter in meters if used[meter] > 0}


def readings_from_usage(
    machine: str,
    usage: Mapping[Meter, float],
    states: Mapping[Meter, MeterState],
    at: datetime,
) -> list[MeterReading]:
    """Readings of a machine's booked meters that add `usage` to what they show (a meter
    not read before starts from 0)."""
    return [
        MeterReading(
            machine=machine,
            meter=meter,
            value=(states[meter].shown if meter in states else 0.0) + used,
            at=at,
        )
        for meter, used in usage.items()
    ]
