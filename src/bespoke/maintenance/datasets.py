"""Readers of two public maintenance data sets, from their text, with bounds.

* NASA C-MAPSS turbofan trajectories (Saxena et al., PHM 2008): one row per engine and
  cycle, 26 numbers apart by spaces (unit, cycle, 3 operating settings, 21 sensors),
  often with trailing spaces; and the list of true remaining lives of a test set.
* AI4I 2020 predictive maintenance (Matzka, 2020): a CSV table of milling readings with
  a machine failure flag and its five failure modes, as published (UTF-8 with a BOM,
  CRLF); the column "Machine failure" may also be spelled "Machine_failure".

Each error names the line and what is accepted."""

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bespoke.maintenance.prediction import (
    FAILURE_MODES,
    MAX_READINGS,
    MAX_RUN_CYCLES,
    ProcessReadings,
)
from bespoke.model.errors import InputError

MAX_TEXT_BYTES = 16_000_000
"""The largest file read (C-MAPSS's largest set, FD004's training file, is 12 MB)."""
MAX_TRAJECTORY_ROWS = 100_000
"""Rows of one C-MAPSS file (FD004's training file has 61,249)."""
MAX_UNITS = 1_000
"""Engines of one C-MAPSS file (FD002's training file has 260)."""
CMAPSS_COLUMNS = 26
SETTINGS = 3
SENSORS = 21
AI4I_COLUMNS = {
    "type": "Type",
    "air": "Air temperature [K]",
    "process": "Process temperature [K]",
    "speed": "Rotational speed [rpm]",
    "torque": "Torque [Nm]",
    "wear": "Tool wear [min]",
    "failed": "Machine failure",
}
"""The AI4I columns read (with the failure modes), by the name the data set gives them."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Trajectories:
    """Engines' cycles in file order: one row per engine and cycle."""

    units: IntArray
    cycles: IntArray
    settings: FloatArray
    """(rows, 3) operating settings."""
    sensors: FloatArray
    """(rows, 21) sensor measurements."""

    def histories(self) -> list[FloatArray]:
        """Each engine's (cycles, 24) settings and sensors, from its first cycle, in the
        order the engines first appear."""
        columns = np.hstack([self.settings, self.sensors])
        starts = np.flatnonzero(np.diff(self.units, prepend=self.units[0] - 1))
        return [np.ascontiguousarray(part) for part in np.split(columns, starts[1:])]


@dataclass(frozen=True)
class Ai4iTable:
    """The AI4I readings, whether the machine failed after each, and by which modes."""

    readings: ProcessReadings
    failed: BoolArray
    modes: dict[str, BoolArray]
    """Per failure mode (TWF, HDF, PWF, OSF, RNF): the rows it was flagged on."""


def read_cmapss(data: str | bytes, name: str = "C-MAPSS file") -> Trajectories:
    """The trajectories of a C-MAPSS file; each engine's cycles count 1, 2, 3 ..."""
    rows: list[list[float]] = []
    for number, line in _lines(data, name, MAX_TRAJECTORY_ROWS):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != CMAPSS_COLUMNS:
            raise InputError(
                f"{name}, line {number}: {len(fields)} values; a C-MAPSS row has"
                f" {CMAPSS_COLUMNS} (unit, cycle, {SETTINGS} settings, {SENSORS} sensors)",
                path=f"line {number}",
            )
        rows.append([_number(field, name, number) for field in fields])
    if not rows:
        raise InputError(f"{name}: no rows; a C-MAPSS file has one row per engine and cycle")
    table = np.array(rows, dtype=np.float64)
    units, cycles = table[:, 0], table[:, 1]
    _check_trajectories(units, cycles, name)
    return Trajectories(
        units=units.astype(np.int64),
        cycles=cycles.astype(np.int64),
        settings=table[:, 2 : 2 + SETTINGS],
        sensors=table[:, 2 + SETTINGS :],
    )


def read_rul(data: str | bytes, name: str = "RUL file") -> IntArray:
    """The true remaining lives, in cycles, one a line (a test set's engines in order)."""
    lives: list[int] = []
    for number, line in _lines(data, name, MAX_UNITS):
        text = line.strip()
        if not text:
            continue
        value = _number(text, name, number)
        if not value.is_integer() or not 0 <= value <= MAX_RUN_CYCLES:
            raise InputError(
                f"{name}, line {number}: {text!r} is not a remaining life; one whole number"
                f" of cycles from 0 to {MAX_RUN_CYCLES:,} a line is accepted",
                path=f"line {number}",
            )
        lives.append(int(value))
    if not lives:
        raise InputError(f"{name}: no remaining lives; one whole number a line is accepted")
    return np.array(lives, dtype=np.int64)


