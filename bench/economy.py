"""The economy of batching: 100 all-different one-off orders made alone, made together by
Bespoke, and as mass production.

The orders: parts of the example products configured with random parameters, and the
shared DXF and STL fixtures in random materials, one of each, all different. Each is
made the cheapest way the shop's catalog offers for one piece. In the same shop and the
same cost model (machine and labour rates, set-ups, builds, material bought as stock
sheets or spools, no overhead or margin), the unit cost is reckoned when

  (a) each order is made alone: its own set-ups, its parts cut from a sheet of their own
      (the off-cut returned to stock), its own build plate;
  (b) Bespoke batches the 100 orders by set-up family, nests their parts on shared sheets,
      packs their prints on shared plates, shares out the cost, and schedules the batches
      (solver and independent checker);
  (c) each design is made 100 times over, identical units: the mass-production reference.

Goals: (b) <= 1.2x (c), and (a) >= 3x (b). Writes bench/results/economy.json.

    python bench/economy.py [--orders 100] [--seed 1] [--nest-time 20]
"""

import argparse
import json
import os
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bespoke.batching.nesting import NestSettings
from bespoke.batching.plan import BatchPlan, OrderCost, plan_batches, scheduled_work
from bespoke.catalog import load_catalog
from bespoke.costing.line import line_cost
from bespoke.geometry.dxf import read_dxf
from bespoke.geometry.stl import read_stl
from bespoke.model import Catalog, Part, ProcessOption
from bespoke.model.product import ParameterType, ProductSpec
from bespoke.model.scheduling import Job, Objective, Problem, Station
from bespoke.planning.part import plan_part
from bespoke.production.orders import part_work
from bespoke.products.configure import configure
from bespoke.products.spec import load_spec
from bespoke.scheduling.checker import violations
from bespoke.scheduling.solver import SolverSettings, solve

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BESPOKE_SHARED_DIR", ROOT.parent / "shared")) / "fixtures"
RESULTS = ROOT / "bench" / "results" / "economy.json"
DAY = 24 * 3600
WEEK = 7 * DAY
SHEET_MATERIALS = [("steel-s235", 2.0), ("aluminium-5052", 3.0), ("acrylic-cast", 3.0)]
PRINT_MATERIALS = ["pla", "petg"]
IDENTICAL = 100
KINDS = ("setup", "run", "material", "consumables")


@dataclass(frozen=True)
class Design:
    """One order's part: what it is made of, and its shape as drawn or modelled."""

    name: str
    part: Part
    file: Path
    units: str | None = None


def product_designs(rng: random.Random, count: int, out_dir: Path) -> list[Design]:
    """Parts of the example products, each product configured with random parameters."""
    catalog = load_catalog()
    specs = sorted((ROOT / "examples" / "products").glob("*.yaml"))
    designs: list[Design] = []
    attempt = 0
    while len(designs) < count:
        attempt += 1
        path = rng.choice(specs)
        spec = load_spec(path)
        settings = _random_settings(spec, rng)
        folder = out_dir / f"{path.stem}-{attempt}"
        product = configure(spec, settings, catalog, spec_dir=path.parent, out_dir=folder)
        for made in product.parts:
            if made.quantity and len(designs) < count:
                name = f"{path.stem}:{made.id} ({', '.join(settings.values())})"
                designs.append(Design(name, made.part, folder / Path(made.design_file).name))
    return designs


def _random_settings(spec: ProductSpec, rng: random.Random) -> dict[str, str]:
    settings = {}
    for parameter in spec.parameters:
        if parameter.type is ParameterType.CHOICE and parameter.choices:
            settings[parameter.name] = str(rng.choice(parameter.choices))
        elif parameter.type is ParameterType.INTEGER:
            settings[parameter.name] = str(rng.randint(int(parameter.min), int(parameter.max)))  # type: ignore[arg-type]
        elif parameter.type is ParameterType.LENGTH:
            low, high = (float(str(v).split()[0]) for v in (parameter.min, parameter.max))
            settings[parameter.name] = f"{rng.uniform(low, high):.0f} mm"
    return settings


