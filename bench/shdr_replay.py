"""An Okuma's SHDR recording played into the floor and checked against a count of its own.

The recording (shared fixtures: mtconnect/cppagent_demo_okuma_shdr.txt, device OKUMA of
cppagent_demo_Devices.xml, four adapter sessions one after the other, two of them older
than what came before) is played at 100x its pace by an SHDR adapter on this host
(ShdrReplayServer) to ShdrFeed -> FloorMonitor into SQLite (`replay`, as `bespoke floor
replay` does). Afterwards the stored state timeline (machine_spans) and the parts the
monitor counted are set beside what this bench derives from the raw lines alone: split on
'|', the probe's data items read with ElementTree for each key's type and number of
fields, and the rules monitoring/states.py documents (availability, emergency stop,
execution: ACTIVE running, STOPPED/INTERRUPTED/FEED_HOLD/PROGRAM_STOPPED stopped, other
words idle, none yet unavailable; a FAULT condition stops; a reading older than the last
one taken is ignored; parts are the rises of the part count, a drop starting a new run).
Also the stored rows against the readings the lines carry, the keys the probe lacks
against the feed's refusals, the wall time and
observations a second. Skipped with a message when the shared fixtures are missing.

Writes bench/results/shdr_replay.json.

    python bench/shdr_replay.py [--speed 100]
"""

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bespoke.services.environment import Settings, open_environment
from bespoke.services.shop.shops import ensure_shop
from bespoke.services.shopfloor.feed_settings import probe_device
from bespoke.services.shopfloor.monitoring import floor_monitor
from bespoke.services.shopfloor.replay import replay
from bespoke.store.tables import MachineSpanRow, ObservationRow

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BESPOKE_SHARED_DIR", ROOT.parent / "shared")) / "fixtures"
RECORDING = SHARED / "mtconnect" / "cppagent_demo_okuma_shdr.txt"
PROBE = SHARED / "mtconnect" / "cppagent_demo_Devices.xml"
RESULTS = ROOT / "bench" / "results" / "shdr_replay.json"
DEVICE = "OKUMA"
MACHINE = "mill-vmc-3axis"
MULTILINE = "--multiline--"
STOPPING = {"STOPPED", "INTERRUPTED", "FEED_HOLD", "PROGRAM_STOPPED"}

Span = tuple[str, datetime, datetime | None]
"""A state span: state, start, end (None: still open)."""


@dataclass(frozen=True)
class Item:
    """A data item of the probe as this bench reads it."""

    type: str
    category: str
    fields: int


def probe_items(probe: bytes, device: str) -> dict[str, Item]:
    """The device's data items by id and by name (ElementTree, namespaces dropped)."""
    root = ElementTree.fromstring(probe)
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    found = next(d for d in root.iter("Device") if d.get("name") == device)
    items = {}
    for element in found.iter("DataItem"):
        kind, category = element.get("type", ""), element.get("category", "")
        fields = 1
        if category == "CONDITION":
            fields = 5
        elif kind == "MESSAGE":
            fields = 2
        elif element.get("representation") == "TIME_SERIES":
            fields = 3
        item = Item(kind, category, fields)
        for key in (element.get("id"), element.get("name")):
            if key:
                items[key] = item
    return items


