"""Scheduling at shop scale: a generated shop of 2,000 orders of about 8 operations on
50 machines, 6 set-up families, two shifts a day and weekly maintenance windows.

Measures the time to the first feasible schedule (goal <= 10 s), how the objective
(weighted tardiness, then makespan) improves until 60 s, and the peak memory of the
process (goal < 2 GiB). Every schedule is checked by the independent checker.
Writes bench/results/scheduling_scale.json.

    python bench/scheduling_scale.py [--orders 2000] [--time-limit 60]
"""

import argparse
import json
import os
import random
import resource
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bespoke.model.scheduling import Alternative, Job, Objective, Problem, Station, Task
from bespoke.scheduling.checker import violations
from bespoke.scheduling.solver import SolverSettings, solve

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "scheduling_scale.json"
HOUR, DAY = 3600, 24 * 3600
PROCESSES = 10  # machine groups of 5 alike machines
FAMILIES = ["steel-2", "steel-4", "stainless-2", "alu-3", "acrylic-3", "plywood-6"]


def generated_shop(orders: int, machines: int = 50, seed: int = 1) -> Problem:
    """Orders released over two weeks, each a route through 8 of the 10 process groups."""
    rng = random.Random(seed)
    per_group = machines // PROCESSES
    jobs = []
    for o in range(orders):
        family = rng.choice(FAMILIES)
        groups = sorted(rng.sample(range(PROCESSES), 8))
        release = rng.randint(0, 10) * DAY + rng.randint(6, 20) * HOUR
        tasks = []
        for k, group in enumerate(groups):
            base = rng.randint(10, 50) * 60
            choices = rng.sample(range(per_group), rng.randint(1, 3))
            tasks.append(
                Task(
                    id=f"o{o}.{k}",
                    family=family,
                    alternatives=[
                        Alternative(
                            machine=f"g{group}m{i}", duration=int(base * rng.uniform(0.9, 1.2))
                        )
                        for i in choices
                    ],
                    pausable=group == 9,  # ovens run on through the night
                )
            )
        jobs.append(
            Job(
                id=f"o{o}",
                tasks=tasks,
                release=release,
                due=release + rng.randint(5, 15) * DAY,
                weight=rng.choice([1, 1, 1, 2, 5]),
            )
        )
    shop = []
    for g in range(PROCESSES):
        for i in range(per_group):
            closed = []
            for day in range(60):
                start = day * DAY
                if day % 7 >= 5:
                    closed.append((start, start + DAY))  # weekend
                else:
                    closed += [(start, start + 6 * HOUR), (start + 22 * HOUR, start + DAY)]
            week = rng.randrange(5)
            for w in range(8):  # 4 h of maintenance a week, on a weekday afternoon
                day = 7 * w + week
                closed.append((day * DAY + 12 * HOUR, day * DAY + 16 * HOUR))
            shop.append(Station(id=f"g{g}m{i}", closed=closed))
    setups = {a: {b: 0 if a == b else rng.randint(10, 30) * 60 for b in FAMILIES} for a in FAMILIES}
    return Problem(jobs=jobs, machines=shop, setup_times=setups, objective=Objective.BOTH)


def peak_memory_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    began = time.perf_counter()
    problem = generated_shop(args.orders)
    tasks = sum(len(j.tasks) for j in problem.jobs)
    print(
        f"{args.orders} orders, {tasks} operations, {len(problem.machines)} machines,"
        f" generated in {time.perf_counter() - began:.1f} s"
    )
    trace: list[dict[str, Any]] = []
    began = time.perf_counter()

    def progress(fraction: float, what: str) -> None:
        elapsed = time.perf_counter() - began
        trace.append({"seconds": round(elapsed, 2), "what": what})
        print(f"{elapsed:6.1f} s  {what}", flush=True)

    schedule = solve(problem, SolverSettings(args.time_limit, args.seed), progress)
    elapsed = time.perf_counter() - began
    broken = violations(problem, schedule)
    first = trace[0]["seconds"] if trace else None
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "orders": args.orders,
        "operations": tasks,
        "machines": len(problem.machines),
        "families": len(FAMILIES),
        "time_limit_s": args.time_limit,
        "first_feasible_s": first,
        "final": {
            "weighted_tardiness": schedule.weighted_tardiness,
            "makespan_s": schedule.makespan,
            "setups": schedule.setups,
            "status": schedule.status,
            "seconds": round(elapsed, 1),
        },
        "trace": trace,
        "peak_memory_mib": round(peak_memory_mib()),
        "feasible": not broken,
        "goals": {
            "first_feasible_le_10_s": first is not None and first <= 10,
            "peak_memory_lt_2_gib": peak_memory_mib() < 2048,
        },
    }
    print(
        f"final: weighted tardiness {schedule.weighted_tardiness:g}, makespan"
        f" {schedule.makespan / DAY:.1f} days, {schedule.setups} set-ups; feasible:"
        f" {not broken}; peak memory {result['peak_memory_mib']} MiB"
    )
    print("goals:", result["goals"])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1))
    print(f"written {RESULTS.relative_to(ROOT)}")
    if broken:
        raise SystemExit(f"infeasible schedule: {broken[:3]}")


if __name__ == "__main__":
    main()
