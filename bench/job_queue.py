"""Background tasks through the job queue (procrastinate on PostgreSQL) while workers die.

A throwaway PostgreSQL cluster and a fresh database (tests/servers.py); one shop with a
maker, an operator and 8 open orders of the bundled example products (planned, ordered
and scheduled once in this process first, so that later schedules keep their nests).
Tasks are deferred in this process through `TaskRunner.submit`, as the API does: in a mix
of 9 product plans (the 4 example products in turn; plans include quoting and nesting),
each of a product of its own so that its quotes are its run's alone, to 1 shop schedule
(time limit 1 s; a shop's schedules run one at a time).

1. Throughput, 1 worker then 2 workers (`bespoke worker --concurrency 1` each, one per
   core), no kills: `--phase-tasks` tasks deferred before the workers start; tasks/s
   from the first 'started' event in procrastinate_events to the last run's end
   (task_runs.updated_at when it became done).
2. Kills: N tasks (`--tasks`, default 10,000) deferred at 70 % of the 2-worker throughput
   on 2 workers; every 30 s one of them (in turn) is killed with SIGKILL and a new one
   started at once. N is cut to what fits `--budget-min` at the measured 2-worker
   throughput (and says so in the JSON). Then, from the database: lost (runs not done nor
   failed 10 minutes after the last kill; the queue retries a dead worker's jobs after
   30 s without heartbeat), failed, started more than once, duplicate side effects
   (quotes of a run's product beyond 1; quotes and schedules that no run's result names:
   made by a run whose result is another), and enqueue -> start: task_runs.created_at to
   the first 'started' event of the run's job (p50/p99).

Goals (issue 20): 0 lost, 0 duplicates. Writes bench/results/queue.json.

    python bench/job_queue.py [--tasks 10000] [--phase-tasks 40] [--budget-min 25]
"""

import argparse
import json
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from bespoke.scheduling.solver import SolverSettings
from bespoke.services import quoting
from bespoke.services.quoting.quotes import submit_plan
from bespoke.services.shop.scheduling import schedule_shop, schedule_task
from bespoke.services.tasks import TaskRunner
from bespoke.services.workers import SCHEDULE
from queued import Cluster, Shop, cluster, open_shop

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "queue.json"
PLANS_PER_SCHEDULE = 9
KILL_EVERY_S = 30.0
FEED_SHARE = 0.7
"""Tasks are deferred at this share of the 2-worker throughput in the kill phase."""
DRAIN_S = 600.0
SHORT = SolverSettings(time_limit=1)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks in the kill phase")
    parser.add_argument("--phase-tasks", type=int, default=40, help="tasks per throughput phase")
    parser.add_argument("--budget-min", type=float, default=25.0, help="longest kill phase")
    return parser.parse_args()


def defer(runner: TaskRunner, shop: Shop, n: int) -> str:
    """Defer the `n`-th task of the mix; its run's id."""
    if n % (PLANS_PER_SCHEDULE + 1) == PLANS_PER_SCHEDULE:
        row = runner.submit(
            shop.operator,
            "shop-schedule",
            SCHEDULE,
            schedule_task,
            shop.id,
            shop.operator,
            SHORT,
            [],
        )
        return row.id
    spec, settings = shop.products[n % len(shop.products)]
    product = quoting.submit_product(runner.env, shop.maker, spec, json_format=False)
    request = quoting.PlanRequest(settings=settings, quantities=[1, 10])
    return submit_plan(runner, shop.maker, product.id, request).id


