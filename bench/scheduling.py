"""Flexible job shop benchmarks: Bespoke's solver against a textbook CP-SAT model.

Both run in this one process with the same time limit and workers per instance, on
Brandimarte mk01-mk10 and Hurink vdata (`../shared/benchmarks/`). The textbook model is
the one any tutorial writes: an optional interval per machine choice, no-overlap per
machine, precedences, minimise the makespan, no hints, no search loop. Every schedule
is checked by the independent checker before it is scored against the best-known
upper bound of `bks.json`. Writes bench/results/scheduling.json.

    python bench/scheduling.py [--time-limit 30] [--workers 2] [--only mk10,la01_vdata]
"""

import argparse
import json
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ortools.sat.python import cp_model

from bespoke.model.scheduling import Problem, Schedule, ScheduledTask
from bespoke.scheduling.checker import violations
from bespoke.scheduling.fjs import read_fjs
from bespoke.scheduling.solver import SolverSettings, solve

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BESPOKE_SHARED_DIR", ROOT.parent / "shared"))
BENCHMARKS = SHARED / "benchmarks"
RESULTS = ROOT / "bench" / "results" / "scheduling.json"
SETS = {"brandimarte": [f"mk{i:02d}" for i in range(1, 11)]}
VDATA = ["ft06", "ft10", "ft20", *(f"la{i:02d}" for i in range(1, 11))]
SETS["vdata"] = [f"{name}_vdata" for name in VDATA]


def textbook(problem: Problem, seconds: float, workers: int, seed: int) -> Schedule:
    """The plain model: optional intervals + no-overlap + precedences, minimise makespan."""
    model = cp_model.CpModel()
    horizon = sum(max(a.duration for a in t.alternatives) for j in problem.jobs for t in j.tasks)
    by_machine: dict[str, list[cp_model.IntervalVar]] = {}
    choices: list[tuple[str, str, cp_model.IntVar, cp_model.IntVar, list[Any]]] = []
    ends = []
    for job in problem.jobs:
        previous_end = None
        for task in job.tasks:
            start = model.new_int_var(0, horizon, f"s{task.id}")
            end = model.new_int_var(0, horizon, f"e{task.id}")
            literals = []
            for alternative in task.alternatives:
                present = model.new_bool_var(f"p{task.id}_{alternative.machine}")
                interval = model.new_optional_interval_var(
                    start, alternative.duration, end, present, f"i{task.id}_{alternative.machine}"
                )
                by_machine.setdefault(alternative.machine, []).append(interval)
                literals.append((alternative.machine, present))
            model.add_exactly_one(p for _, p in literals)
            if previous_end is not None:
                model.add(start >= previous_end)
            previous_end = end
            choices.append((job.id, task.id, start, end, literals))
        ends.append(previous_end)
    for intervals in by_machine.values():
        model.add_no_overlap(intervals)
    makespan = model.new_int_var(0, horizon, "makespan")
    model.add_max_equality(makespan, ends)
    model.minimize(makespan)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"the textbook model found no schedule in {seconds} s")
    tasks = [
        ScheduledTask(
            job=job_id,
            task=task_id,
            machine=next(m for m, p in literals if solver.boolean_value(p)),
            start=solver.value(start),
            end=solver.value(end),
        )
        for job_id, task_id, start, end, literals in choices
    ]
    return Schedule(
        tasks=tasks,
        makespan=solver.value(makespan),
        status="optimal" if status == cp_model.OPTIMAL else "improved",
        lower_bound=int(solver.best_objective_bound),
    )


def run(name: str, bks: dict[str, Any], seconds: float, workers: int, seed: int) -> dict[str, Any]:
    problem = read_fjs(BENCHMARKS / bks[name]["file"])
    upper = bks[name]["ub"]
    row: dict[str, Any] = {"instance": name, "best_known": upper, "lb": bks[name]["lb"]}
    for label, method in (
        ("bespoke", lambda: solve(problem, SolverSettings(seconds, seed, workers))),
        ("textbook", lambda: textbook(problem, seconds, workers, seed)),
    ):
        began = time.perf_counter()
        schedule = method()
        elapsed = time.perf_counter() - began
        broken = violations(problem, schedule)
        if broken:
            raise RuntimeError(f"{label} schedule of {name} is infeasible: {broken[:3]}")
        row[label] = {
            "makespan": schedule.makespan,
            "gap_pct": round(100 * (schedule.makespan - upper) / upper, 2),
            "lower_bound": schedule.lower_bound,
            "status": schedule.status,
            "seconds": round(elapsed, 2),
        }
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="comma-separated instance names")
    args = parser.parse_args()
    if not BENCHMARKS.is_dir():
        raise SystemExit(f"benchmark instances not found at {BENCHMARKS} (set BESPOKE_SHARED_DIR)")
    bks = json.loads((BENCHMARKS / "bks.json").read_text())
    only = {n for n in args.only.split(",") if n}
    results: dict[str, list[dict[str, Any]]] = {}
    header = ("instance", "best known", "bespoke", "gap %", "textbook", "gap %")
    print("{:<12} {:>10} {:>8} {:>6} {:>9} {:>6}".format(*header))
    for group, names in SETS.items():
        results[group] = []
        for name in names:
            if only and name not in only:
                continue
            row = run(name, bks, args.time_limit, args.workers, args.seed)
            results[group].append(row)
            ours, theirs = row["bespoke"], row["textbook"]
            print(
                f"{name:<12} {row['best_known']:>10} {ours['makespan']:>8} {ours['gap_pct']:>6.2f}"
                f" {theirs['makespan']:>9} {theirs['gap_pct']:>6.2f}",
                flush=True,
            )
    summary = {}
    for group, rows in results.items():
        if not rows:
            continue
        summary[group] = {
            label: {
                "mean_gap_pct": round(statistics.mean(r[label]["gap_pct"] for r in rows), 3),
                "worst_gap_pct": max(r[label]["gap_pct"] for r in rows),
            }
            for label in ("bespoke", "textbook")
        }
        summary[group]["bespoke_never_worse"] = all(
            r["bespoke"]["makespan"] <= r["textbook"]["makespan"] for r in rows
        )
        print(
            f"{group}: mean gap bespoke {summary[group]['bespoke']['mean_gap_pct']:.2f} %,"
            f" textbook {summary[group]['textbook']['mean_gap_pct']:.2f} %;"
            f" bespoke never worse: {summary[group]['bespoke_never_worse']}"
        )
    mk10 = next((r for r in results.get("brandimarte", []) if r["instance"] == "mk10"), None)
    goals = {
        "brandimarte_mean_gap_le_0.5": summary.get("brandimarte", {})
        .get("bespoke", {})
        .get("mean_gap_pct", 99)
        <= 0.5,
        "mk10_gap_le_3": mk10 is not None and mk10["bespoke"]["gap_pct"] <= 3,
        "vdata_mean_gap_le_0.5": summary.get("vdata", {}).get("bespoke", {}).get("mean_gap_pct", 99)
        <= 0.5,
        "never_worse_than_textbook": all(s["bespoke_never_worse"] for s in summary.values()),
    }
    print("goals:", ", ".join(f"{k}: {'met' if v else 'not met'}" for k, v in goals.items()))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "cores": os.cpu_count(),
                "time_limit_s": args.time_limit,
                "workers": args.workers,
                "seed": args.seed,
                "results": results,
                "summary": summary,
                "goals": goals,
            },
            indent=1,
        )
    )
    print(f"written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
