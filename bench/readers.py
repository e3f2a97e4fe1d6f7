"""The readers on hostile and on the largest allowed input: time and peak memory.

* A 16 KB drawing of one block inserted 100 x 100 times by a MINSERT (10,000 squares
  apart, or 10,000 circles overlapping their neighbours), the same grid as 10,000
  INSERTs, and 1,600 copies of seven lines stacked within a micrometre, measured by this
  code and by the code before bounds (`BASELINE`, taken from git), each in a fresh process
  so that peak memory is its own.
* The largest drawing, mesh and spec the bounds allow, and how long drawings over the
  entity and point bounds take to be refused.
* Figures that used to be asserted in unit tests: a 1 MB mesh read (median of 5) and a
  thousand spec expressions evaluated.

Writes bench/results/readers.json.

    python bench/readers.py [--baseline 601f353] [--skip-baseline]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "readers.json"
BASELINE = "601f353"
"""The commit before the readers were bounded."""
BASELINE_TIMEOUT_S = 300


def measure(kind: str, path: str) -> dict[str, Any]:
    """Read `path` as a `kind` ('dxf', 'stl', 'spec') with whatever `bespoke` is importable."""
    from bespoke.model.errors import BespokeError

    read: Callable[[], object]
    if kind == "dxf":
        from bespoke.geometry.dxf import read_dxf

        read = lambda: read_dxf(Path(path))  # noqa: E731
    elif kind == "stl":
        from bespoke.geometry.stl import read_stl

        read = lambda: read_stl(Path(path))  # noqa: E731
    else:
        from bespoke.products.spec import read_spec_text

        text = Path(path).read_text()
        read = lambda: read_spec_text(text, Path(path).name)  # noqa: E731
    start = time.perf_counter()
    try:
        result = read()
        outcome = _summary(result)
    except BespokeError as error:
        outcome = f"refused: {error}"
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "peak_mb": _peak_mb(),
        "outcome": outcome[:160],
    }


def _peak_mb() -> int:
    """This process's peak resident memory (Linux `VmHWM`, which starts afresh at exec)."""
    status = Path("/proc/self/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return round(int(line.split()[1]) / 1024)


def _summary(result: object) -> str:
    for fields in (("pierces", "parts", "holes"), ("facets", "volume_mm3"), ("parts",)):
        if all(hasattr(result, f) for f in fields):
            values = [getattr(result, f) for f in fields]
            return ", ".join(
                f"{f} {len(v) if isinstance(v, list) else v}"
                for f, v in zip(fields, values, strict=True)
            )
    return type(result).__name__


def in_process(kind: str, path: Path, source: Path, timeout: float | None = None) -> dict[str, Any]:
    """`measure` in a fresh interpreter importing `bespoke` from `source`."""
    command = [sys.executable, __file__, "--measure", kind, str(path)]
    try:
        done = subprocess.run(
            command,
            env={**os.environ, "PYTHONPATH": str(source)},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": None, "outcome": f"stopped after {timeout:g} s"}
    except subprocess.CalledProcessError as error:
        return {"seconds": None, "outcome": f"crashed: {error.stderr.strip().splitlines()[-1]}"}
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def block_grid(
    path: Path, rows: int, shape: str, *, as_minsert: bool = True, pitch: float = 10.0
) -> Path:
    """One block placed rows x rows times, `pitch` apart: a 5 mm square, a circle of radius
    8 mm (overlapping its neighbours on a 10 mm pitch), or a square of four lines around
    a triangle of three."""
    import ezdxf

    doc = ezdxf.new("R2010", units=4)
    cell = doc.blocks.new("CELL")
    if shape == "circle":
        cell.add_circle((0, 0), 8)
    elif shape == "lines":
        for ring in ([(0, 0), (50, 0), (50, 50), (0, 50)], [(10, 10), (40, 10), (25, 40)]):
            for start, end in zip(ring, ring[1:] + ring[:1], strict=True):
                cell.add_line(start, end)
    else:
        cell.add_lwpolyline([(0, 0), (5, 0), (5, 5), (0, 5)], close=True)
    msp = doc.modelspace()
    if as_minsert:
        msp.add_blockref("CELL", (0, 0)).grid(size=(rows, rows), spacing=(pitch, pitch))
    else:
        for i in range(rows * rows):
            msp.add_blockref("CELL", (10 * (i % rows), 10 * (i // rows)))
    doc.saveas(path)
    return path


def wave_copies(path: Path) -> Path:
    """400 copies of a polyline of 2,000 half circles of 2 m radius: a 75 KB file whose
    paths flatten into 400 million points. Not run with the code before bounds: on the
    same drawing with 500 mm half circles (280 million points) it took 79 s and 21 GB."""
    import ezdxf

    doc = ezdxf.new("R2010", units=4)
    wave = [(4000.0 * i, 0.0, 1.0) for i in range(2001)]
    doc.blocks.new("WAVE").add_lwpolyline(wave, format="xyb")
    doc.modelspace().add_blockref("WAVE", (0, 0)).grid(size=(20, 20), spacing=(9000, 1e7))
    doc.saveas(path)
    return path


def largest_mesh(path: Path) -> Path:
    """Three icospheres of 327,680 facets each: 983,040 facets, under `MAX_FACETS`."""
    import trimesh

    spheres = [trimesh.creation.icosphere(subdivisions=7, radius=20.0) for _ in range(3)]
    for offset, sphere in enumerate(spheres):
        sphere.apply_translation((50.0 * offset, 0.0, 0.0))
    trimesh.util.concatenate(spheres).export(path)
    return path


def largest_spec(path: Path) -> Path:
    """A spec of `MAX_PARTS` plates whose holes are written as aliases of one hole, as many
    as keep the spec under `MAX_SPEC_VALUES` once expanded (a hole is 7 values)."""
    from bespoke.model.product import MAX_HOLES, MAX_PARTS
    from bespoke.products.spec import MAX_SPEC_VALUES

    per_part = min(MAX_HOLES, (MAX_SPEC_VALUES // MAX_PARTS - 20) // 7)
    lines = ["name: Largest", "parts:"]
    for index in range(MAX_PARTS):
        holes = ["*hole"] * per_part
        if index == 0:
            holes[0] = "&hole {x: 10 mm, y: 10 mm, diameter: 5 mm}"
        lines += [
            f"  - id: plate-{index}",
            "    material: steel-s235",
            "    geometry:",
            "      shape: plate",
            "      width: 100 mm",
            "      height: 100 mm",
            f"      holes: [{', '.join(holes)}]",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def mesh_of_a_megabyte(scratch: Path) -> dict[str, Any]:
    """Median of 5 reads of a 1.05 MB binary STL (an icosphere of 20,480 facets)."""
    import trimesh

    from bespoke.geometry.stl import read_stl

    path = scratch / "sphere.stl"
    trimesh.creation.icosphere(subdivisions=5, radius=20.0).export(path)
    read_stl(path)
    seconds = [timed(lambda: read_stl(path)) for _ in range(5)]
    return {"bytes": path.stat().st_size, "median_s": round(statistics.median(seconds), 3)}


def thousand_expressions() -> dict[str, Any]:
    from bespoke.products.expressions import Length, evaluate

    names = {"width": Length(800.0), "height": Length(600.0), "depth": Length(300.0)}
    names["shelves"] = 4
    evaluate("1 mm", {}, path="x")  # the unit registry is built on first use
    expressions = [
        template.format(n=n)
        for n in range(200)
        for template in (
            "width - 2 * 18 mm + {n} mm",
            "(height - 40 mm) / (shelves + {n})",
            "max(3, floor(width / ({n} mm + 250 mm)))",
            "12 mm if width > {n} mm else 9 mm",
            "clamp(depth - {n} mm, 100 mm, 500 mm)",
        )
    ]
    seconds = timed(lambda: [evaluate(e, names, path="x") for e in expressions])
    return {"expressions": len(expressions), "seconds": round(seconds, 3)}


def baseline_source(commit: str, scratch: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "src"], capture_output=True, check=True
    ).stdout
    scratch.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(scratch)], input=archive, check=True)
    return scratch / "src"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0

    from bespoke.geometry._blocks import MAX_EXPANDED_ENTITIES
    from bespoke.geometry.stl import MAX_FACETS
    from bespoke.products.spec import MAX_SPEC_VALUES

    current = ROOT / "src"
    report: dict[str, Any] = {"baseline": args.baseline, "limits": {}}
    report["limits"] = {
        "max_expanded_entities": MAX_EXPANDED_ENTITIES,
        "max_facets": MAX_FACETS,
        "max_spec_values": MAX_SPEC_VALUES,
    }
    with tempfile.TemporaryDirectory(prefix="bespoke-bench-") as folder:
        scratch = Path(folder)
        old = None if args.skip_baseline else baseline_source(args.baseline, scratch / "old")
        hostile = {
            "minsert_100x100_squares": block_grid(scratch / "squares.dxf", 100, "square"),
            "minsert_100x100_overlapping_circles": block_grid(
                scratch / "circles.dxf", 100, "circle"
            ),
            "inserts_100x100_squares": block_grid(
                scratch / "inserts.dxf", 100, "square", as_minsert=False
            ),
            "minsert_40x40_stacked_copies_of_7_lines": block_grid(
                scratch / "stacked.dxf", 40, "lines", pitch=1e-6
            ),
        }
        rows: list[dict[str, Any]] = []
        for name, path in hostile.items():
            row = {"drawing": name, "bytes": path.stat().st_size}
            row["now"] = in_process("dxf", path, current)
            if old is not None:
                row["before"] = in_process("dxf", path, old, BASELINE_TIMEOUT_S)
            rows.append(row)
            print(f"{name:40s} {row['bytes']:>9,d} B  now {row['now']}  before {row.get('before')}")
        report["hostile_drawings"] = rows

        side = int(MAX_EXPANDED_ENTITIES**0.5)
        largest = {
            f"dxf_{side}x{side}_overlapping_circles": (
                "dxf",
                block_grid(scratch / "largest-circles.dxf", side, "circle"),
            ),
            f"dxf_{side}x{side}_squares": (
                "dxf",
                block_grid(scratch / "largest-squares.dxf", side, "square"),
            ),
            f"dxf_{side + 1}x{side + 1}_squares_over_the_bound": (
                "dxf",
                block_grid(scratch / "over.dxf", side + 1, "square"),
            ),
            "dxf_400_copies_of_2000_half_circles_over_the_point_bound": (
                "dxf",
                wave_copies(scratch / "waves.dxf"),
            ),
            "stl_983040_facets": ("stl", largest_mesh(scratch / "largest.stl")),
            "spec_500_plates_aliased_holes": ("spec", largest_spec(scratch / "largest.yaml")),
        }
        report["largest_allowed"] = []
        for name, (kind, path) in largest.items():
            row = {"input": name, "bytes": path.stat().st_size, **in_process(kind, path, current)}
            report["largest_allowed"].append(row)
            print(f"{name:40s} {row['bytes']:>11,d} B  {row}")

        report["mesh_of_a_megabyte"] = mesh_of_a_megabyte(scratch)
        report["thousand_expressions"] = thousand_expressions()
        print(f"1 MB mesh: {report['mesh_of_a_megabyte']}")
        print(f"1,000 expressions: {report['thousand_expressions']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
