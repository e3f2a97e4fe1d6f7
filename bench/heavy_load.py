"""Heavy work at its bounds, and everyone else's requests meanwhile.

Starts the real server (`bespoke serve`, one server process and its worker process, the
defaults) on a fresh data directory. A probe client sends a cheap signed-in request
(`GET /api/me`, a few milliseconds) every 20 ms, first alone once the worker has started
(the baseline, in the same run), then while the largest inputs the service accepts are
worked on: a drawing at the entity bound (one block inserted in a grid), the grid
drawing of 100 x 100 inserts, a binary STL as large as the upload limit allows, a quote
of 20 quantities up to the quantity bound, and a product plan with the most parts a spec may have, each with a hole
grid; then two uploads at once. Each heavy request's time is reported against its budget;
the probe's latency against the goal: under 100 ms while they run. Writes
bench/results/heavy_load.json.
"""

import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ezdxf
import httpx
import numpy as np
import trimesh
import yaml

from api_load import create_user, free_port, running_server
from bespoke.geometry._blocks import MAX_EXPANDED_ENTITIES
from bespoke.model.bounds import MAX_QUANTITIES, MAX_QUANTITY
from bespoke.model.product import MAX_PARTS
from bespoke.services.environment import MEGABYTE
from bespoke.services.workers import MEASURE, PLAN

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "heavy_load.json"
PROBE_EVERY_S = 0.02
BASELINE_S = 5.0
GOAL_MS = 100.0
UPLOAD_LIMIT = 20 * MEGABYTE


@dataclass
class Probe:
    """Latencies of the cheap request, by phase."""

    phase: str = "baseline"
    step: str = ""
    latencies: dict[str, list[float]] = field(default_factory=dict)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    failures: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, base_url: str, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            while not self.stop.is_set():
                start = time.perf_counter()
                answer = client.get("/api/me")
                elapsed = (time.perf_counter() - start) * 1000
                self.failures += answer.status_code != 200
                self.latencies.setdefault(self.phase, []).append(elapsed)
                self.slowest = sorted([*self.slowest, (elapsed, self.step)], reverse=True)[:10]
                time.sleep(max(0.0, PROBE_EVERY_S - elapsed / 1000))

    def summary(self) -> dict[str, dict[str, float]]:
        return {phase: _spread(values) for phase, values in self.latencies.items()}


def _spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
        "max_ms": round(ordered[-1], 1),
    }


def grid_drawing(path: Path, columns: int, rows: int) -> Path:
    """One block (a plate outline with a hole) inserted `columns` x `rows` times."""
    doc = ezdxf.new("R2010")
    doc.units = ezdxf.units.MM
    block = doc.blocks.new("TILE")
    block.add_lwpolyline([(0, 0), (8, 0), (8, 8), (0, 8)], close=True)
    block.add_circle((4, 4), 1.5)
    modelspace = doc.modelspace()
    for i in range(columns):
        for j in range(rows):
            modelspace.add_blockref("TILE", (10 * i, 10 * j))
    doc.saveas(path)
    return path


def largest_mesh(path: Path) -> Path:
    """A binary STL sphere with as many facets as fit in the upload limit."""
    subdivisions = 1
    while 84 + 50 * 20 * 4 ** (subdivisions + 1) <= UPLOAD_LIMIT:
        subdivisions += 1
    mesh = trimesh.creation.icosphere(subdivisions=subdivisions, radius=40.0)
    mesh.export(path)
    return path


def largest_product() -> str:
    """A spec with the most parts a spec may have, each a plate with a grid of holes."""
    grid = {"x": 10, "y": 10, "diameter": 4, "columns": 10, "rows": 6}
    parts = [
        {
            "id": f"plate-{i}",
            "material": "steel-s235",
            "thickness": 2,
            "geometry": {
                "shape": "plate",
                "width": 200 + i % 50,
                "height": 120,
                "hole_grids": [{**grid, "pitch_x": 18, "pitch_y": 18}],
            },
        }
        for i in range(MAX_PARTS)
    ]
    return yaml.safe_dump({"name": "Largest", "parts": parts})


def timed(
    probe: Probe, name: str, budget_s: float, call: Callable[[], httpx.Response]
) -> dict[str, Any]:
    probe.step = name
    start = time.perf_counter()
    answer = call()
    seconds = time.perf_counter() - start
    print(f"  {name}: {answer.status_code} in {seconds:.1f} s (budget {budget_s:g} s)")
    return {
        "request": name,
        "status": answer.status_code,
        "seconds": round(seconds, 2),
        "budget_s": budget_s,
        "detail": answer.text[:200] if answer.status_code >= 400 else "",
    }


def upload(client: httpx.Client, path: Path) -> httpx.Response:
    with path.open("rb") as stream:
        return client.post("/api/designs", files={"file": (path.name, stream)}, timeout=600)


