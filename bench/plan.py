"""Product plan time: configure, plan every part, price at 1/10/100, the scale curve.

Runs each example product and a generated 50-part product in one process, REPEAT times
after one warm-up, and reports the median and worst. As a baseline in the same process,
configuring alone (parameters, expressions, writing and measuring the parts) is timed.
Goal: < 1 s for a 50-part product. Writes bench/results/plan.json.
"""

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bespoke.catalog import load_catalog
from bespoke.products.configure import configure
from bespoke.products.spec import load_spec
from bespoke.services.quoting.products import plan_spec

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "plan.json"
REPEAT = 5
GOAL_S = 1.0
MATERIALS = [("steel-s235", 2), ("aluminium-5052", 3), ("acrylic-cast", 3), ("birch-plywood", 6)]


def fifty_part_spec(folder: Path) -> Path:
    """A cabinet-like product: 45 different plates in four materials and 5 printed parts."""
    parts: list[dict[str, Any]] = []
    for i in range(45):
        material, thickness = MATERIALS[i % len(MATERIALS)]
        parts.append(
            {
                "id": f"panel-{i:02d}",
                "material": material,
                "thickness": thickness,
                "quantity": 1 + i % 3,
                "geometry": {
                    "shape": "plate",
                    "width": f"width - {i * 3} mm",
                    "height": f"{80 + 7 * i} mm",
                    "corner_radius": "4 mm",
                    "hole_grids": [
                        {
                            "x": "15 mm",
                            "y": "15 mm",
                            "diameter": "5 mm",
                            "columns": 4,
                            "rows": 2,
                            "pitch_x": "40 mm",
                            "pitch_y": "40 mm",
                        }
                    ],
                },
            }
        )
    for i in range(5):
        parts.append(
            {
                "id": f"knob-{i}",
                "material": "pla",
                "geometry": {
                    "shape": "cylinder",
                    "diameter": f"{20 + 4 * i} mm",
                    "height": "15 mm",
                },
            }
        )
    spec = {
        "name": "Fifty-part cabinet",
        "parameters": [
            {
                "name": "width",
                "type": "length",
                "default": "400 mm",
                "min": "300 mm",
                "max": "800 mm",
            }
        ],
        "parts": parts,
        "purchased": [
            {"id": "screw", "name": "Screw M4 x 10", "quantity": 120, "unit_price": 0.04}
        ],
        "assemblies": [
            {
                "id": "carcass",
                "components": [
                    {"id": p["id"], "quantity": p.get("quantity", 1)} for p in parts[:45]
                ]
                + [{"id": "screw", "quantity": 120}],
            },
            {
                "id": "cabinet",
                "components": [{"id": "carcass"}] + [{"id": p["id"]} for p in parts[45:]],
            },
        ],
    }
    path = folder / "fifty-part-cabinet.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> int:
    catalog = load_catalog()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        specs = sorted((ROOT / "examples" / "products").glob("*.yaml"))
        specs.append(fifty_part_spec(folder))
        first_call = timed(
            lambda: plan_spec(
                specs[0], quantities=[1, 10, 100], files_dir=folder / "warm", catalog=catalog
            )
        )
        for spec in specs:
            files = folder / spec.stem
            parsed = load_spec(spec)
            parts = len(parsed.parts)
            plan_s = [
                timed(
                    lambda s=spec, f=files: plan_spec(
                        s, quantities=[1, 10, 100], files_dir=f, catalog=catalog
                    )
                )
                for _ in range(REPEAT + 1)
            ][1:]
            configure_s = [
                timed(
                    lambda p=parsed, s=spec, f=files: configure(
                        p, {}, catalog, spec_dir=s.parent, out_dir=f
                    )
                )
                for _ in range(REPEAT)
            ]
            rows.append(
                {
                    "spec": spec.name,
                    "parts": parts,
                    "plan_s_median": round(statistics.median(plan_s), 3),
                    "plan_s_max": round(max(plan_s), 3),
                    "configure_s_median": round(statistics.median(configure_s), 3),
                    "plan_to_configure_ratio": round(
                        statistics.median(plan_s) / statistics.median(configure_s), 2
                    ),
                }
            )
            row = rows[-1]
            print(
                f"{spec.name:30s} {parts:3d} parts  plan {row['plan_s_median']:.3f} s"
                f" (worst {row['plan_s_max']:.3f})"
                f"  configure only {row['configure_s_median']:.3f} s"
            )
    fifty = rows[-1]
    summary = {
        "first_call_s_including_imports": round(first_call, 3),
        "fifty_part_plan_s": fifty["plan_s_median"],
        "goal_s": GOAL_S,
        "meets_goal": fifty["plan_s_max"] <= GOAL_S,
    }
    print(
        f"50-part product: {fifty['plan_s_median']:.3f} s median, {fifty['plan_s_max']:.3f} s"
        f" worst (goal < {GOAL_S:g} s); first call in a process {first_call:.3f} s"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"repeat": REPEAT, "summary": summary, "specs": rows}, indent=2))
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
