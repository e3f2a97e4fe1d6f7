"""Web service load: POST /api/quotes from N concurrent clients against `bespoke serve`.

Starts the real server (`bespoke serve --workers W`) on a fresh data directory and a
free port, creates a maker with an API token through the CLI, uploads the small DXF
designs (the examples, plus the shared fixtures under 100 KB that the service quotes),
then lets N client threads loop `POST /api/quotes` over them for a fixed time after a
short warm-up. Any answer other than 201 is an error. The clients run on the same
machine and share its cores with the server, so their CPU use is reported too, with
the server's (per process: keep-alive connections may crowd onto one worker), other
processes' and the hypervisor's steal. Threads with one httpx.Client each cost the
client about 1.4 ms of CPU per request here, asyncio with httpx.AsyncClient about 2.4.
As a baseline in the same process, `quote_geometry` is timed in process (no HTTP, no
database), single-threaded, on the same designs. Goal: >= 50 quotes/s with 0 errors
on 2 cores. Writes bench/results/api_load.json.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from served import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BESPOKE_SHARED_DIR", ROOT.parent / "shared")) / "fixtures"
RESULTS = ROOT / "bench" / "results" / "api_load.json"
BESPOKE = Path(sys.executable).with_name("bespoke")
GOAL_QPS = 50.0
MAX_BYTES = 100_000
QUANTITIES = [1, 10, 100, 1000]
SHARED_MATERIAL = ("steel-s235", 2.0)
EXAMPLES = [
    ("wall-bracket.dxf", "steel-s235", 2.0),
    ("sign-plate.dxf", "acrylic-cast", 3.0),
    ("sprocket.dxf", "steel-s235", 4.0),
    ("motor-mount.dxf", "aluminium-5052", 3.0),
]
EMAIL = "load@bench.example"
PASSWORD = "bench-load-password"
STOP_TIMEOUT_S = 15.0
JSON = {"content-type": "application/json"}


@dataclass
class Design:
    """A design file to quote, with the material and thickness it is quoted in."""

    path: Path
    material: str
    thickness_mm: float
    design_id: int = 0
    upload_ms: float = 0.0
    first_quote_ms: float = 0.0
    makeable: bool = False

    def options(self) -> dict[str, Any]:
        """The quote's material, thickness and quantities."""
        return {
            "material": self.material,
            "thickness_mm": self.thickness_mm,
            "quantities": QUANTITIES,
        }


@dataclass
class ClientLog:
    """What one client thread saw in the measured window."""

    latencies_ms: list[float] = field(default_factory=list)
    per_design: list[int] = field(default_factory=list)
    errors: int = 0
    error_samples: list[dict[str, Any]] = field(default_factory=list)
    last_end: float = 0.0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time (default 20)")
    parser.add_argument("--warmup", type=float, default=2.0, help="uncounted warm-up (default 2)")
    parser.add_argument(
        "--baseline-seconds", type=float, default=5.0, help="in-process baseline time (default 5)"
    )
    return parser.parse_args()


def candidate_designs() -> list[Design]:
    """The example drawings, then the shared DXF fixtures under MAX_BYTES (when present)."""
    designs = [Design(ROOT / "examples" / name, m, t) for name, m, t in EXAMPLES]
    shared = sorted((SHARED / "dxf").glob("*.dxf")) if (SHARED / "dxf").is_dir() else []
    designs += [Design(p, *SHARED_MATERIAL) for p in shared if p.stat().st_size < MAX_BYTES]
    return designs


def child_environment() -> dict[str, str]:
    """This environment without settings that would point the service elsewhere."""
    env = {k: v for k, v in os.environ.items() if k not in ("BESPOKE_DATABASE_URL",)}
    env["COLUMNS"] = "200"  # the CLI prints through rich: keep the token on one line
    return env


def create_user(data_dir: Path) -> str:
    """A maker with an API token, made by the CLI; the token."""
    done = subprocess.run(
        [
            *(str(BESPOKE), "user", "create", EMAIL, "--role", "maker", "--password", PASSWORD),
            *("--token", "--data-dir", str(data_dir)),
        ],
        capture_output=True,
        text=True,
        env=child_environment(),
        check=True,
    )
    found = re.search(r"API token \(shown once\): (bsp_\S+)", done.stdout)
    if found is None:
        raise RuntimeError(f"no API token in the output of `bespoke user create`:\n{done.stdout}")
    return found.group(1)