def fixture_designs(rng: random.Random, count: int) -> list[Design]:
    """The shared fixtures, each in a material drawn at random: all pairs different."""
    pairs: list[tuple[Path, str, float | None]] = []
    for path in sorted((SHARED / "dxf").glob("*.dxf")):
        pairs += [(path, m, t) for m, t in SHEET_MATERIALS]
    for path in sorted((SHARED / "stl").glob("*")):
        pairs += [(path, m, None) for m in PRINT_MATERIALS]
    designs = []
    for path, material, thickness in rng.sample(pairs, min(count, len(pairs))):
        if thickness is not None:
            measured = read_dxf(path)
            units = measured.units.alternative_units if measured.units.suspicious else None
            sheet = read_dxf(path, units)
            part = Part(name=path.stem, material_id=material, thickness_mm=thickness, sheet=sheet)
        else:
            solid = read_stl(path)
            units = solid.units.alternative_units if solid.units.suspicious else None
            part = Part(name=path.stem, material_id=material, solid=read_stl(path, units))
        designs.append(Design(f"{path.stem} in {material}", part, path, units))
    return designs


def cheapest(part: Part, catalog: Catalog) -> ProcessOption | None:
    """The in-house way to make one piece at least cost, None when nothing can."""
    options = [o for o in plan_part(part, catalog) if o.feasible and o.supply is None]
    if not options:
        return None
    return min(options, key=lambda o: line_cost(o, 1, catalog.shop).cost)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--nest-time", type=float, default=20.0, help="seconds per batch nest")
    parser.add_argument("--schedule-time", type=float, default=30.0)
    args = parser.parse_args()
    if not (SHARED / "dxf").is_dir():
        raise SystemExit(f"the shared fixtures are needed: not found at {SHARED}")
    rng = random.Random(args.seed)
    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        designs = product_designs(rng, args.orders // 2, Path(tmp))
        designs += fixture_designs(rng, args.orders - len(designs))
        works = []
        for i, design in enumerate(designs, start=1):
            option = cheapest(design.part, catalog)
            if option is None:
                print(f"  left out (nothing in the shop makes it): {design.name}")
                continue
            due = rng.randint(3, 10) * DAY
            works.append(
                part_work(
                    str(i),
                    design.name,
                    1,
                    design.part,
                    option,
                    design.file,
                    catalog,
                    units=design.units,
                    due=due,
                )
            )
    print(f"{len(works)} all-different one-off orders")
    window, longest = WEEK, 2 * WEEK
    quick = NestSettings(time_limit_s=5, seed=args.seed)

    started = time.perf_counter()
    alone = [
        plan_batches([w], catalog, window_s=window, longest_s=longest, settings=quick)
        for w in works
    ]
    cost_a = sum((p.total for p in alone), Decimal(0))
    seconds_a = time.perf_counter() - started

    started = time.perf_counter()
    batched = plan_batches(
        works,
        catalog,
        window_s=window,
        longest_s=longest,
        settings=NestSettings(time_limit_s=args.nest_time, seed=args.seed),
    )
    seconds_b = time.perf_counter() - started
    jobs, links = scheduled_work(batched, works, catalog)
    problem = Problem(jobs=jobs, machines=_machines(jobs), links=links, objective=Objective.BOTH)
    schedule = solve(problem, SolverSettings(time_limit=args.schedule_time, seed=args.seed))
    broken = violations(problem, schedule)
    assert not broken, broken[:3]
    for planned in batched.batches:
        shared = sum((s.total for s in planned.shares), Decimal(0))
        assert shared == planned.cost
    cost_b = batched.total

    started = time.perf_counter()
    identical = [
        plan_batches(
            [w.model_copy(update={"quantity": IDENTICAL})],
            catalog,
            window_s=window,
            longest_s=longest * 10,
            settings=quick,
        )
        for w in works
    ]
    cost_c = sum((p.total for p in identical), Decimal(0)) / IDENTICAL
    seconds_c = time.perf_counter() - started

    n = len(works)
    unit = {k: float(v) / n for k, v in (("a", cost_a), ("b", cost_b), ("c", cost_c))}
    ratio_bc, ratio_ab = unit["b"] / unit["c"], unit["a"] / unit["b"]
    kinds = {
        "a": _by_kind([c for p in alone for c in p.orders.values()], n),
        "b": _by_kind(list(batched.orders.values()), n),
        "c": _by_kind([c for p in identical for c in p.orders.values()], n * IDENTICAL),
    }
    goals = {"batched_<=_1.2x_identical": ratio_bc <= 1.2, "alone_>=_3x_batched": ratio_ab >= 3.0}
    cut = [w.order for w in works if w.outlines]
    printed = [w.order for w in works if w.footprint is not None]
    groups = {
        name: _group(orders, alone, batched.orders, identical)
        for name, orders in (("cut from sheet", cut), ("printed", printed))
    }
    by_family = [
        {
            "batch": p.batch.id,
            "family": p.batch.family,
            "orders": len(p.batch.works),
            "sheets_or_plates": len(p.nest.sheets) if p.nest else None,
            "utilisation": [s.utilisation for s in p.nest.sheets] if p.nest else None,
            "hours": round(p.duration_s / 3600, 2),
            "cost": float(p.cost),
        }
        for p in batched.batches
    ]
    print(f"{'':34}{'unit cost':>12}" + "".join(f"{k:>13}" for k in KINDS))
    for key, label in (
        ("a", "(a) each made alone"),
        ("b", "(b) batched, nested, scheduled"),
        ("c", "(c) 100 identical units"),
    ):
        print(f"{label:34}{unit[key]:>12.2f}" + "".join(f"{kinds[key][k]:>13.2f}" for k in KINDS))
    print(f"(b)/(c) = {ratio_bc:.2f} (goal <= 1.2); (a)/(b) = {ratio_ab:.2f} (goal >= 3)")
    for name, group in groups.items():
        print(
            f"  {name}: {group['orders']} orders, unit cost alone {group['alone']:.2f}, batched"
            f" {group['batched']:.2f}, identical {group['identical']:.2f}; (b)/(c)"
            f" {group['batched'] / group['identical']:.2f}, (a)/(b)"
            f" {group['alone'] / group['batched']:.2f}"
        )
    for row in by_family:
        print(
            f"  {row['batch']:>9} {row['family']:40} {row['orders']:>3} orders,"
            f" {row['hours']:>6} h, {row['sheets_or_plates']} sheets/plates"
        )
    print(
        f"schedule: {schedule.status}, makespan {schedule.makespan / 3600:.1f} h, weighted"
        f" tardiness {schedule.weighted_tardiness / 3600:.1f} h, {len(jobs)} jobs; goals: {goals}"
    )
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "orders": n,
        "seed": args.seed,
        "currency": catalog.shop.currency,
        "unit_cost": {
            "alone": round(unit["a"], 2),
            "batched": round(unit["b"], 2),
            "identical": round(unit["c"], 2),
        },
        "unit_cost_by_kind": {
            name: kinds[key] for key, name in (("a", "alone"), ("b", "batched"), ("c", "identical"))
        },
        "by_kind_of_part": groups,
        "ratio_batched_to_identical": round(ratio_bc, 3),
        "ratio_alone_to_batched": round(ratio_ab, 3),
        "batches": by_family,
        "schedule": {
            "status": schedule.status,
            "makespan_h": round(schedule.makespan / 3600, 2),
            "weighted_tardiness_h": round(schedule.weighted_tardiness / 3600, 2),
        },
        "seconds": {
            "alone": round(seconds_a, 1),
            "batched": round(seconds_b, 1),
            "identical": round(seconds_c, 1),
        },
        "goals_met": goals,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1))
    print(f"written {RESULTS.relative_to(ROOT)}")


def _group(
    orders: list[str],
    alone: list[BatchPlan],
    batched: dict[str, OrderCost],
    identical: list[BatchPlan],
) -> dict[str, float]:
    """Unit cost of some of the orders made each way."""
    wanted = set(orders)

    def total(costs: dict[str, OrderCost]) -> float:
        return float(sum((c.total for o, c in costs.items() if o in wanted), Decimal(0)))

    n = max(1, len(wanted))
    return {
        "orders": len(wanted),
        "alone": round(sum(total(p.orders) for p in alone) / n, 2),
        "batched": round(total(batched) / n, 2),
        "identical": round(sum(total(p.orders) for p in identical) / (n * IDENTICAL), 2),
    }


def _by_kind(costs: list[OrderCost], units: int) -> dict[str, float]:
    """Cost per unit by kind: set-up, run, material, consumables."""
    return {k: round(float(sum(getattr(c, k) for c in costs)) / units, 2) for k in KINDS}


def _machines(jobs: list[Job]) -> list[Station]:
    names = sorted({a.machine for j in jobs for t in j.tasks for a in t.alternatives})
    return [Station(id=m) for m in names]


if __name__ == "__main__":
    main()