@dataclass
class Expected:
    """The machine as this bench follows it through the raw lines."""

    available: bool = True
    execution: str | None = None
    emergency_stop: bool = False
    faults: set[tuple[str, str | None]] = field(default_factory=set)
    alarms_raised: int = 0
    last_at: datetime | None = None
    spans: list[list[Any]] = field(default_factory=list)
    part_count: float | None = None
    parts: float = 0.0
    readings: int = 0
    unknown_keys: Counter[str] = field(default_factory=Counter)
    part_readings: int = 0
    ignored_lines: int = 0

    def state(self) -> str:
        if not self.available or self.execution is None:
            return "unavailable"
        if self.emergency_stop or self.execution in STOPPING or self.faults:
            return "stopped"
        return "running" if self.execution == "ACTIVE" else "idle"

    def reading(self, key: str, item: Item, values: list[str], at: datetime) -> None:
        value = values[0]
        unavailable = value.upper() == "UNAVAILABLE"
        if item.category == "CONDITION":
            self._condition(key, value.upper(), values[1] or None)
        elif item.type == "AVAILABILITY":
            self.available = not unavailable
        elif item.type == "EXECUTION":
            self.execution = None if unavailable or not value else value.upper()
        elif item.type == "EMERGENCY_STOP":
            self.emergency_stop = value.upper() == "TRIGGERED"
        elif item.type == "PART_COUNT" and value and not unavailable:
            count = float(value)
            if self.part_count is not None and count > self.part_count:
                self.parts += count - self.part_count
            self.part_count = count
        self._move_to(at)

    def _condition(self, key: str, level: str, code: str | None) -> None:
        if level in ("WARNING", "FAULT"):
            self.alarms_raised += 1
            if level == "FAULT":
                self.faults.add((key, code))
        elif level == "NORMAL" and code is not None:
            self.faults.discard((key, code))
        else:
            self.faults = {fault for fault in self.faults if fault[0] != key}

    def _move_to(self, at: datetime) -> None:
        """As a tracker does after each reading: a new span when the state changes, one
        opened at this very time replaced."""
        state = self.state()
        if self.spans and self.spans[-1][0] == state:
            return
        if self.spans and self.spans[-1][1] == at:
            self.spans[-1][0] = state
            return
        if self.spans:
            self.spans[-1][2] = at
        self.spans.append([state, at, None])


def expected_from(lines: list[str], items: dict[str, Item]) -> Expected:
    """Follow the machine through the raw lines."""
    machine = Expected()
    terminator: str | None = None
    for raw in lines:
        line = raw.rstrip()
        if terminator is not None:
            terminator = None if line == terminator else terminator
            continue
        if MULTILINE in line:
            terminator = line[line.find(MULTILINE) :]
            continue
        if not line or line.startswith("*"):
            continue
        fields = [part.strip() for part in line.split("|")]
        if len(fields) < 2 or fields[1].startswith("@"):
            continue
        at = datetime.fromisoformat(fields[0]).astimezone(UTC)
        readings = []
        index = 1
        while index < len(fields):
            key = fields[index]
            item = items.get(key)
            width = item.fields if item is not None else 1
            if item is not None:
                readings.append((key, item, fields[index + 1 : index + 1 + width]))
            else:
                machine.unknown_keys[key] += 1
            index += 1 + width
        machine.readings += len(readings)
        machine.part_readings += sum(1 for _, item, _ in readings if item.type == "PART_COUNT")
        if not readings:
            continue
        if machine.last_at is not None and at < machine.last_at:
            machine.ignored_lines += 1
            continue
        machine.last_at = at
        for key, item, values in readings:
            machine.reading(key, item, values + [""] * (item.fields - len(values)), at)
    return machine


def stored_spans(env: Any, shop_id: int) -> tuple[list[Span], list[list[str]]]:
    with env.uow() as uow:
        rows = uow.session.scalars(
            select(MachineSpanRow)
            .where(MachineSpanRow.shop_id == shop_id, MachineSpanRow.machine == MACHINE)
            .order_by(MachineSpanRow.start)
        ).all()
        spans = [
            (row.state, row.start.replace(tzinfo=UTC), row.end and row.end.replace(tzinfo=UTC))
            for row in rows
        ]
        return spans, [list(row.alarms) for row in rows]


def stored_rows(env: Any, shop_id: int) -> tuple[int, int]:
    """Observations stored, and those of them that are part counts."""
    with env.uow() as uow:
        signals = uow.session.scalars(
            select(ObservationRow.signal).where(ObservationRow.shop_id == shop_id)
        ).all()
    return len(signals), sum(1 for signal in signals if signal == "part_count")