@contextmanager
def running_server(data_dir: Path, port: int, workers: int) -> Iterator[subprocess.Popen[bytes]]:
    """`bespoke serve` until the block ends: terminated, then killed on timeout."""
    log = (data_dir / "serve.log").open("wb")
    command = [str(BESPOKE), "serve", "--data-dir", str(data_dir), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=child_environment(),
        start_new_session=True,
    )
    try:
        wait_healthy(server, f"http://127.0.0.1:{port}", data_dir / "serve.log")
        yield server
    finally:
        server.terminate()
        try:
            server.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # its own session: the server and its workers
            server.wait()
        log.close()


def quote_body(design: Design) -> bytes:
    return json.dumps({"design_id": design.design_id, **design.options()}).encode()


def prepare(
    client: httpx.Client, designs: list[Design]
) -> tuple[list[Design], list[dict[str, Any]]]:
    """Upload each design (timed) and quote it once; those answered 4xx are left out."""
    kept, skipped = [], []
    for design in designs:
        start = time.perf_counter()
        with design.path.open("rb") as file:
            uploaded = client.post("/api/designs", files={"file": (design.path.name, file)})
        design.upload_ms = (time.perf_counter() - start) * 1000
        if uploaded.status_code == 201:
            design.design_id = uploaded.json()["id"]
            start = time.perf_counter()
            answer = client.post("/api/quotes", content=quote_body(design), headers=JSON)
            design.first_quote_ms = (time.perf_counter() - start) * 1000
        else:
            answer = uploaded
        if 400 <= answer.status_code < 500:
            step = "upload" if answer is uploaded else "quote"
            skipped.append(
                {
                    "file": design.path.name,
                    "step": step,
                    "status": answer.status_code,
                    "detail": answer.text[:200],
                }
            )
            continue
        answer.raise_for_status()
        design.makeable = bool(answer.json()["makeable"])
        kept.append(design)
    return kept, skipped