def wait_ended(c: Cluster, runs: list[str], seconds: float) -> None:
    """Until every run is done or failed, or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and open_runs(c, runs):
        time.sleep(1)


def open_runs(c: Cluster, runs: list[str]) -> int:
    return int(
        c.scalar(
            "SELECT count(*) FROM task_runs WHERE id = ANY(:ids)"
            " AND status NOT IN ('done', 'failed')",
            ids=runs,
        )
    )


def throughput(c: Cluster, runner: TaskRunner, shop: Shop, workers: int, n: int) -> dict[str, Any]:
    """`n` tasks deferred, then `workers` workers started; tasks a second."""
    runs = [defer(runner, shop, k) for k in range(n)]
    for _ in range(workers):
        c.start_worker()
    wait_ended(c, runs, DRAIN_S)
    c.stop_workers()
    first = c.scalar(
        "SELECT min(e.at AT TIME ZONE 'UTC') FROM procrastinate_events e"
        " JOIN procrastinate_jobs j ON j.id = e.job_id"
        " WHERE e.type = 'started' AND j.args->>'run_id' = ANY(:ids)",
        ids=runs,
    )
    last = c.scalar("SELECT max(updated_at) FROM task_runs WHERE id = ANY(:ids)", ids=runs)
    seconds = (last - first).total_seconds()
    return {
        "workers": workers,
        "tasks": n,
        "not_done": int(
            c.scalar(
                "SELECT count(*) FROM task_runs WHERE id = ANY(:ids) AND status <> 'done'", ids=runs
            )
        ),
        "seconds": round(seconds, 1),
        "tasks_per_s": round(n / seconds, 3),
    }


def feed(
    runner: TaskRunner, shop: Shop, n: int, rate: float, runs: list[str], fed: threading.Event
) -> None:
    """Defer `n` tasks at `rate` a second into `runs`, then set `fed`."""
    started = time.monotonic()
    for k in range(n):
        time.sleep(max(0.0, started + k / rate - time.monotonic()))
        runs.append(defer(runner, shop, k))
    fed.set()


def with_kills(c: Cluster, runner: TaskRunner, shop: Shop, n: int, rate: float) -> dict[str, Any]:
    """`n` tasks at `rate` a second on 2 workers, one killed every 30 s until all are fed."""
    workers = [c.start_worker(), c.start_worker()]
    runs: list[str] = []
    fed = threading.Event()
    feeder = threading.Thread(target=feed, args=(runner, shop, n, rate, runs, fed))
    started = time.monotonic()
    feeder.start()
    kills = 0
    while not fed.wait(KILL_EVERY_S):
        victim = kills % 2
        c.kill(workers[victim])
        workers[victim] = c.start_worker()
        kills += 1
        print(f"  kill {kills}: {len(runs)} deferred, {open_runs(c, runs)} open", flush=True)
    feeder.join()
    wait_ended(c, runs, DRAIN_S)
    seconds = time.monotonic() - started
    c.stop_workers()
    return {"tasks": n, "kills": kills, "seconds": round(seconds, 1), **outcome(c, runs)}


def outcome(c: Cluster, runs: list[str]) -> dict[str, Any]:
    """What became of `runs`, read from the database."""
    status = {
        r["status"]: r["n"]
        for r in c.rows(
            "SELECT status, count(*) AS n FROM task_runs WHERE id = ANY(:ids) GROUP BY status",
            ids=runs,
        )
    }
    failures = c.rows(
        "SELECT kind, message, count(*) AS n FROM task_runs WHERE id = ANY(:ids)"
        " AND status = 'failed' GROUP BY kind, message",
        ids=runs,
    )
    quotes_beyond_one = c.scalar(
        "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(q.id) AS n FROM task_runs r"
        " JOIN quotes q ON q.product_id = (r.request->>'product_id')::int"
        " WHERE r.id = ANY(:ids) AND r.kind = 'product-plan' GROUP BY r.id) per_run WHERE n > 1",
        ids=runs,
    )
    unnamed_quotes = c.scalar(
        "SELECT count(*) FROM quotes q JOIN task_runs r"
        " ON q.product_id = (r.request->>'product_id')::int"
        " WHERE r.id = ANY(:ids)"
        " AND NOT EXISTS (SELECT 1 FROM task_runs o WHERE o.quote_id = q.id)",
        ids=runs,
    )
    unnamed_schedules = c.scalar(
        "SELECT count(*) FROM schedules s WHERE s.created_at >= (SELECT min(created_at)"
        " FROM task_runs WHERE id = ANY(:ids)) AND NOT EXISTS (SELECT 1 FROM task_runs o"
        " WHERE o.result_url = '/api/shop/schedules/' || s.id)",
        ids=runs,
    )
    starts = c.rows(
        "SELECT r.kind, r.attempts, EXTRACT(EPOCH FROM (min(e.at AT TIME ZONE 'UTC')"
        " - r.created_at)) AS wait_s, count(e.id) AS started"
        " FROM task_runs r JOIN procrastinate_jobs j ON j.args->>'run_id' = r.id"
        " LEFT JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'started'"
        " WHERE r.id = ANY(:ids) GROUP BY r.id, r.kind, r.attempts",
        ids=runs,
    )
    waits = sorted(float(s["wait_s"]) for s in starts if s["wait_s"] is not None)
    return {
        "status": status,
        "lost": sum(n for s, n in status.items() if s not in ("done", "failed")),
        "failed": status.get("failed", 0),
        "failures": failures,
        "started_more_than_once": sum(1 for s in starts if s["started"] > 1),
        "duplicate_quotes": int(quotes_beyond_one),
        "quotes_no_run_names": int(unnamed_quotes),
        "schedules_no_run_names": int(unnamed_schedules),
        "enqueue_to_start_s": spread(waits),
    }


def spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "count": len(values),
        "p50": round(statistics.median(values), 3),
        "p99": round(values[int(0.99 * (len(values) - 1))], 3),
        "max": round(values[-1], 3),
    }


def main() -> None:
    args = arguments()
    with cluster() as c:
        shop = open_shop(c.env, "bench", orders_per_product=2)
        schedule_shop(c.env, shop.id, shop.operator, SHORT)  # nests made once, kept after
        runner = TaskRunner(c.env)
        phases = [throughput(c, runner, shop, w, args.phase_tasks) for w in (1, 2)]
        for phase in phases:
            print(f"{phase['workers']} worker(s): {phase['tasks_per_s']} tasks/s")
        rate = FEED_SHARE * phases[1]["tasks_per_s"]
        fits = int(args.budget_min * 60 * rate)
        n = min(args.tasks, fits)
        print(f"kill phase: {n} tasks at {rate:.2f}/s (asked {args.tasks}, {fits} fit)")
        kills = with_kills(c, runner, shop, n, rate)
    result = {
        "mix": f"{PLANS_PER_SCHEDULE} product plans (4 example products) to 1 shop schedule"
        f" (time limit {SHORT.time_limit:g} s), one shop",
        "enqueue_to_start": "task_runs.created_at to the first 'started' event of the run's"
        " job in procrastinate_events",
        "throughput": phases,
        "tasks_asked": args.tasks,
        "tasks_run": n,
        "cut_to_fit": n < args.tasks
        and f"{args.tasks} tasks at {rate:.2f}/s would take"
        f" {args.tasks / rate / 60:.0f} min; {n} fit the {args.budget_min:g} min budget",
        "feed_per_s": round(rate, 3),
        "kill_every_s": KILL_EVERY_S,
        "kills": kills,
        "goals": {"lost": 0, "duplicates": 0},
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps(kills, indent=2, default=str))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
