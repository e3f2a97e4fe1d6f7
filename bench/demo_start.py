"""How long `bespoke serve --demo` takes to show its first page, and to be fully prepared.

What `make run` does, from an empty temporary folder (the demo must not need the
repository's `examples/`) on a fresh data directory: the clock starts with the process.
Three moments: the first page (the sign-in page answers), signed in (the demo maker signs
in and sees their orders page) and fully prepared (the maker's orders page lists the demo's
orders and no longer says the demo is being prepared). Afterwards the operator's view is
checked: the shop's schedule exists and a work order is under way. RUNS runs, the median
of each, and the processor time the server's process had used by its first page (which
others' work on a shared machine disturbs less). Goal: the first page in under 15 s. Also
records the load average and the number of processors.

Writes bench/results/demo_start.json.

    python bench/demo_start.py [--runs 3]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bespoke.services.demo import LOGINS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "demo_start.json"
BESPOKE = Path(sys.executable).with_name("bespoke")
GOAL_FIRST_PAGE_S = 15.0
TIMEOUT_S = 300.0
PREPARING = 'class="preparing"'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """Processor time (user + system) process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def waited(started: float, ready: Callable[[], bool], server: subprocess.Popen[bytes]) -> float:
    """Seconds from `started` until `ready()` holds (asked ten times a second)."""
    while True:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        if time.perf_counter() - started > TIMEOUT_S:
            raise SystemExit(f"not ready in {TIMEOUT_S:.0f} s")
        try:
            if ready():
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.1)


def one_run() -> dict[str, float]:
    """One demo started from an empty folder: the three moments in seconds."""
    maker = LOGINS[0]
    operator = next(login for login in LOGINS if login.role == "operator")
    with tempfile.TemporaryDirectory(prefix="bespoke-demo-") as folder:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = [str(BESPOKE), "serve", "--demo", "--data-dir", "data", "--port", str(port)]
        environ = {k: v for k, v in os.environ.items() if k != "BESPOKE_DATABASE_URL"}
        environ["PYTHONPATH"] = str(ROOT / "src")  # this checkout, whatever is installed
        log = Path(folder) / "serve.log"
        with log.open("wb") as output:
            started = time.perf_counter()
            server = subprocess.Popen(
                command, cwd=folder, stdout=output, stderr=subprocess.STDOUT, env=environ
            )
            try:
                with httpx.Client(base_url=url, timeout=30) as browser:
                    first = waited(
                        started, lambda: browser.get("/login").status_code == 200, server
                    )
                    first_cpu = cpu_seconds(server.pid)

                    def signed_in() -> bool:
                        form = {"email": maker.email, "password": maker.password}
                        return browser.post("/login", data=form).status_code == 303

                    signed = waited(started, signed_in, server)

                    def prepared() -> bool:
                        page = browser.get("/orders").text
                        return PREPARING not in page and "wall-bracket.dxf" in page

                    full = waited(started, prepared, server)
                check_operator_view(url, operator.email, operator.password)
            finally:
                server.terminate()
                server.wait(30)
    return {
        "first_page_s": first,
        "first_page_cpu_s": first_cpu,
        "signed_in_s": signed,
        "fully_prepared_s": full,
    }


def check_operator_view(url: str, email: str, password: str) -> None:
    """The prepared demo as the operator sees it: the schedule, a work order under way."""
    with httpx.Client(base_url=url, timeout=30) as browser:
        browser.post("/login", data={"email": email, "password": password})
        schedule = browser.get("/shop/schedules/latest")
        assert schedule.status_code == 200, f"no schedule: {schedule.status_code}"
        queue = browser.get("/floor")
        assert queue.status_code == 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    samples = [one_run() for _ in range(runs)]
    figures = {
        name: {
            "median_s": round(statistics.median(s[name] for s in samples), 2),
            "samples_s": [round(s[name], 2) for s in samples],
        }
        for name in samples[0]
    }
    result = {
        "runs": runs,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "goal_first_page_s": GOAL_FIRST_PAGE_S,
        **figures,
        "first_page_within_goal": figures["first_page_s"]["median_s"] < GOAL_FIRST_PAGE_S,
    }
    for name, figure in figures.items():
        print(f"{name:<18} median {figure['median_s']:6.2f} s  runs {figure['samples_s']}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
