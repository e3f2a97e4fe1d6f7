"""Heavy work at its bounds, and everyone else's requests meanwhile.

Starts the real server (`bespoke serve`: one server process and its worker process, the
defaults) on a fresh data directory. A probe, in a process of its own, sends a cheap
signed-in request (`GET /api/me`, a few milliseconds) every 20 ms: first alone, once the
worker has started (the baseline, in the same run), then while the largest inputs the
service accepts are worked on, one after the other: the drawing of 100 x 100 block
inserts, the hardest drawing at the entity bound (one circle inserted 141 x 141 times,
each overlapping its neighbours), a binary STL as large as the upload limit
allows, a quote of 20 quantities up to the quantity bound, a product plan with the most
parts a spec may have (each a plate with a grid of holes); then two uploads at once.
Every input is made before the probe starts. Each heavy request's time is reported
against its budget, and the probe's latency against the goal: under 100 ms while they
run. Writes bench/results/heavy_load.json.
"""

import json
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

import ezdxf
import httpx
import trimesh
import yaml

from api_load import create_user, free_port, running_server
from bespoke.geometry._blocks import MAX_EXPANDED_ENTITIES
from bespoke.model.bounds import MAX_QUANTITIES, MAX_QUANTITY
from bespoke.model.product import MAX_PARTS
from bespoke.services.environment import MEGABYTE
from bespoke.services.workers import MEASURE, PLAN, QUOTE, READ_SPEC

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "heavy_load.json"
PROBE_EVERY_S = 0.02
BASELINE_S = 5.0
GOAL_MS = 100.0
UPLOAD_LIMIT = 20 * MEGABYTE
PHASES = ["baseline", "heavy", "two uploads at once", "after"]
"""What runs meanwhile, by the index the probe reads."""


@dataclass(frozen=True)
class Inputs:
    """The largest inputs the service accepts, made before anything is measured."""

    hundred: Path
    largest: Path
    side: int
    mesh: Path
    spec: str
    twins: tuple[Path, Path]


def make_inputs(folder: Path) -> Inputs:
    side = int(MAX_EXPANDED_ENTITIES**0.5)
    return Inputs(
        hundred=grid_drawing(folder / "hundred-by-hundred.dxf", 100, 100, pitch=10),
        largest=circle_grid(folder / "overlapping-circles.dxf", side),
        side=side,
        mesh=largest_mesh(folder / "largest-sphere.stl"),
        spec=largest_product(),
        twins=(
            grid_drawing(folder / "twin-a.dxf", 100, 99, pitch=10),
            grid_drawing(folder / "twin-b.dxf", 99, 100, pitch=10),
        ),
    )


def grid_drawing(path: Path, columns: int, rows: int, pitch: float) -> Path:
    """One block (a plate outline with a hole) inserted `columns` x `rows` times."""
    doc = ezdxf.new("R2010")
    doc.units = ezdxf.units.MM
    block = doc.blocks.new("TILE")
    block.add_lwpolyline([(0, 0), (8, 0), (8, 8), (0, 8)], close=True)
    block.add_circle((4, 4), 1.5)
    modelspace = doc.modelspace()
    for i in range(columns):
        for j in range(rows):
            modelspace.add_blockref("TILE", (pitch * i, pitch * j))
    doc.saveas(path)
    return path


def circle_grid(path: Path, side: int) -> Path:
    """A circle inserted `side` x `side` times, each overlapping its neighbours."""
    doc = ezdxf.new("R2010")
    doc.units = ezdxf.units.MM
    doc.blocks.new("RING").add_circle((0, 0), 6)
    modelspace = doc.modelspace()
    for i in range(side):
        for j in range(side):
            modelspace.add_blockref("RING", (10 * i, 10 * j))
    doc.saveas(path)
    return path


def largest_mesh(path: Path) -> Path:
    """A binary STL sphere with as many facets as fit in the upload limit."""
    subdivisions = 1
    while 84 + 50 * 20 * 4 ** (subdivisions + 1) <= UPLOAD_LIMIT:
        subdivisions += 1
    trimesh.creation.icosphere(subdivisions=subdivisions, radius=40.0).export(path)
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


def probe(
    base_url: str, token: str, phase: "Synchronized[int]", stop: "Synchronized[int]", out: Any
) -> None:
    """Send the cheap request until stopped; then put (phase, milliseconds, status) of each.
    Says "ready" once it sends."""
    seen = []
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as client:
        client.get("/api/me").raise_for_status()
        out.put("ready")
        while not stop.value:
            start = time.perf_counter()
            status = client.get("/api/me").status_code
            elapsed = (time.perf_counter() - start) * 1000
            seen.append((PHASES[phase.value], elapsed, status))
            time.sleep(max(0.0, PROBE_EVERY_S - elapsed / 1000))
    out.put(seen)


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
        "max_ms": round(ordered[-1], 1),
    }


def upload(client: httpx.Client, path: Path) -> httpx.Response:
    with path.open("rb") as stream:
        return client.post("/api/designs", files={"file": (path.name, stream)}, timeout=600)


