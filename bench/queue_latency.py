"""Latency of a small API request while shop schedules solve on the queue's workers.

A throwaway PostgreSQL cluster and a fresh database (tests/servers.py); 4 shops, each
with a maker, an operator and the 4 bundled example products ordered `--orders` times
each (quantities 1 to 10); `bespoke serve` (1 process) and 2 `bespoke worker
--concurrency 2` processes on it. GET /api/me with the maker's token (one client,
keep-alive, one request at a time) is timed first with the workers idle, then while the
4 shops' schedules (time limit `--time-limit`, deferred through `TaskRunner.submit`, one
per shop: a shop's schedules run one at a time) all run, one every 0.1 s from when all 4
runs are 'running' (batching and nesting their orders, then solving) until the first
ends. Both in the same process run; the ratio is loaded / idle.

Goal (issue 20): unchanged within noise. Writes bench/results/queue_latency.json.

    python bench/queue_latency.py [--orders 8] [--time-limit 25] [--requests 400]
"""

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from bespoke.scheduling.solver import SolverSettings
from bespoke.services.accounts.tokens import create_token
from bespoke.services.shop.scheduling import schedule_task
from bespoke.services.tasks import TaskRunner
from bespoke.services.workers import SCHEDULE
from queued import BESPOKE, Cluster, Shop, cluster, free_port, open_shop

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "queue_latency.json"
SHOPS = 4
WARM_UP = 20
START_S = 120.0
PACE_S = 0.1
"""Between requests while the schedules run, so that they span the runs."""
MAX_LOADED = 5000


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=8, help="orders per product and shop")
    parser.add_argument("--time-limit", type=float, default=25.0, help="solver seconds")
    parser.add_argument("--requests", type=int, default=400, help="requests while idle")
    return parser.parse_args()


def serve(c: Cluster) -> tuple[subprocess.Popen[bytes], str]:
    """`bespoke serve` on the cluster's database, once it answers; it and its URL."""
    port = free_port()
    log = (c.data_dir / "web.log").open("wb")
    web = subprocess.Popen(
        [str(BESPOKE), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=c.process_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_S
    while True:
        try:
            if httpx.get(f"{url}/health/live").status_code == 200:
                return web, url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or web.poll() is not None:
            web.kill()
            raise RuntimeError(f"the web process did not start; its log: {c.data_dir / 'web.log'}")
        time.sleep(0.2)


def timed(client: httpx.Client) -> float:
    """One GET /api/me, in milliseconds."""
    started = time.perf_counter()
    answer = client.get("/api/me")
    seconds = time.perf_counter() - started
    answer.raise_for_status()
    return seconds * 1000


def statuses(c: Cluster, runs: list[str]) -> list[str]:
    return [
        r["status"] for r in c.rows("SELECT status FROM task_runs WHERE id = ANY(:ids)", ids=runs)
    ]


def loaded(
    c: Cluster, client: httpx.Client, shops: list[Shop], args: argparse.Namespace
) -> tuple[list[float], list[str]]:
    """The schedules deferred; requests timed while all of them run; the runs' ids."""
    runner = TaskRunner(c.env)
    settings = SolverSettings(time_limit=args.time_limit)
    runs = [
        runner.submit(
            s.operator, "shop-schedule", SCHEDULE, schedule_task, s.id, s.operator, settings, []
        ).id
        for s in shops
    ]
    while statuses(c, runs).count("running") < len(runs):
        if any(s in ("done", "failed") for s in statuses(c, runs)):
            raise RuntimeError("a schedule ended before all had started: give more orders")
        time.sleep(0.1)
    times: list[float] = []
    while len(times) < MAX_LOADED:
        took = timed(client)
        if statuses(c, runs).count("running") < len(runs):
            break
        times.append(took)
        time.sleep(PACE_S)
    return times, runs


def schedules(c: Cluster, runs: list[str]) -> list[dict[str, Any]]:
    """Each schedule run: how it ended, seconds from its start to its end, solver status."""
    return c.rows(
        "SELECT r.status, round(EXTRACT(EPOCH FROM (r.updated_at - min(e.at AT TIME ZONE 'UTC')))"
        "::numeric, 1) AS seconds, s.status AS solver, s.id AS schedule"
        " FROM task_runs r JOIN procrastinate_jobs j ON j.args->>'run_id' = r.id"
        " JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'started'"
        " LEFT JOIN schedules s ON r.result_url = '/api/shop/schedules/' || s.id"
        " WHERE r.id = ANY(:ids) GROUP BY r.id, r.status, r.updated_at, s.status, s.id",
        ids=runs,
    )


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 2),
    }


def main() -> None:
    args = arguments()
    with cluster() as c:
        shops = [open_shop(c.env, f"shop-{i}", args.orders) for i in range(SHOPS)]
        token = create_token(c.env, shops[0].maker, "bench")[0]
        workers = [c.start_worker(concurrency=2) for _ in range(2)]
        web, url = serve(c)
        try:
            with httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
            ) as client:
                for _ in range(WARM_UP):
                    timed(client)
                idle = [timed(client) for _ in range(args.requests)]  # back to back
                busy, runs = loaded(c, client, shops, args)
            deadline = time.monotonic() + 10 * args.time_limit + 120
            while any(s in ("queued", "running") for s in statuses(c, runs)):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            ended = schedules(c, runs)
        finally:
            web.terminate()
            web.wait(30)
            c.stop_workers()
    result = {
        "request": "GET /api/me with a token, one at a time, against `bespoke serve` (1 process)",
        "workers": f"{len(workers)} x `bespoke worker --concurrency 2`",
        "schedules": f"{SHOPS} shops' schedules at once, time limit {args.time_limit:g} s,"
        f" {4 * args.orders} orders per shop",
        "idle": spread(idle),
        "while_solving": spread(busy),
        "ratio_p50": round(statistics.median(busy) / statistics.median(idle), 2),
        "ratio_p99": round(spread(busy)["p99_ms"] / spread(idle)["p99_ms"], 2),
        "schedule_runs": ended,
        "goal": "unchanged within noise",
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps(result, indent=2, default=str))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