def read_ai4i(data: str | bytes, name: str = "AI4I file") -> Ai4iTable:
    """The AI4I 2020 table: readings, failures and failure modes."""
    lines = (line for _, line in _lines(data, name, MAX_READINGS + 1))
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise InputError(f"{name}: empty; a CSV table with a header row is accepted")
    at = _columns(header, name)
    qualities: list[str] = []
    values: list[list[float]] = []
    flags: list[list[bool]] = []
    for row in reader:
        number = reader.line_num
        if not row:
            continue
        if len(row) != len(header):
            raise InputError(
                f"{name}, line {number}: {len(row)} fields under a header of {len(header)}",
                path=f"line {number}",
            )
        qualities.append(row[at["type"]].strip())
        values.append(
            [
                _number(row[at[key]], name, number)
                for key in ("air", "process", "speed", "torque", "wear")
            ]
        )
        flags.append([_flag(row[at[key]], name, number) for key in ("failed", *FAILURE_MODES)])
    if not values:
        raise InputError(f"{name}: a header and no readings")
    table = np.array(values, dtype=np.float64)
    marks = np.array(flags, dtype=np.bool_)
    try:
        readings = ProcessReadings.of_columns(
            qualities=qualities,
            air_temperature_k=table[:, 0],
            process_temperature_k=table[:, 1],
            rotational_speed_rpm=table[:, 2],
            torque_nm=table[:, 3],
            tool_wear_min=table[:, 4],
        )
    except InputError as error:
        raise InputError(f"{name}: {error}", path=error.path) from None
    modes = {mode: marks[:, 1 + index] for index, mode in enumerate(FAILURE_MODES)}
    return Ai4iTable(readings=readings, failed=marks[:, 0], modes=modes)


def _lines(data: str | bytes, name: str, max_rows: int) -> Iterator[tuple[int, str]]:
    """The numbered lines of `data` (a UTF-8 BOM and CR line ends taken off), at most
    `max_rows` of them that are not blank."""
    if len(data) > MAX_TEXT_BYTES:
        raise InputError(f"{name}: {len(data):,} bytes; at most {MAX_TEXT_BYTES:,} are read")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InputError(
                f"{name}: not UTF-8 text (byte {error.start}); UTF-8 or ASCII is accepted"
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    rows = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            rows += 1
            if rows > max_rows:
                raise InputError(f"{name}: more than {max_rows:,} rows; the bound is {max_rows:,}")
        yield number, line


def _number(text: str, name: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputError(
            f"{name}, line {line}: {text[:40]!r} is not a number; finite decimal numbers"
            " are accepted",
            path=f"line {line}",
        )
    return value


def _flag(text: str, name: str, line: int) -> bool:
    if text.strip() not in ("0", "1"):
        raise InputError(
            f"{name}, line {line}: {text[:40]!r} is not a flag; 0 or 1 is accepted",
            path=f"line {line}",
        )
    return text.strip() == "1"


def _columns(header: list[str], name: str) -> dict[str, int]:
    """Where each column read is in `header`."""
    found = {_title(title): index for index, title in enumerate(header)}
    wanted = {**AI4I_COLUMNS, **{mode: mode for mode in FAILURE_MODES}}
    missing = [title for title in wanted.values() if _title(title) not in found]
    if missing:
        raise InputError(
            f"{name}: no column {', '.join(repr(m) for m in missing)} in the header; the AI4I"
            f" 2020 columns {', '.join(repr(t) for t in wanted.values())} are read",
            path="header",
        )
    return {key: found[_title(title)] for key, title in wanted.items()}


def _title(title: str) -> str:
    """A column's title as compared: without case, "_" as a space, spaces single."""
    return " ".join(title.replace("_", " ").split()).casefold()


def _check_trajectories(units: FloatArray, cycles: FloatArray, name: str) -> None:
    """Whole positive unit numbers, each engine's rows together, its cycles 1, 2, 3 ..."""
    for label, values in (("unit", units), ("cycle", cycles)):
        bad = np.flatnonzero((values != np.round(values)) | (values < 1))
        if bad.size:
            raise InputError(
                f"{name}: row {bad[0] + 1} has {label} {values[bad[0]]:g}; whole numbers from"
                " 1 are accepted",
                path=f"row {bad[0] + 1}",
            )
    starts = np.flatnonzero(np.diff(units, prepend=units[0] - 1))
    if len(starts) > MAX_UNITS:
        raise InputError(f"{name}: more than {MAX_UNITS:,} engines; the bound is {MAX_UNITS:,}")
    if len(np.unique(units[starts])) != len(starts):
        raise InputError(
            f"{name}: an engine's rows are not together; each unit's cycles are one block",
            path="unit",
        )
    expected = np.arange(len(cycles)) - np.repeat(starts, np.diff(starts, append=len(cycles))) + 1
    bad = np.flatnonzero(cycles != expected)
    if bad.size:
        row = bad[0]
        raise InputError(
            f"{name}: row {row + 1} (unit {units[row]:g}) has cycle {cycles[row]:g} where"
            f" {expected[row]} follows; each engine's cycles count 1, 2, 3 ...",
            path=f"row {row + 1}",
        )
    longest = int(np.diff(starts, append=len(cycles)).max())
    if longest > MAX_RUN_CYCLES:
        raise InputError(
            f"{name}: an engine of {longest:,} cycles; at most {MAX_RUN_CYCLES:,} are read"
        )