def quote(client: httpx.Client, drawing: Path) -> httpx.Response:
    """A quote of the uploaded `drawing` at the most quantities, up to the quantity bound."""
    design = next(d for d in client.get("/api/designs").json() if d["filename"] == drawing.name)
    steps = MAX_QUANTITIES - 1
    quantities = sorted({round(MAX_QUANTITY ** (i / steps)) for i in range(MAX_QUANTITIES)})
    body = {"design_id": design["id"], "material": "steel-s235", "thickness_mm": 2}
    return client.post("/api/quotes", json={**body, "quantities": quantities}, timeout=600)


def plan(client: httpx.Client, spec: str) -> httpx.Response:
    """Submit the spec, plan it and wait for the job: the job, 200 when it is done."""
    product = client.post("/api/products", json={"spec_yaml": spec}, timeout=600)
    if product.status_code != 201:
        return product
    job = client.post(product.json()["plans_url"], json={"quantities": [1, 10, 100]}).json()
    while job["status"] in ("queued", "running"):
        time.sleep(0.5)
        job = client.get(f"/api/tasks/{job['id']}").json()
    return httpx.Response(200 if job["status"] == "done" else 422, json=job)


def timed(name: str, budget_s: float, call: Callable[[], Any]) -> dict[str, Any]:
    start = time.perf_counter()
    answers = call()
    seconds = time.perf_counter() - start
    answers = answers if isinstance(answers, list) else [answers]
    statuses = [a.status_code for a in answers]
    print(f"  {name}: {statuses} in {seconds:.1f} s (budget {budget_s:g} s)")
    return {
        "request": name,
        "status": statuses,
        "seconds": round(seconds, 2),
        "budget_s": budget_s,
        "detail": [a.text[:200] for a in answers if a.status_code >= 400],
    }


def heavy_work(
    client: httpx.Client, inputs: Inputs, phase: "Synchronized[int]"
) -> list[dict[str, Any]]:
    """The heavy requests one after the other, then two uploads at once."""
    side, mesh_mb = inputs.side, inputs.mesh.stat().st_size / 1e6
    measuring, planning = MEASURE.seconds, READ_SPEC.seconds + PLAN.seconds
    steps: list[tuple[str, float, Callable[[], Any]]] = [
        ("upload 100 x 100 inserts", measuring, lambda: upload(client, inputs.hundred)),
        (f"upload {side} x {side} circles", measuring, lambda: upload(client, inputs.largest)),
        (f"upload STL of {mesh_mb:.1f} MB", measuring, lambda: upload(client, inputs.mesh)),
        ("quote 20 quantities to 1,000,000", QUOTE.seconds, lambda: quote(client, inputs.largest)),
        (f"plan of {MAX_PARTS} parts", planning, lambda: plan(client, inputs.spec)),
    ]
    phase.value = PHASES.index("heavy")
    results = [timed(name, budget, call) for name, budget, call in steps]
    phase.value = PHASES.index("two uploads at once")
    with ThreadPoolExecutor(2) as pool:
        both = lambda: list(pool.map(lambda path: upload(client, path), inputs.twins))  # noqa: E731
        results.append(timed("two uploads at once", MEASURE.seconds, both))
    phase.value = PHASES.index("after")
    return results


def warm_up(client: httpx.Client) -> None:
    """One small upload, so that the baseline starts with the worker process running."""
    upload(client, ROOT / "examples" / "wall-bracket.dxf").raise_for_status()


def main() -> None:
    context = multiprocessing.get_context("spawn")
    phase, stop, out = context.Value("i", 0), context.Value("i", 0), context.Queue()
    with tempfile.TemporaryDirectory(prefix="bench-heavy-") as name:
        folder = Path(name)
        inputs = make_inputs(folder)
        data = folder / "data"
        data.mkdir()
        token = create_user(data)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        with (
            running_server(data, port, workers=1),
            httpx.Client(base_url=base_url, headers=headers, timeout=600) as client,
        ):
            warm_up(client)
            prober = context.Process(target=probe, args=(base_url, token, phase, stop, out))
            prober.start()
            assert out.get(timeout=120) == "ready"
            time.sleep(BASELINE_S)
            results = heavy_work(client, inputs, phase)
            time.sleep(1.0)
            stop.value = 1
            seen: list[tuple[str, float, int]] = out.get(timeout=60)
            prober.join()
    report(results, seen)


def report(results: list[dict[str, Any]], seen: list[tuple[str, float, int]]) -> None:
    latency = {p: spread([ms for q, ms, _ in seen if q == p]) for p in PHASES}
    during = [ms for p, ms, _ in seen if p in ("heavy", "two uploads at once")]
    failures = sum(status != 200 for _, _, status in seen)
    print("probe GET /api/me latency:")
    for phase_name, figures in latency.items():
        print(f"  {phase_name}: {figures}")
    print(f"worst during heavy work: {max(during):.1f} ms (goal < {GOAL_MS:g} ms)")
    print(f"probe failures: {failures}")
    RESULTS.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "server": "bespoke serve: 1 server process, 1 worker process, 2 cores",
                "heavy": results,
                "probe": {"request": "GET /api/me", "every_s": PROBE_EVERY_S, **latency},
                "probe_failures": failures,
                "worst_during_heavy_ms": round(max(during), 1),
                "p99_during_heavy_ms": spread(during)["p99_ms"],
                "goal_ms": GOAL_MS,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