def plan(client: httpx.Client, spec: str) -> httpx.Response:
    """Submit the spec, plan it, and wait for the job: the job's final answer."""
    product = client.post("/api/products", json={"spec_yaml": spec}, timeout=600)
    if product.status_code != 201:
        return product
    job = client.post(product.json()["plans_url"], json={"quantities": [1, 10, 100]}).json()
    while job["status"] in ("queued", "running"):
        time.sleep(0.5)
        job = client.get(f"/api/jobs/{job['id']}").json()
    status = 200 if job["status"] == "done" else 422
    return httpx.Response(status, json=job)


def heavy_work(client: httpx.Client, folder: Path, probe: Probe) -> list[dict[str, Any]]:
    """The heavy requests one after the other, then two uploads at once."""
    side = int((MAX_EXPANDED_ENTITIES / 2) ** 0.5)  # two entities a tile
    largest = grid_drawing(folder / "largest-grid.dxf", side, side)
    hundred = grid_drawing(folder / "hundred-by-hundred.dxf", 100, 100)
    mesh = largest_mesh(folder / "largest-sphere.stl")
    mesh_mb = mesh.stat().st_size / 1e6
    steps: list[tuple[str, float, Callable[[], httpx.Response]]] = [
        ("upload 100 x 100 inserts", MEASURE.seconds, lambda: upload(client, hundred)),
        (f"upload {side} x {side} inserts", MEASURE.seconds, lambda: upload(client, largest)),
        (f"upload STL of {mesh_mb:.1f} MB", MEASURE.seconds, lambda: upload(client, mesh)),
        ("quote 20 quantities to 1,000,000", MEASURE.seconds, lambda: quote(client, largest)),
        (f"plan of {MAX_PARTS} parts", PLAN.seconds, lambda: plan(client, largest_product())),
    ]
    probe.phase = "heavy"
    results = [timed(probe, name, budget, call) for name, budget, call in steps]
    probe.phase = probe.step = "two uploads at once"
    twins = [
        grid_drawing(folder / "twin-a.dxf", 100, 99),
        grid_drawing(folder / "twin-b.dxf", 99, 100),
    ]
    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        both = list(pool.map(lambda path: upload(client, path), twins))
    results.append(
        {
            "request": "two uploads at once",
            "status": [answer.status_code for answer in both],
            "seconds": round(time.perf_counter() - start, 2),
            "budget_s": MEASURE.seconds,
        }
    )
    probe.phase = probe.step = "after"
    return results


def quote(client: httpx.Client, drawing: Path) -> httpx.Response:
    """A quote of the uploaded `drawing` at the most quantities, up to the quantity bound."""
    design = next(d for d in client.get("/api/designs").json() if d["filename"] == drawing.name)
    steps = MAX_QUANTITIES - 1
    quantities = sorted({round(MAX_QUANTITY ** (i / steps)) for i in range(MAX_QUANTITIES)})
    body = {"design_id": design["id"], "material": "steel-s235", "thickness_mm": 2}
    return client.post("/api/quotes", json={**body, "quantities": quantities}, timeout=600)


def warm_up(base_url: str, token: str) -> None:
    """One small upload, so that the baseline starts with the worker process running."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        upload(client, ROOT / "examples" / "wall-bracket.dxf").raise_for_status()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-heavy-") as name:
        folder = Path(name)
        data = folder / "data"
        data.mkdir()
        token = create_user(data)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with running_server(data, port, workers=1):
            warm_up(base_url, token)
            probe = Probe()
            prober = threading.Thread(target=probe.run, args=(base_url, token), daemon=True)
            prober.start()
            time.sleep(BASELINE_S)
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base_url, headers=headers, timeout=600) as client:
                results = heavy_work(client, folder, probe)
            time.sleep(1.0)
            probe.stop.set()
            prober.join()
    latency = probe.summary()
    print("probe GET /api/me latency:")
    for phase, spread in latency.items():
        print(f"  {phase}: {spread}")
    during = [v for p, vs in probe.latencies.items() if p not in ("baseline", "after") for v in vs]
    worst = max(during) if during else float("nan")
    print(f"worst during heavy work: {worst:.1f} ms (goal < {GOAL_MS:g} ms)")
    print(f"probe failures: {probe.failures}")
    print("slowest probe requests, and what ran then:")
    for elapsed, step in probe.slowest:
        print(f"  {elapsed:.0f} ms: {step or 'baseline'}")
    RESULTS.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "server": "bespoke serve, 1 server process, 1 worker process",
                "heavy": results,
                "probe": {"request": "GET /api/me", "every_s": PROBE_EVERY_S, **latency},
                "probe_failures": probe.failures,
                "slowest_probe_ms": [
                    {"ms": round(ms, 1), "during": step or "baseline"} for ms, step in probe.slowest
                ],
                "worst_during_heavy_ms": round(worst, 1),
                "p99_during_heavy_ms": _spread(during)["p99_ms"] if during else None,
                "goal_ms": GOAL_MS,
                "python": sys.version.split()[0],
                "numpy": np.__version__,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
