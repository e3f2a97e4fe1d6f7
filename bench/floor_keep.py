"""Machine observations kept by the floor monitor into an SQLite file: observations a
second, sustained, in batches as a feed delivers them (eight machines; mostly samples, a
part count every 50 and a change of execution every 200, so states and spans move too).

Writes bench/results/floor_keep.json.

    python bench/floor_keep.py [--batches 100] [--batch-size 2000]
"""

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bespoke.model.monitoring import Observation, Signal
from bespoke.services.environment import Settings, open_environment
from bespoke.services.shop.shops import ensure_shop
from bespoke.services.shopfloor.monitoring import FloorMonitor

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "floor_keep.json"
MACHINES = [
    "fiber-laser-3015",
    "mill-vmc-3axis",
    "cnc-router-2513",
    "waterjet-4020",
    "plasma-3015",
    "prusa-mk3s",
    "raise3d-pro2",
    "co2-laser-1390",
]
WORDS = ["ACTIVE", "READY", "ACTIVE", "FEED_HOLD"]
START = datetime(2026, 1, 1, tzinfo=UTC)


def reading(n: int) -> Observation:
    machine, at = MACHINES[n % len(MACHINES)], START + timedelta(milliseconds=n)
    if n % 200 == 0:
        word = WORDS[(n // 200) % len(WORDS)]
        return Observation(
            machine=machine, item="execution", signal=Signal.EXECUTION, value=word, at=at
        )
    if n % 50 == 0:
        return Observation(
            machine=machine,
            item="part_count",
            signal=Signal.PART_COUNT,
            value=float(n // 50),
            at=at,
        )
    return Observation(
        machine=machine, item="Sload", signal=Signal.SAMPLE, value=float(n % 97), at=at
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = open_environment(Settings(data_dir=Path(folder)))
        ensure_shop(env, "main", "Main workshop")
        monitor = FloorMonitor(env)
        size = args.batch_size
        batches = [[reading(b * size + i) for i in range(size)] for b in range(args.batches)]
        started = time.perf_counter()
        for batch in batches:
            monitor.keep(1, batch)
        seconds = time.perf_counter() - started
    kept = size * args.batches
    figures = {
        "observations": kept,
        "batch_size": size,
        "seconds": round(seconds, 2),
        "observations_per_s": round(kept / seconds),
    }
    print(f"{figures['observations_per_s']} observations/s kept ({kept} in {seconds:.1f} s)")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