def moment(at: datetime | None) -> str:
    return "open" if at is None else at.strftime("%H:%M:%S.%f")


def print_side_by_side(stored: list[Span], expected: list[Span]) -> None:
    print(f"{'stored (machine_spans)':<44} | {'counted from the raw lines':<44}")
    for index in range(max(len(stored), len(expected))):
        left = stored[index] if index < len(stored) else None
        right = expected[index] if index < len(expected) else None
        cells = [f"{s[0]:<11} {moment(s[1])} - {moment(s[2])}" if s else "-" for s in (left, right)]
        print(f"{cells[0]:<44} | {cells[1]:<44} {'ok' if left == right else 'DIFFERS'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=100.0, help="times the recorded pace")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # what is ignored or refused is counted instead
    if not RECORDING.is_file() or not PROBE.is_file():
        print(f"skipped: the shared fixtures are missing ({RECORDING.parent} not found)")
        return 0
    lines = RECORDING.read_text(encoding="utf-8").splitlines()
    probe = PROBE.read_bytes()
    expected = expected_from(lines, probe_items(probe, DEVICE))
    with tempfile.TemporaryDirectory(prefix="bench-shdr-") as folder:
        env = open_environment(Settings(data_dir=Path(folder)), migrate=True)
        shop_id = ensure_shop(env, "main", "Main workshop")
        started = time.perf_counter()
        done = replay(env, shop_id, lines, probe_device(probe, DEVICE), MACHINE, args.speed)
        seconds = time.perf_counter() - started
        spans, alarms = stored_spans(env, shop_id)
        rows, part_rows = stored_rows(env, shop_id)
        parts_made = floor_monitor(env).live(shop_id)[MACHINE].parts_made
    counted: list[Span] = [(s, start, end) for s, start, end in expected.spans]
    print_side_by_side(spans, counted)
    checks = {
        "spans": spans == counted,
        "alarms": all(not a for a in alarms) if expected.alarms_raised == 0 else None,
        "parts_made": parts_made == round(expected.parts),
        "rows": rows == expected.readings,
        "unknown_keys": done.refused.get("unknown data item", 0) == expected.unknown_keys.total(),
        "part_count_rows": part_rows == expected.part_readings,
    }
    passed = all(check is not False for check in checks.values())
    print(f"parts made: monitor {parts_made}, counted {expected.parts:g}")
    print(
        f"rows stored {rows}; readings in the lines {expected.readings}; refused by the feed"
        f" {done.refused}, keys not in the probe {dict(expected.unknown_keys)};"
        f" part count rows {part_rows} of"
        f" {expected.part_readings}; lines older than the last taken {expected.ignored_lines}"
    )
    print(
        f"{len(lines)} lines at {args.speed:g}x in {seconds:.1f} s:"
        f" {round(done.kept / seconds)} observations/s (paced by the recording);"
        f" {'PASS' if passed else 'FAIL'} {checks}"
    )
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "recording": RECORDING.name,
        "device": DEVICE,
        "speed": args.speed,
        "lines": len(lines),
        "wall_s": round(seconds, 2),
        "observations_kept": done.kept,
        "observations_per_s": round(done.kept / seconds),
        "refused": done.refused,
        "rows_stored": rows,
        "readings_in_lines": expected.readings,
        "keys_not_in_the_probe": dict(expected.unknown_keys),
        "lines_older_than_the_last_taken": expected.ignored_lines,
        "spans_stored": [[s, moment(a), moment(b)] for s, a, b in spans],
        "spans_counted": [[s, moment(a), moment(b)] for s, a, b in counted],
        "parts_made": {"monitor": parts_made, "counted": expected.parts},
        "alarms_raised_in_lines": expected.alarms_raised,
        "checks": checks,
        "passed": passed,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
