"""Operators' terminals against a running service: 60 of them, each with its own operator
token and its own work order, each sending one action a second for a minute.

The shop is the demo shop (`seed_demo`: users, the examples quoted and ordered) with the
demo's orders placed again until the schedule releases enough work orders, then scheduled
for real (`schedule_shop`, CP-SAT): the work orders come from the schedule, not from the
store. The service is `bespoke serve` (2 processes: one per core) on SQLite. Each terminal is
a thread with its own httpx.Client; its first action starts its work order, then it
pauses (with a reason), resumes and books small quantities (1 good; every fifth booking
of an order's own work order 1 scrap with a reason) in turn, never an action its state
refuses. Terminals are spread over the second. Any answer but 200 is an error.

Afterwards, from the store: each work order's running_s + paused_s equals its wall time
(last event - first start), the running and paused seconds a replay of its events gives,
good + scrap <= started, and the parts the terminals booked. Goal: p99 < 100 ms.

Writes bench/results/terminal.json.

    python bench/terminal.py [--terminals 60] [--seconds 60] [--workers 2]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bespoke.scheduling.solver import SolverSettings
from bespoke.services import accounts
from bespoke.services.demo import DEMO_SHOP, LOGINS, seed_demo
from bespoke.services.environment import Environment, Settings, open_environment
from bespoke.services.ordering import orders
from bespoke.services.shop.scheduling import schedule_shop
from bespoke.services.shop.shops import ensure_shop
from bespoke.store.tables import WorkOrderRow
from served import serving, user_token

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "terminal.json"
GOAL_P99_MS = 100.0
PAUSE_REASONS = ["setup", "material", "tooling", "quality", "break"]
SCRAP_EVERY = 5
SOLVER_S = 5.0
TOLERANCE_S = 1e-5


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=60.0, help="actions for this long")
    parser.add_argument(
        "--workers", type=int, default=2, help="server processes (one per core, as serve advises)"
    )
    parser.add_argument("--rounds", type=int, default=6, help="times the demo orders again")
    return parser.parse_args()


def scheduled_shop(env: Environment, rounds: int) -> tuple[int, dict[str, float]]:
    """The demo shop with its orders placed `rounds` more times, scheduled; its id and
    how long each step took."""
    took = {}
    started = time.perf_counter()
    seed_demo(env, ROOT / "examples", schedule=False)
    took["seed_demo_s"] = time.perf_counter() - started
    makers = {
        who.id: who
        for login in LOGINS[:2]
        if (who := accounts.authenticate(env, login.email, login.password)) is not None
    }
    shop_id = ensure_shop(env, *DEMO_SHOP)
    with env.uow() as uow:
        placed = [
            (o.owner_id, o.quote_id, o.quantity)
            for o in uow.orders.open_in_shop(shop_id, ["placed"])
        ]
    started = time.perf_counter()
    for round_ in range(rounds):
        for owner, quote_id, quantity in placed:
            orders.place_order(env, makers[owner], quote_id, quantity, f"bench-{round_}-{quote_id}")
    took["orders_placed"] = len(placed) * (rounds + 1)
    took["place_s"] = time.perf_counter() - started
    started = time.perf_counter()
    schedule_shop(env, shop_id, None, SolverSettings(time_limit=SOLVER_S))
    took["schedule_s"] = time.perf_counter() - started
    return shop_id, {k: round(v, 1) for k, v in took.items()}


@dataclass
class Terminal:
    """One operator's terminal and what it saw."""

    token: str
    work_order: int
    quantity: int
    batch: bool
    status: str = "ready"
    started: int = 0
    good: int = 0
    scrap: int = 0
    bookings: int = 0
    pauses: int = 0
    accepted: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def next_action(self) -> dict[str, Any]:
        """The next action its work order's status allows, with what it needs."""
        if self.status == "ready":
            return {"action": "start"}
        if self.status == "paused":
            return {"action": "resume"}
        room = self.started - self.good - self.scrap
        if room > 0 and self.accepted % 3 == 1:
            self.bookings += 1
            if not self.batch and self.bookings % SCRAP_EVERY == 0:
                return {"action": "book", "scrap": 1, "scrap_reason": "dimension"}
            return {"action": "book", "good": 1}
        self.pauses += 1
        return {"action": "pause", "pause_reason": PAUSE_REASONS[self.pauses % 5]}

    def took(self, action: dict[str, Any], answer: dict[str, Any]) -> None:
        self.accepted += 1
        self.status = answer["status"]
        self.started = answer["started"]
        self.good += action.get("good", 0)
        self.scrap += action.get("scrap", 0)


