"""Nesting many orders on shared sheets against one order per sheet.

About 50 orders of 2 mm S235 steel for the fiber laser, each a drawing drawn at random
from the shared DXF fixtures and the examples (read in the units `read_dxf` finds
likelier when the header's look wrong) in a small quantity. Bespoke nests them all on
3000 x 1500 sheets with the catalog's kerf and part spacing; the baseline cuts each
order from sheets of its own (nested by the same engine), the usual practice when
orders are not batched. Both return the last sheet's off-cut to stock.

Goals: >= 85 % utilisation on every sheet but the last, >= 1.3x fewer sheets than the
baseline, <= 30 s per nest. Writes bench/results/nesting.json.

    python bench/nesting.py [--orders 50] [--time-limit 30] [--seed 1]
"""

import argparse
import json
import os
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bespoke.batching.nesting import NestSettings, nest
from bespoke.catalog import load_catalog
from bespoke.geometry.dxf import read_dxf, read_dxf_outlines
from bespoke.model import ProfileCutting
from bespoke.model.batching import Nest, NestPart, Outline

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BESPOKE_SHARED_DIR", ROOT.parent / "shared")) / "fixtures"
RESULTS = ROOT / "bench" / "results" / "nesting.json"
SHEET_MM = (3000.0, 1500.0)
QUANTITIES = [1, 1, 1, 2, 2, 3, 4, 5, 10]
PROCESS, MATERIAL, THICKNESS = "fiber-laser", "steel-s235", 2.0


def drawings() -> dict[str, list[Outline]]:
    """Each drawing's parts, in the units its geometry says it was drawn in."""
    files = sorted((SHARED / "dxf").glob("*.dxf")) + sorted((ROOT / "examples").glob("*.dxf"))
    found = {}
    for path in files:
        measured = read_dxf(path)
        units = measured.units.alternative_units if measured.units.suspicious else None
        found[path.stem] = read_dxf_outlines(path, units)
    return found


def workload(orders: int, seed: int) -> list[list[NestPart]]:
    """Orders, each a list of parts (one per separate outline of its drawing)."""
    rng = random.Random(seed)
    parts_of = drawings()
    names = sorted(parts_of)
    result = []
    for order in range(1, orders + 1):
        name = rng.choice(names)
        quantity = rng.choice(QUANTITIES)
        result.append(
            [
                NestPart(
                    id=f"{order}/{name}/{k}",
                    order=str(order),
                    name=name,
                    outline=outline,
                    quantity=quantity,
                )
                for k, outline in enumerate(parts_of[name])
            ]
        )
    return result


def summary(nests: list[Nest], seconds: list[float]) -> dict[str, Any]:
    sheets = [s for n in nests for s in n.sheets]
    full = [s.utilisation for n in nests for s in n.sheets[:-1]]
    consumed = sum(n.sheet_area_mm2 for n in nests) / (SHEET_MM[0] * SHEET_MM[1])
    parts_area = sum(s.parts_area_mm2 for s in sheets)
    return {
        "nests": len(nests),
        "sheets": len(sheets),
        "sheet_equivalents_consumed": round(consumed, 3),
        "overall_utilisation": round(parts_area / sum(n.sheet_area_mm2 for n in nests), 4),
        "utilisation_by_sheet": [s.utilisation for s in sheets] if len(nests) == 1 else None,
        "lowest_utilisation_but_last": min(full) if full else None,
        "longest_nest_s": round(max(seconds), 2),
        "total_s": round(sum(seconds), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not (SHARED / "dxf").is_dir():
        raise SystemExit(f"the shared DXF fixtures are needed: not found at {SHARED / 'dxf'}")
    catalog = load_catalog()
    laser = catalog.processes[PROCESS]
    assert isinstance(laser, ProfileCutting)
    orders = workload(args.orders, args.seed)
    copies = sum(p.quantity for order in orders for p in order)
    print(f"{len(orders)} orders, {copies} parts to cut from {MATERIAL} {THICKNESS:g} mm")
    settings = dict(
        material=MATERIAL,
        thickness_mm=THICKNESS,
        kerf_mm=laser.kerf_mm,
        spacing_mm=laser.part_spacing_mm,
        process=PROCESS,
    )

    started = time.perf_counter()
    batched = nest(
        [p for order in orders for p in order],
        SHEET_MM,
        settings=NestSettings(time_limit_s=args.time_limit, seed=args.seed),
        **settings,  # type: ignore[arg-type]
    )
    bespoke = summary([batched], [time.perf_counter() - started])
    alone_nests, alone_seconds = [], []
    for order in orders:
        started = time.perf_counter()
        alone_nests.append(
            nest(
                order,
                SHEET_MM,
                settings=NestSettings(time_limit_s=args.time_limit, seed=args.seed),
                **settings,  # type: ignore[arg-type]
            )
        )
        alone_seconds.append(time.perf_counter() - started)
    baseline = summary(alone_nests, alone_seconds)

    fewer = baseline["sheets"] / bespoke["sheets"]
    lowest = bespoke["lowest_utilisation_but_last"]
    goals = {
        "utilisation_every_sheet_but_last_>=_0.85": lowest is None or lowest >= 0.85,
        "sheets_>=_1.3x_fewer": fewer >= 1.3,
        "nest_<=_30_s": bespoke["longest_nest_s"] <= 30.0,
    }
    print(f"{'':24}{'Bespoke':>12}{'one order/sheet':>18}")
    for key, label in [
        ("sheets", "sheets used"),
        ("sheet_equivalents_consumed", "sheets consumed"),
        ("overall_utilisation", "utilisation"),
        ("lowest_utilisation_but_last", "lowest, but the last"),
        ("longest_nest_s", "longest nest (s)"),
    ]:
        print(f"{label:24}{_shown(bespoke[key]):>12}{_shown(baseline[key]):>18}")
    print("Bespoke sheets: " + ", ".join(f"{u:.1%}" for u in bespoke["utilisation_by_sheet"]))
    print(f"fewer sheets: {fewer:.1f}x; goals: {goals}")
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "orders": len(orders),
        "parts": copies,
        "material": MATERIAL,
        "thickness_mm": THICKNESS,
        "sheet_mm": SHEET_MM,
        "kerf_mm": laser.kerf_mm,
        "spacing_mm": laser.part_spacing_mm,
        "time_limit_s": args.time_limit,
        "seed": args.seed,
        "bespoke": bespoke,
        "one_order_per_sheet": baseline,
        "fewer_sheets_ratio": round(fewer, 2),
        "goals_met": goals,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1))
    print(f"written {RESULTS.relative_to(ROOT)}")


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


if __name__ == "__main__":
    main()