def client_loop(
    base_url: str,
    token: str,
    bodies: list[bytes],
    offset: int,
    window: tuple[float, float],
    log: ClientLog,
) -> None:
    """POST quotes round-robin until the window ends; record those begun inside it."""
    counted_from, stop_at = window
    headers = {"authorization": f"Bearer {token}", **JSON}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        i = offset
        while (start := time.perf_counter()) < stop_at:
            which = i % len(bodies)
            try:
                response = client.post("/api/quotes", content=bodies[which])
                status = response.status_code
                text = "" if status == 201 else response.text[:200]
            except httpx.HTTPError as error:
                status, text = 0, repr(error)[:200]
            end = time.perf_counter()
            i += 1
            if start < counted_from:
                continue
            log.latencies_ms.append((end - start) * 1000)
            log.per_design.append(which)
            log.last_end = end
            if status != 201:
                log.errors += 1
                if len(log.error_samples) < 5:
                    log.error_samples.append({"status": status, "body": text})


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (Linux /proc), e.g. the server's workers."""
    pids, i = [pid], 0
    while i < len(pids):
        for children in Path(f"/proc/{pids[i]}/task").glob("*/children"):
            with suppress(OSError):
                pids += [int(c) for c in children.read_text().split()]
        i += 1
    return pids


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each process still there (Linux /proc; else none)."""
    seconds = {}
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        seconds[pid] = ticks / os.sysconf("SC_CLK_TCK")
    return seconds


def machine_seconds() -> tuple[float, float] | None:
    """CPU time of the whole machine, all cores: busy, and stolen by the hypervisor
    (Linux /proc/stat; else None)."""
    try:
        line = Path("/proc/stat").read_text().split("\n", 1)[0]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, line.split()[1:9])
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def load(
    base_url: str, token: str, server_pid: int, designs: list[Design], args: argparse.Namespace
) -> dict[str, Any]:
    """Run the clients; throughput, latency, errors and CPU use over the measured window."""
    bodies = [quote_body(d) for d in designs]
    logs = [ClientLog() for _ in range(args.concurrency)]
    begin = time.perf_counter()
    window = (begin + args.warmup, begin + args.warmup + args.seconds)
    threads = [
        threading.Thread(target=client_loop, args=(base_url, token, bodies, n, window, logs[n]))
        for n in range(args.concurrency)
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window[0] - time.perf_counter()))
    server_pids = process_tree(server_pid)
    server_cpu_0, client_cpu_0 = cpu_seconds(server_pids), time.process_time()
    machine_0 = machine_seconds()
    for thread in threads:
        thread.join()
    server_cpu_1, client_cpu_1 = cpu_seconds(server_pids), time.process_time()
    machine_1 = machine_seconds()
    elapsed = max(window[1], *(log.last_end for log in logs)) - window[0]
    latencies = [v for log in logs for v in log.latencies_ms]
    errors = sum(log.errors for log in logs)
    per_design = {}
    for index, design in enumerate(designs):
        mine = [
            v
            for log in logs
            for v, d in zip(log.latencies_ms, log.per_design, strict=True)
            if d == index
        ]
        per_design[design.path.name] = round(statistics.median(mine), 1) if mine else None
    busy = {
        p: (t - server_cpu_0[p]) / elapsed for p, t in server_cpu_1.items() if p in server_cpu_0
    }
    server_cpu = round(sum(busy.values()), 2) if busy else None
    client_cpu = round((client_cpu_1 - client_cpu_0) / elapsed, 2)
    machine, steal = None, None
    if machine_0 is not None and machine_1 is not None:
        machine = (machine_1[0] - machine_0[0]) / elapsed
        steal = round((machine_1[1] - machine_0[1]) / elapsed, 2)
    return {
        "requests": len(latencies),
        "errors": errors,
        "error_samples": [s for log in logs for s in log.error_samples][:10],
        "elapsed_s": round(elapsed, 2),
        "quotes_per_s": round(len(latencies) / elapsed, 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50), 1),
            "p95": round(percentile(latencies, 0.95), 1),
            "p99": round(percentile(latencies, 0.99), 1),
            "max": round(max(latencies), 1),
        },
        "latency_ms_median_by_design": per_design,
        "client_cpu_cores": client_cpu,
        "machine_busy_cores": None if machine is None else round(machine, 2),
        "other_processes_cpu_cores": (
            None
            if machine is None or server_cpu is None
            else round(max(0.0, machine - server_cpu - client_cpu), 2)
        ),
        "stolen_cpu_cores": steal,
        "server_cpu_cores": server_cpu,
        "server_cpu_cores_by_process": sorted((round(v, 2) for v in busy.values()), reverse=True),
    }


def baseline(designs: list[Design], seconds: float) -> dict[str, Any]:
    """`quote_geometry` in process on already measured designs, single-threaded."""
    from bespoke.catalog import load_catalog
    from bespoke.costing.quote import quote_geometry
    from bespoke.geometry.dxf import read_dxf

    catalog = load_catalog()
    measured = [(d, read_dxf(d.path)) for d in designs]
    samples: dict[str, list[float]] = {d.path.name: [] for d in designs}
    for design, geometry in measured:  # warm-up
        quote_geometry(design.path.name, geometry, catalog, **design.options())
    count, begin = 0, time.perf_counter()
    while time.perf_counter() - begin < seconds:
        design, geometry = measured[count % len(measured)]
        start = time.perf_counter()
        quote_geometry(design.path.name, geometry, catalog, **design.options())
        samples[design.path.name].append((time.perf_counter() - start) * 1000)
        count += 1
    elapsed = time.perf_counter() - begin
    return {
        "quotes": count,
        "elapsed_s": round(elapsed, 2),
        "quotes_per_s": round(count / elapsed, 1),
        "ms_median_by_design": {k: round(statistics.median(v), 2) for k, v in samples.items()},
    }


def serve_and_load(
    args: argparse.Namespace,
) -> tuple[list[Design], list[dict[str, Any]], dict[str, Any]]:
    """Start the server on a fresh data directory, upload, load it; stop it again."""
    with tempfile.TemporaryDirectory(prefix="bespoke-load-") as scratch:
        data_dir = Path(scratch)
        token = create_user(data_dir)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with running_server(data_dir, port, args.workers) as server:
            headers = {"authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
                designs, skipped = prepare(client, candidate_designs())
            if not designs:
                raise SystemExit("no design was quoted with status 201: nothing to load")
            for entry in skipped:
                print(
                    f"skipped {entry['file']}: {entry['step']} {entry['status']} {entry['detail']}"
                )
            for d in designs:
                print(
                    f"{d.path.name:32s} {d.path.stat().st_size:>7,d} B  {d.material:15s}"
                    f" {d.thickness_mm:g} mm  upload {d.upload_ms:6.1f} ms"
                    f"  first quote {d.first_quote_ms:6.1f} ms  makeable {d.makeable}"
                )
            print(
                f"load: {args.concurrency} client threads x {args.seconds:g} s"
                f" (after {args.warmup:g} s warm-up), {args.workers} server workers ..."
            )
            return designs, skipped, load(base_url, token, server.pid, designs, args)


def upload_summary(designs: list[Design]) -> dict[str, float]:
    uploads = [d.upload_ms for d in designs]
    return {
        "designs": len(uploads),
        "median_ms": round(statistics.median(uploads), 1),
        "max_ms": round(max(uploads), 1),
        "total_ms": round(sum(uploads), 1),
    }


def print_summary(report: dict[str, Any]) -> None:
    service, in_process = report["service"], report["in_process"]
    upload, latency = report["upload"], service["latency_ms"]
    parameters = report["parameters"]
    print(f"designs: {', '.join(d['file'] for d in report['designs'])}")
    skipped = ", ".join(f"{s['file']} ({s['status']})" for s in report["skipped"]) or "none"
    print(f"skipped (4xx in the warm-up pass): {skipped}")
    print(
        f"upload (once each, before the load): {upload['designs']} designs,"
        f" median {upload['median_ms']} ms, max {upload['max_ms']} ms"
    )
    print(
        f"workers {parameters['workers']}, concurrency {parameters['concurrency']},"
        f" {parameters['seconds']:g} s, cores {report['cores']}"
    )
    print(
        f"requests {service['requests']}, errors {service['errors']},"
        f" throughput {service['quotes_per_s']} quotes/s"
    )
    print(
        f"latency p50 {latency['p50']} ms, p95 {latency['p95']} ms,"
        f" p99 {latency['p99']} ms, max {latency['max']} ms"
    )
    print(
        f"CPU in cores: server {service['server_cpu_cores']}"
        f" (by process {service['server_cpu_cores_by_process']}),"
        f" client {service['client_cpu_cores']} (the clients share the machine's cores),"
        f" other processes {service['other_processes_cpu_cores']},"
        f" stolen by the hypervisor {service['stolen_cpu_cores']}"
    )
    for entry in service["error_samples"]:
        print(f"error sample: {entry['status']} {entry['body']}")
    print(
        f"in process (quote_geometry only: no HTTP, no database, 1 thread):"
        f" {in_process['quotes_per_s']} quotes/s;"
        f" service / in process x{report['service_to_in_process_ratio']}"
    )
    met = "met" if report["goal"]["met"] else "not met"
    print(f"goal: >= {GOAL_QPS:g} quotes/s with 0 errors on 2 cores: {met}")


def main() -> int:
    args = arguments()
    designs, skipped, service = serve_and_load(args)
    in_process = baseline(designs, args.baseline_seconds)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "parameters": {
            "workers": args.workers,
            "concurrency": args.concurrency,
            "seconds": args.seconds,
            "warmup_s": args.warmup,
            "baseline_seconds": args.baseline_seconds,
            "quantities": QUANTITIES,
            "client": "threads, one httpx.Client (keep-alive) each, same machine as the server",
        },
        "designs": [
            {
                "file": d.path.name,
                "bytes": d.path.stat().st_size,
                "material": d.material,
                "thickness_mm": d.thickness_mm,
                "upload_ms": round(d.upload_ms, 1),
                "first_quote_ms": round(d.first_quote_ms, 1),
                "makeable": d.makeable,
            }
            for d in designs
        ],
        "skipped": skipped,
        "upload": upload_summary(designs),
        "service": service,
        "in_process": in_process,
        "service_to_in_process_ratio": round(
            service["quotes_per_s"] / in_process["quotes_per_s"], 2
        ),
        "goal": {
            "quotes_per_s": GOAL_QPS,
            "errors": 0,
            "met": service["quotes_per_s"] >= GOAL_QPS and service["errors"] == 0,
        },
    }
    print_summary(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