def run_terminal(url: str, terminal: Terminal, begin: float, seconds: float) -> None:
    """One action a second from `begin` until `seconds` have passed."""
    path = f"/api/floor/work-orders/{terminal.work_order}/actions"
    headers = {"Authorization": f"Bearer {terminal.token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        tick = 0
        while (due := begin + tick) < begin + seconds:
            time.sleep(max(0.0, due - time.perf_counter()))
            action = terminal.next_action()
            sent = time.perf_counter()
            try:
                answer = client.post(path, json=action)
                status, body = answer.status_code, answer.text
            except httpx.HTTPError as error:
                status, body = 0, repr(error)
            terminal.latencies_ms.append((time.perf_counter() - sent) * 1000)
            if status == 200:
                terminal.took(action, answer.json())
            else:
                terminal.errors.append({"status": status, "action": action, "body": body[:200]})
            tick += 1


def replayed_seconds(events: list[tuple[str, datetime]]) -> tuple[float, float]:
    """Running and paused seconds from a work order's events alone."""
    running = paused = 0.0
    status, last = None, None
    for action, at in events:
        if last is not None and status is not None:
            seconds = (at - last).total_seconds()
            running += seconds if status == "running" else 0.0
            paused += seconds if status == "paused" else 0.0
        status = {"start": "running", "resume": "running", "pause": "paused"}.get(action, status)
        last = at
    return running, paused


def checked(env: Environment, terminals: list[Terminal]) -> dict[str, Any]:
    """Each terminal's work order as stored, against its wall time, its events and what
    the terminal booked."""
    problems = []
    with env.uow() as uow:
        for terminal in terminals:
            row = uow.session.get(WorkOrderRow, terminal.work_order)
            assert row is not None
            events = [(e.action, e.at) for e in uow.work_orders.events(row.id)]
            first, last = row.first_start_at, row.last_event_at
            wall = (last - first).total_seconds() if first and last else 0.0
            running, paused = replayed_seconds(events)
            found = []
            if abs(row.running_s + row.paused_s - wall) > TOLERANCE_S:
                found.append(f"running_s + paused_s {row.running_s + row.paused_s} != wall {wall}")
            if abs(row.running_s - running) + abs(row.paused_s - paused) > TOLERANCE_S:
                found.append(f"running/paused {row.running_s}/{row.paused_s} != {running}/{paused}")
            if row.good + row.scrap > row.started:
                found.append(f"good + scrap {row.good} + {row.scrap} > started {row.started}")
            if (row.good, row.scrap) != (terminal.good, terminal.scrap):
                found.append(
                    f"booked {row.good}/{row.scrap}, terminal {terminal.good}/{terminal.scrap}"
                )
            if len(events) != terminal.accepted:
                found.append(f"{len(events)} events, {terminal.accepted} actions accepted")
            if found:
                problems.append({"work_order": row.id, "problems": found})
    return {"work_orders": len(terminals), "problems": problems, "passed": not problems}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (Linux /proc; else 0)."""
    pids, total = [pid], 0.0
    while pids:
        current = pids.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        pids += [int(child) for child in children]
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))], 1)


def main() -> int:
    args = arguments()
    with tempfile.TemporaryDirectory(prefix="bench-terminal-") as folder:
        data_dir = Path(folder)
        env = open_environment(Settings(data_dir=data_dir), migrate=True)
        print(f"scheduling the demo shop with its orders placed {args.rounds + 1} times ...")
        shop_id, setup = scheduled_shop(env, args.rounds)
        with env.uow() as uow:
            ready = list(uow.work_orders.of_shop(shop_id, ["ready"]))
        setup["ready_work_orders"] = len(ready)
        print(f"setup: {setup}")
        if len(ready) < args.terminals:
            raise SystemExit(f"{len(ready)} ready work orders for {args.terminals} terminals")
        terminals = [
            Terminal(
                user_token(env, f"operator-{n}@bench.example", "operator", DEMO_SHOP[0]),
                row.id,
                row.quantity,
                row.batch is not None,
            )
            for n, row in enumerate(ready[: args.terminals])
        ]
        with serving(data_dir, args.workers) as (url, pid):
            print(f"{args.terminals} terminals, 1 action/s each, {args.seconds:g} s ...")
            begin = time.perf_counter() + 1.0
            threads = [
                threading.Thread(
                    target=run_terminal,
                    args=(url, t, begin + n / args.terminals, args.seconds),
                )
                for n, t in enumerate(terminals)
            ]
            server_cpu, client_cpu = cpu_seconds(pid), time.process_time()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - begin
            server_cpu = (cpu_seconds(pid) - server_cpu) / elapsed
            client_cpu = (time.process_time() - client_cpu) / elapsed
        correctness = checked(env, terminals)
    latencies = [v for t in terminals for v in t.latencies_ms]
    errors = [e for t in terminals for e in t.errors]
    by_action: dict[str, int] = {}
    for terminal in terminals:
        by_action["start"] = by_action.get("start", 0) + min(1, terminal.accepted)
        by_action["book"] = by_action.get("book", 0) + terminal.bookings
        by_action["pause"] = by_action.get("pause", 0) + terminal.pauses
    service = {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "errors": len(errors),
        "error_samples": errors[:10],
        "latency_ms": {
            "p50": percentile(latencies, 0.50),
            "p95": percentile(latencies, 0.95),
            "p99": percentile(latencies, 0.99),
            "max": round(max(latencies), 1),
            "mean": round(statistics.fmean(latencies), 1),
        },
        "actions_sent": by_action,
        "server_cpu_cores": round(server_cpu, 2),
        "client_cpu_cores": round(client_cpu, 2),
    }
    latency = service["latency_ms"]
    print(
        f"requests {service['requests']} ({service['requests_per_s']}/s), errors"
        f" {service['errors']}; latency p50 {latency['p50']} ms, p95 {latency['p95']} ms,"
        f" p99 {latency['p99']} ms, max {latency['max']} ms; CPU in cores: server"
        f" {service['server_cpu_cores']}, terminals {service['client_cpu_cores']}"
    )
    for sample in service["error_samples"]:
        print(f"error sample: {sample}")
    print(
        f"correctness of {correctness['work_orders']} work orders:"
        f" {'passed' if correctness['passed'] else 'FAILED'} {correctness['problems'][:5]}"
    )
    met = latency["p99"] < GOAL_P99_MS and not errors and correctness["passed"]
    print(f"goal: p99 < {GOAL_P99_MS:g} ms, no errors, books add up: {'met' if met else 'not met'}")
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {
            "terminals": args.terminals,
            "seconds": args.seconds,
            "server_workers": args.workers,
            "work_orders": "from the schedule of the demo shop (orders placed, then scheduled)",
            "client": "one thread and httpx.Client (keep-alive) per terminal, same machine",
        },
        "setup": setup,
        "service": service,
        "correctness": correctness,
        "goal": {"p99_ms": GOAL_P99_MS, "met": met},
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
